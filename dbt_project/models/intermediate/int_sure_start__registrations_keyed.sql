{#- Each Sure Start registration with its regional child key (see int_trust__children_keyed for the rules). -#}
{{ keyed_records('int_sure_start__registrations_latest',
                 ['registration_id', 'project_code', 'registration_date', 'exit_date', 'exit_reason'],
                 'sure_start_registrations', 'registration_id') }}
