{#- Per cent of early help (a family support referral or a Sure Start registration) started in the period a year
    before whose child was referred to a Trust within the 12 months after (macro early_help_then). -#}
{{ early_help_then('early_help_then_referred_12m', 'fct_referrals', 'referral_date') }}
