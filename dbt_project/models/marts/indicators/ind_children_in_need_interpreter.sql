{#- Children in need at period end who need an interpreter (their latest record says so), by first language;
    each child once, aged at period end. -#}
with periods as (

    select * from {{ ref('dim_reporting_periods') }}

),

referrals as (

    select * from {{ ref('fct_referrals') }}

),

children as (

    select child_key, birth_month, first_language, is_interpreter_required from {{ ref('dim_children') }}

),

in_need as (

    select distinct periods.*, referrals.provider_code, referrals.child_key
    from referrals
    inner join periods
        on {{ is_in_need_at_period_end('referrals', 'periods') }}

)

select
    {{ indicator_unit(
        'children_in_need_interpreter', 'in_need.child_key', 'in_need.child_key',
        age_in_years('children.birth_month', 'in_need.period_end'), breakdown="'first_language'",
        breakdown_value=first_language('children.first_language'), provider_code='in_need.provider_code',
        periods='in_need'
    ) }}
from in_need
inner join children
    on in_need.child_key = children.child_key
where children.is_interpreter_required
