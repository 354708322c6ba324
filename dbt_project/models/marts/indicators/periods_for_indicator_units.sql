{#- Each reporting period for each model the indicator models read, marked with whether that model's rows changed
    on or before the period's end since the indicator models were last built (macros/indicator_increments.sql): an
    incremental run of an indicator model rebuilds the periods where one of the models it reads changed. -#}
{{ config(materialized='table', partition_by=none) }}
{%- for name in indicator_inputs() %}
-- depends_on: {{ ref(name) }}
{%- endfor %}
{%- if indicator_input_dates() != 4 %}
    {{ exceptions.raise_compiler_error("periods_for_indicator_units compares 4 slots: add the others") }}
{%- endif %}
{%- set built = indicator_inputs_as_built() %}
{%- set never = "cast('1900-01-01' as date)" %}

with periods as (

    select * from {{ ref('dim_reporting_periods') }}

),

inputs as (

    {%- for name in indicator_input_names() %}
        select '{{ name }}' as input_model
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

current_inputs as (

    {{ indicator_input_fingerprints() }}

),

-- none before the first build or on a full refresh: every row is then new, and every period with one changes
previous_inputs as (

    select * from {{ built if built else 'current_inputs where false' }}

),

both_inputs as (

    select * from current_inputs
    union all
    select * from previous_inputs

),

compared as (

    select
        coalesce(current_inputs.input_model, previous_inputs.input_model) as input_model,
        coalesce(current_inputs.is_attributes, previous_inputs.is_attributes) as is_attributes,
        coalesce(current_inputs.row_key, previous_inputs.row_key) as row_key,
        current_inputs.row_key is null or previous_inputs.row_key is null as is_added_or_removed,
        coalesce(current_inputs.whole_hash, 0) != coalesce(previous_inputs.whole_hash, 0) as is_whole_changed,
        least(
            current_inputs.date_1, previous_inputs.date_1, current_inputs.date_2, previous_inputs.date_2,
            current_inputs.date_3, previous_inputs.date_3, current_inputs.date_4, previous_inputs.date_4
        ) as earliest_date,
        coalesce(current_inputs.dated_hash_1, 0) != coalesce(previous_inputs.dated_hash_1, 0) as is_slot_1_changed,
        coalesce(current_inputs.dated_hash_2, 0) != coalesce(previous_inputs.dated_hash_2, 0) as is_slot_2_changed,
        coalesce(current_inputs.dated_hash_3, 0) != coalesce(previous_inputs.dated_hash_3, 0) as is_slot_3_changed,
        coalesce(current_inputs.dated_hash_4, 0) != coalesce(previous_inputs.dated_hash_4, 0) as is_slot_4_changed,
        least(current_inputs.date_1, previous_inputs.date_1) as slot_1_date,
        least(current_inputs.date_2, previous_inputs.date_2) as slot_2_date,
        least(current_inputs.date_3, previous_inputs.date_3) as slot_3_date,
        least(current_inputs.date_4, previous_inputs.date_4) as slot_4_date
    from current_inputs
    full outer join previous_inputs
        on current_inputs.input_model = previous_inputs.input_model
        and current_inputs.row_key = previous_inputs.row_key

),

-- An event touches its periods from its earliest date, old or new, when it is new, withdrawn or changed as a
-- whole, else from the earliest date a change is dated by (an emptied date: from the event's earliest).
event_changes as (

    select
        input_model,
        min(
            case
                when is_added_or_removed or is_whole_changed then coalesce(earliest_date, {{ never }})
                else
                    least(
                        case when is_slot_1_changed then coalesce(slot_1_date, earliest_date, {{ never }}) end,
                        case when is_slot_2_changed then coalesce(slot_2_date, earliest_date, {{ never }}) end,
                        case when is_slot_3_changed then coalesce(slot_3_date, earliest_date, {{ never }}) end,
                        case when is_slot_4_changed then coalesce(slot_4_date, earliest_date, {{ never }}) end
                    )
            end
        ) as changed_from
    from compared
    where
        not is_attributes
        and (
            is_added_or_removed or is_whole_changed
            or is_slot_1_changed or is_slot_2_changed or is_slot_3_changed or is_slot_4_changed
        )
    group by input_model

),

-- A child's changed attribute touches the periods of the child's events it is read with, from the earliest of
-- them; a child added or removed touches nothing by themselves (their events are compared as events).
changed_attributes as (

    select
        input_model,
        row_key as child_key,
        is_slot_1_changed,
        is_slot_2_changed,
        is_slot_3_changed,
        is_slot_4_changed
    from compared
    where
        is_attributes
        and not is_added_or_removed
        and (is_slot_1_changed or is_slot_2_changed or is_slot_3_changed or is_slot_4_changed)

),

child_events as (

    select
        child_key,
        input_model,
        least(date_1, date_2, date_3, date_4) as earliest_date
    from both_inputs
    where not is_attributes

),

attribute_changes as (

    {%- set branches = [] %}
    {%- for name, rules in indicator_inputs().items() if rules.get('attributes') is not none %}
        {%- for attribute, counted_from in rules['attributes'].items() %}
            {%- do branches.append({'name': name, 'attribute': attribute, 'slot': loop.index,
                                    'counted_from': counted_from}) %}
        {%- endfor %}
    {%- endfor %}
    {%- for branch in branches %}
        select
            '{{ branch.name }}.{{ branch.attribute }}' as input_model,
            min(child_events.earliest_date) as changed_from
        from changed_attributes
        inner join child_events
            on changed_attributes.child_key = child_events.child_key
        where
            changed_attributes.input_model = '{{ branch.name }}'
            and changed_attributes.is_slot_{{ branch.slot }}_changed
            {%- if branch.counted_from %}
                and child_events.input_model in ('{{ branch.counted_from | join("', '") }}')
            {%- endif %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

changes as (

    select
        input_model,
        changed_from
    from event_changes
    union all
    select
        input_model,
        changed_from
    from attribute_changes

),

changed_from as (

    select
        input_model,
        min(changed_from) as changed_from
    from changes
    group by input_model

)

select
    inputs.input_model,
    periods.period_type,
    periods.quarter_label,
    periods.period_start,
    periods.period_end,
    periods.population_year,
    coalesce(periods.period_end >= changed_from.changed_from, false) as inputs_changed
from inputs
cross join periods
left join changed_from
    on inputs.input_model = changed_from.input_model
