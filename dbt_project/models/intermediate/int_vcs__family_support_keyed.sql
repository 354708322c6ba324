{#- Each family support referral with its regional child key (see int_trust__children_keyed for the rules). -#}
{{ keyed_records('int_vcs__family_support_latest',
                 ['referral_ref', 'org_code', 'hub_code', 'referral_date', 'referral_source', 'needs',
                  'service_start_date', 'service_end_date', 'outcome', 'was_advocacy_provided'],
                 'family_support', 'referral_ref') }}
