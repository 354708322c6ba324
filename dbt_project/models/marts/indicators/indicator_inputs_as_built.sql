{#- What the indicator models were built from: a fingerprint of each row they read (macros/indicator_increments.sql),
    written after all of them, for the next run to compare with (periods_for_indicator_units). -#}
{{ config(materialized='table', partition_by=none) }}
{%- for mart, models in indicator_models().items() %}
    {%- for model in models %}
    -- depends_on: {{ ref(model) }}
    {%- endfor %}
{%- endfor %}

{{ indicator_input_fingerprints() }}
