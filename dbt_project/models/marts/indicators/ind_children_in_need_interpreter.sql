{#- Children in need at period end (the units of children_in_need, so always a part of them) who need an
    interpreter (their latest record says so), by first language; each child once, aged at period end. -#}
with periods as (

    select * from {{ indicator_periods() }}

),

in_need as (

    select units.*
    from {{ ref('ind_children_in_need') }} as units
    inner join periods
        on units.period_type = periods.period_type
        and units.quarter_label = periods.quarter_label

),

children as (

    select child_key, first_language, is_interpreter_required from {{ ref('dim_children') }}

)

select
    {{ indicator_unit(
        'children_in_need_interpreter', 'in_need.unit_key', 'in_need.child_key', 'in_need.age',
        breakdown="'first_language'", breakdown_value=first_language('children.first_language'),
        provider_code='in_need.provider_code', periods='in_need'
    ) }}
from in_need
inner join children
    on in_need.child_key = children.child_key
where children.is_interpreter_required
