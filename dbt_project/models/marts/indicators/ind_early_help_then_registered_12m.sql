{#- Per cent of early help (a family support referral or a Sure Start registration) started in the period a year
    before whose child was placed on the child protection register within the 12 months after (macro
    early_help_then). -#}
{{ early_help_then('early_help_then_registered_12m', 'fct_cp_registrations', 'registration_date') }}
