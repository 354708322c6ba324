{#- Indicator units built by the reporting periods a run's changes touch (README, "Incremental indicator units").

    A period's units are worked out from event dates alone (spec 7.2.1: "in the period", "at period end"), so a
    change to a record dated D can change only the periods that end on or after D. Each run compares what the
    indicator models read (the facts and the few child attributes below) with what they read when they were last
    built, row by row, and takes the earliest date a difference touches: every period ending on or after it is
    rebuilt, every earlier one is left as it is. -#}

{% macro indicator_inputs() -%}
    {#- Every relation an indicator model reads besides the periods and the reference seeds, and how to compare it.
        ``not_read``: columns no indicator reads (tests/test_indicator_increments.py fails if one does), so that a
        change to them (a child's area, which the marts read from dim_children) touches no period. ``dated``: columns
        every indicator reading them reads in the periods of one date of the same row (the days from referral to
        decision, in the periods of the decision), so that a change to them counts from that date, the earlier of
        its old and new value; a change to any other column counts from the row's earliest date. ``attributes``: a
        relation of children (its first column the child's key), not of events: only these columns are compared, each
        with the events whose dates a change to it counts from, the child's earliest in those models (none listed:
        in every model). ``key``: the columns naming a row, where the first column alone does not. The last
        submission a record came in is never compared: a record sent again unchanged changes nothing.
        The reporting periods are an input too, of every indicator model (inputs_of): a period new since the last
        build counts from its end, so it is built, and one gone counts from its end, so its units are removed. -#}
    {{ return({
        'fct_assessments': {'dated': {'working_days_to_completion': 'completed_date',
                                      'is_within_10_working_days': 'completed_date'}},
        'fct_care_episodes': {'dated': {'age_at_end': 'end_date', 'end_reason': 'end_date'}},
        'fct_care_leaver_contacts': {},
        'fct_cp_registrations': {'dated': {'age_at_deregistration': 'deregistration_date',
                                           'deregistration_reason': 'deregistration_date'}},
        'fct_family_support_referrals': {'dated': {'days_to_service_start': 'service_start_date',
                                                  'age_at_service_end': 'service_end_date',
                                                  'outcome': 'service_end_date',
                                                  'were_needs_met': 'service_end_date',
                                                  'was_advocacy_provided': 'service_end_date'}},
        'fct_lac_reviews': {},
        'fct_placements': {'dated': {'end_reason': 'end_date'}},
        'fct_referrals': {'not_read': ['lgd_code', 'trust_of_residence', 'deprivation_decile'],
                          'dated': {'days_to_decision': 'decision_date', 'days_to_allocation': 'allocated_date'}},
        'fct_sure_start_registrations': {},
        'fct_workforce_snapshots': {},
        'dim_children': {'attributes': {'birth_month': [], 'first_language': ['fct_referrals'],
                                        'is_interpreter_required': ['fct_referrals']}},
        'dim_reporting_periods': {'key': ['period_type', 'quarter_label'], 'dated': {'period_start': 'period_end'}},
    }) }}
{%- endmacro %}

{% macro indicator_input_dates() -%}
    {#- The most date columns (or attributes) any input has: each fingerprint row has this many slots. -#}
    {{ return(4) }}
{%- endmacro %}

{% macro indicator_input_fingerprints() -%}
    {#- One row per row of every input: its key, its child's key, a hash of the columns compared as a whole, and
        one slot per date column (the date, and a hash of it with the columns dated by it) or, for children, per
        attribute (a hash of it). Hashes are compared only within one engine (each hashes its own text forms). -#}
    {%- set slot_count = indicator_input_dates() -%}
    {%- for name, rules in indicator_inputs().items() %}
        {%- set relation = ref(name) -%}
        {%- set columns = adapter.get_columns_in_relation(relation) if execute else [] -%}
        {%- set names = columns | map(attribute='name') | map('lower') | list -%}
        {%- set key = rules.get('key', names[:1]) -%}
        {%- set whole = [] -%}
        {%- set slots = [] -%}
        {%- if rules.get('attributes') is not none -%}
            {%- for attribute in rules['attributes'] -%}
                {%- do slots.append({'date': 'null', 'hashed': [attribute]}) -%}
            {%- endfor -%}
        {%- else -%}
            {%- for column in columns -%}
                {%- set column_name = column.name | lower -%}
                {%- if column_name in key or column_name == 'last_submission_id'
                       or column_name in rules.get('not_read', [])
                       or column_name in rules.get('dated', {}) -%}
                {%- elif column.dtype | lower == 'date' -%}
                    {%- set followers = [] -%}
                    {%- for follower, date in rules.get('dated', {}).items() if date == column_name -%}
                        {%- do followers.append(follower) -%}
                    {%- endfor -%}
                    {%- do slots.append({'date': column_name, 'hashed': [column_name] + followers}) -%}
                {%- else -%}
                    {%- do whole.append(column_name) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
        {%- set key_parts = [] -%}
        {%- for column in key -%}
            {%- if not loop.first %}{% do key_parts.append("'|'") %}{% endif -%}
            {%- do key_parts.append(column) -%}
        {%- endfor -%}
        {%- set key_expression = dbt.concat(key_parts) if key_parts | length > 1 else (key_parts | first or 'null') -%}
        {%- if execute -%}
            {%- if slots | length > slot_count -%}
                {{ exceptions.raise_compiler_error(name ~ " needs more slots than indicator_input_dates() gives") }}
            {%- endif -%}
            {%- for column in rules.get('dated', {}) | list + rules.get('dated', {}).values() | list
                              + rules.get('not_read', []) + rules.get('attributes', {}) | list + key -%}
                {%- if column not in names -%}
                    {{ exceptions.raise_compiler_error("indicator_inputs() names " ~ column ~ ", which " ~ name
                                                       ~ " does not have") }}
                {%- endif -%}
            {%- endfor -%}
        {%- endif %}
        select
            '{{ name }}' as input_model,
            {{ rules.get('attributes') is not none }} as is_attributes,
            cast({{ key_expression }} as {{ dbt.type_string() }}) as row_key,
            cast({{ 'child_key' if 'child_key' in names else 'null' }} as {{ dbt.type_string() }}) as child_key,
            {{ fingerprint(whole) }} as whole_hash
            {%- for slot in range(slot_count) %},
            {%- if slot < slots | length %}
            cast({{ slots[slot]['date'] }} as date) as date_{{ slot + 1 }},
            {{ fingerprint(slots[slot]['hashed']) }} as dated_hash_{{ slot + 1 }}
            {%- else %}
            cast(null as date) as date_{{ slot + 1 }},
            cast(null as {{ fingerprint_type() }}) as dated_hash_{{ slot + 1 }}
            {%- endif %}
            {%- endfor %}
        from {{ relation }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{% macro fingerprint(columns) -%}
    {#- A 64-bit hash of some columns' values, an empty value told apart by position (or 0 for no columns): one
        hash of each row's columns, not SHA-256 of their text, which took 56 s a month at scale 10. -#}
    {%- if columns -%}
        {{ return(adapter.dispatch('fingerprint', 'children_data_warehouse')(columns)) }}
    {%- else -%}
        {{ return('cast(0 as ' ~ fingerprint_type() ~ ')') }}
    {%- endif -%}
{%- endmacro %}

{% macro default__fingerprint(columns) -%}
    {{ return('hash(' ~ columns | join(', ') ~ ')') }}
{%- endmacro %}

{% macro spark__fingerprint(columns) -%}
    {#- xxhash64 skips empty values, so each is hashed as a marker instead. -#}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as string), '<empty>')") -%}
    {%- endfor -%}
    {{ return('xxhash64(' ~ parts | join(', ') ~ ')') }}
{%- endmacro %}

{% macro fingerprint_type() -%}
    {{ return(adapter.dispatch('fingerprint_type', 'children_data_warehouse')()) }}
{%- endmacro %}

{% macro default__fingerprint_type() -%}
    {{ return('ubigint') }}
{%- endmacro %}

{% macro spark__fingerprint_type() -%}
    {{ return('bigint') }}
{%- endmacro %}

{% macro indicator_input_names() -%}
    {#- The names periods_for_indicator_units marks periods for: each input of events, and each attribute of a
        relation of children as ``relation.attribute``. -#}
    {%- set names = [] -%}
    {%- for name, rules in indicator_inputs().items() -%}
        {%- if rules.get('attributes') is not none -%}
            {%- for attribute in rules['attributes'] -%}{%- do names.append(name ~ '.' ~ attribute) -%}{%- endfor -%}
        {%- else -%}
            {%- do names.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{% macro inputs_of(unique_id) -%}
    {#- What an indicator model reads of indicator_inputs(), directly or through another indicator model, as an SQL
        list of the names indicator_input_names() gives: always the reporting periods, which every indicator model
        is built by. Of a relation of children, the attributes the reading model's own SQL names (all of them if it
        names none: tests/test_indicator_increments.py fails if a macro reads such a relation). -#}
    {%- set names = ['dim_reporting_periods'] -%}
    {%- do collect_indicator_inputs(unique_id, names) -%}
    {{ return("('" ~ names | unique | join("', '") ~ "')") }}
{%- endmacro %}

{% macro collect_indicator_inputs(unique_id, names) -%}
    {#- Appends to ``names`` what the node reads of indicator_inputs(), following the indicator models it reads. -#}
    {%- set inputs = indicator_inputs() -%}
    {%- set node = graph.nodes[unique_id] -%}
    {%- set words = modules.re.findall('[a-z_0-9]+', node.raw_code | lower) -%}
    {%- for parent in node.depends_on.nodes -%}
        {%- set name = parent.split('.')[-1] -%}
        {%- if name in inputs and inputs[name].get('attributes') is not none -%}
            {%- set named = inputs[name]['attributes'] | select('in', words) | list -%}
            {%- for attribute in named or inputs[name]['attributes'] | list -%}
                {%- do names.append(name ~ '.' ~ attribute) -%}
            {%- endfor -%}
        {%- elif name in inputs -%}
            {%- do names.append(name) -%}
        {%- elif name.startswith('ind_') -%}
            {%- do collect_indicator_inputs(parent, names) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}

{% macro indicator_periods() -%}
    {#- The reporting periods an indicator model builds, as a subquery aliased ``periods`` with dim_reporting_periods'
        columns: every period, or in an incremental run those it rebuilds (periods_rebuilt). -#}
    (
        select distinct
            candidates.period_type,
            candidates.quarter_label,
            candidates.period_start,
            candidates.period_end,
            candidates.population_year
        from {{ ref('periods_for_indicator_units') }} as candidates
        {%- if is_incremental() %}
            where {{ periods_rebuilt(model.unique_id, 'candidates') }}
        {%- endif %}
    ) as periods
{%- endmacro %}

{% macro periods_rebuilt(unique_id, candidates) -%}
    {#- The condition on periods_for_indicator_units (aliased ``candidates``) an incremental indicator model's
        periods meet in a run: an input it reads changed on or before the period's end (a period new or gone
        since the last build among them, through the reporting periods' input).
        A period it leaves had the same inputs when last built, so it would be built the same. One definition for
        the model, its pre-hook and the test of its units (periods_rebuilt_by_run). -#}
    {{ candidates }}.inputs_changed and {{ candidates }}.input_model in {{ inputs_of(unique_id) }}
{%- endmacro %}

{% macro should_full_refresh() -%}
    {#- dbt's own rule (the model's full_refresh config, else --full-refresh), which every incremental materialization
        and is_incremental() ask, and one more: an indicator model whose run would rebuild at least half its periods
        is built whole, as a table. Rebuilt period by period, each row is written twice (to a temporary table, then
        inserted after the pre-hook's delete): at scale 10, ind_sure_start_reach took 37.9 s to rebuild every period
        so and 16.1 s to build whole (README, "Figures"). One decision, which the model's SQL, its pre-hook and the
        materialization all ask. -#}
    {%- set configured = config.get('full_refresh') -%}
    {%- if configured is none -%}
        {%- set configured = flags.FULL_REFRESH -%}
    {%- endif -%}
    {%- if configured or not execute or model is not mapping or model.get('resource_type') != 'model'
           or model.get('config', {}).get('materialized') != 'incremental'
           or model.get('name') not in indicator_models().values() | sum(start=[]) -%}
        {{ return(configured) }}
    {%- endif -%}
    {{ return(rebuilds_most_periods(model.unique_id)) }}
{%- endmacro %}

{% macro rebuilds_most_periods(unique_id) -%}
    {#- Whether periods_rebuilt holds for at least half of the reporting periods of this indicator model (false
        while periods_for_indicator_units is not built, when the model is not built either). -#}
    {%- set periods = ref('periods_for_indicator_units') -%}
    {%- if adapter.get_relation(database=periods.database, schema=periods.schema,
                                identifier=periods.identifier) is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set shares = run_query(
        "select coalesce(sum(case when rebuilt then 1 else 0 end) * 2 >= count(*), false) from ("
        ~ " select candidates.period_type, candidates.quarter_label,"
        ~ " max(case when " ~ periods_rebuilt(unique_id, 'candidates') ~ " then 1 else 0 end) = 1 as rebuilt"
        ~ " from " ~ periods ~ " as candidates group by candidates.period_type, candidates.quarter_label"
        ~ ") as by_period") -%}
    {{ return(shares.columns[0].values()[0]) }}
{%- endmacro %}

{% macro clear_changed_periods() -%}
    {#- An incremental indicator model's pre-hook: its units of the periods it rebuilds go first, so that a period
        left with none has none, and so do those of a period no longer reported (the data's first month moved);
        the run then writes the periods it built. -#}
    {{ return(adapter.dispatch('clear_changed_periods', 'children_data_warehouse')()) }}
{%- endmacro %}

{% macro default__clear_changed_periods() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where (period_type, quarter_label) in (
            select candidates.period_type, candidates.quarter_label
            from {{ ref('periods_for_indicator_units') }} as candidates
            where {{ periods_rebuilt(model.unique_id, 'candidates') }}
        )
        or {{ period_no_longer_reported() }}
    {%- endif -%}
{%- endmacro %}

{% macro period_no_longer_reported() -%}
    {#- The condition that a row built before is of a reporting period no longer reported (the data's first month
        moved on), for a delete from an indicator model or a mart built by period. -#}
    (period_type, quarter_label) not in (
        select reported.period_type, reported.quarter_label
        from {{ ref('periods_for_indicator_units') }} as reported
    )
{%- endmacro %}

{% macro spark__clear_changed_periods() -%}
    {#- Spark's Parquet tables take no delete: the periods' partitions are dropped, named one by one. -#}
    {%- if is_incremental() and execute -%}
        {%- set periods = ref('periods_for_indicator_units') -%}
        {%- set emptied = run_query(
            "select distinct candidates.period_type, candidates.quarter_label from " ~ periods ~ " as candidates "
            ~ "where " ~ periods_rebuilt(model.unique_id, 'candidates')
            ~ " union select distinct built.period_type, built.quarter_label from " ~ this ~ " as built "
            ~ "left anti join " ~ periods ~ " as reported on built.period_type = reported.period_type "
            ~ "and built.quarter_label = reported.quarter_label") -%}
        {%- if emptied.rows | length > 0 -%}
            alter table {{ this }} drop if exists
            {%- for row in emptied.rows %}
                partition (period_type = '{{ row[0] }}', quarter_label = '{{ row[1] }}'){{ ',' if not loop.last }}
            {%- endfor %}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro periods_rebuilt_by_run(mart) -%}
    {#- The periods this run built for each indicator of a mart, as a query of (indicator, period_type,
        quarter_label): those periods_rebuilt gives each indicator's model, so that a test of the units reads the
        month's, not every period's (49 s of scale 10's month before); none where the indicator models are built
        as tables or nothing is known yet (parsing), when every unit is read. The units of a period left alone
        passed when built: a run builds incrementally only after a build without a failure. So did those of a
        period a model built whole (should_full_refresh) rebuilt with the inputs it was last built from. -#}
    {%- if not indicator_models_incremental(mart) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set nodes = indicator_model_nodes(mart) -%}
    {%- set branches = [] -%}
    {%- for indicator in catalogue_indicators()[mart] -%}
        {%- set name = 'ind_' ~ indicator -%}
        {%- if name not in nodes -%}
            {{ exceptions.raise_compiler_error("periods_rebuilt_by_run: no model " ~ name ~ " for the indicator "
                                               ~ indicator ~ " of " ~ mart) }}
        {%- endif -%}
        {%- do branches.append("select '" ~ indicator ~ "' as indicator, candidates.period_type, "
                               ~ "candidates.quarter_label from " ~ ref('periods_for_indicator_units')
                               ~ " as candidates where " ~ periods_rebuilt(nodes[name].unique_id, 'candidates')) -%}
    {%- endfor -%}
    {{ return(branches | join('\nunion all\n')) }}
{%- endmacro %}

{% macro indicator_model_nodes(mart) -%}
    {#- The graph's nodes of the indicator models of a mart, by name. -#}
    {%- set models = indicator_models()[mart] -%}
    {%- set nodes = {} -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name in models -%}
        {%- do nodes.update({node.name: node}) -%}
    {%- endfor -%}
    {{ return(nodes) }}
{%- endmacro %}

{% macro indicator_models_incremental(mart) -%}
    {#- Whether every indicator model of a mart is incremental, so that a run knows the periods each rebuilt (false
        while parsing, when nothing is known yet). -#}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(not (indicator_model_nodes(mart).values() | selectattr('config.materialized', 'ne', 'incremental')
                   | list)) }}
{%- endmacro %}

{% macro indicator_inputs_as_built() -%}
    {#- The fingerprints the indicator models were last built from (the model indicator_inputs_as_built, which the
        last build wrote after every indicator model), or none: never built, or a full refresh, when every period
        is built anyway. Read by name, not by ref: it is built after the models that read it. -#}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=this.database, schema=this.schema,
                                   identifier='indicator_inputs_as_built')) }}
{%- endmacro %}
