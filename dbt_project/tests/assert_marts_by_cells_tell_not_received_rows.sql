{#- A mart built again by cells (macros/mart_increments.sql) tells which indicators it published as not received
    when last built by its config not_received_rows, and rebuilds every period of an indicator received since, or no
    longer: so the rows meeting that condition must be exactly those of the indicators not received. With no model
    setting it, the test fails rather than check nothing. -#}
{%- set marts = [] %}
{%- if execute %}
    {%- for node in graph.nodes.values()
            if node.resource_type == 'model' and node.config.get('not_received_rows') is not none %}
        {%- do marts.append(node) %}
    {%- endfor %}
{%- endif %}
-- depends_on: {{ ref('mart_service_performance') }}, {{ ref('int_indicators_not_received') }}
{%- for node in marts %}
    select
        '{{ node.name }}' as mart,
        built.indicator,
        built.period_type,
        built.quarter_label
    from {{ ref(node.name) }} as built
    left join {{ ref('int_indicators_not_received') }} as not_received
        on built.indicator = not_received.indicator
    where ({{ node.config.get('not_received_rows') }}) != (not_received.indicator is not null)
    union all
{%- endfor %}
select
    'none' as mart,
    'no model sets not_received_rows' as indicator,
    cast(null as {{ dbt.type_string() }}) as period_type,
    cast(null as {{ dbt.type_string() }}) as quarter_label
where {{ 'false' if marts else 'true' }}
