{#- Per cent of early help (a family support referral or a Sure Start registration) started in the period a year
    before whose child began to be looked after within the 12 months after (macro early_help_then). -#}
{{ early_help_then('early_help_then_looked_after_12m', 'fct_care_episodes', 'start_date') }}
