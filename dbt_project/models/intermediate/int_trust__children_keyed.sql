{#- Each Trust child record with its regional child key (spec section 5): the person key of the restricted zone's
    linkage; for a record it has not linked, the HCN key, else the HCN key linked by exact normalised name, date
    of birth and postcode, else a key scoped to the Trust (macros child_key and keyed_records). -#}
{{ keyed_records('int_trust__children_latest',
                 ['child_ref', 'religion', 'ethnicity', 'disability', 'first_language', 'is_interpreter_required'],
                 'children', 'child_ref') }}
