{#- Dialect shims, so that models run on DuckDB and on Spark (DESIGN_NOTES: keeping the SQL portable). -#}

{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'children_data_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__median(expression) -%}
    median({{ expression }})
{%- endmacro %}

{% macro spark__median(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}

{% macro compact_key(expression) -%}
    {#- A key (a 64-character hash) as a 16-byte number where units are grouped or made distinct by it: on
        DuckDB, md5_number, whose collisions (about 1 in 10^22 among 10^8 keys) cannot be told from none. Hash
        tables of 16-byte numbers instead of strings spill a quarter as much to disk (units of scale 10 made
        distinct with 1 GB: 1.1 GB instead of 4.8 GB). Spark, which spills as it shuffles, groups by the key as it
        is. Never published: compared only with other compact keys. -#}
    {{ return(adapter.dispatch('compact_key', 'children_data_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__compact_key(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro duckdb__compact_key(expression) -%}
    md5_number({{ expression }})
{%- endmacro %}

{% macro age_in_years(birth_month, event_date) -%}
    {#- Whole years at a month's end (exact: every period ends on a month's last day), counted from the first day
        of the month of birth (the day of birth never leaves the restricted zone). At an event within a month it
        can be a year early in the month of the birthday: events take their exact age from the restricted zone
        (age_at_event). -#}
    cast(floor(((extract(year from {{ event_date }}) - extract(year from {{ birth_month }})) * 12
        + extract(month from {{ event_date }}) - extract(month from {{ birth_month }})) / 12) as integer)
{%- endmacro %}

{% macro month_start(date_expression) -%}
    cast({{ dbt.date_trunc('month', date_expression) }} as date)
{%- endmacro %}

{% macro sha256(expression) -%}
    {{ return(adapter.dispatch('sha256', 'children_data_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__sha256(expression) -%}
    sha256({{ expression }})
{%- endmacro %}

{% macro spark__sha256(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}

{% macro child_key(record, links, linked) -%}
    {#- The regional child key (spec section 5): the person key the restricted zone's linkage gave the record;
        for a record it has not linked (a batch ingested before identifiers were kept), the exact match: the HCN
        key, else the HCN key that the same normalised name, date of birth and postcode carried elsewhere, else a
        key scoped to the provider. -#}
    coalesce(
        {{ linked }}.person_key,
        {{ record }}.hcn_key,
        {{ links }}.hcn_key,
        {{ sha256("'provider:' || " ~ record ~ ".provider_code || ':' || " ~ record ~ ".demographic_key") }}
    )
{%- endmacro %}

{% macro link_method(record, links, linked) -%}
    case
        when {{ linked }}.person_key is not null then {{ linked }}.link_method
        when {{ record }}.hcn_key is not null then 'hcn'
        when {{ links }}.hcn_key is not null then 'demographic_match'
        else 'provider'
    end
{%- endmacro %}

{% macro iso_day_of_week(date_expression) -%}
    {#- 1 = Monday ... 7 = Sunday, on every engine. -#}
    {{ return(adapter.dispatch('iso_day_of_week', 'children_data_warehouse')(date_expression)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_expression) -%}
    cast(isodow({{ date_expression }}) as integer)
{%- endmacro %}

{% macro spark__iso_day_of_week(date_expression) -%}
    cast((dayofweek({{ date_expression }}) + 5) % 7 + 1 as integer)
{%- endmacro %}

{% macro keyed_records(latest_model, columns, feed, person_ref) -%}
    {#- A latest-state model's records with their regional child key (child_key and link_method above), and the
        characteristics every child-naming feed carries; ``feed`` and ``person_ref`` find the record's person key. -#}
    with records as (

        select * from {{ ref(latest_model) }}

    ),

    links as (

        select * from {{ ref('int_identity__demographic_links') }}

    ),

    linked as (

        select * from {{ ref('stg_linkage__person_keys') }}
        where feed = '{{ feed }}'

    )

    select
        records.provider_code,
        {%- for column in columns %}
        records.{{ column }},
        {%- endfor %}
        {{ child_key('records', 'links', 'linked') }} as child_key,
        {{ link_method('records', 'links', 'linked') }} as link_method,
        records.has_valid_hcn,
        records.birth_month,
        records.sex,
        records.postcode_sector,
        records.postcode_district,
        records.lgd_code,
        records.trust_of_residence,
        records.deprivation_decile,
        records.last_submission_period,
        records.last_submission_id
    from records
    left join links
        on records.demographic_key = links.demographic_key
    left join linked
        on records.provider_code = linked.provider_code
        and records.{{ person_ref }} = linked.person_ref
{%- endmacro %}

{% macro spark__load_csv_rows(model, agate_table) %}
    {#- dbt-spark's session method pastes seed values into the SQL unescaped, so a name with an apostrophe
        ("St Patrick's Day") breaks the insert: the values are written here as escaped literals instead. -#}
    {%- set column_types = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    {%- set column = agate_table.column_names[loop.index0] -%}
                    {%- set type = column_types.get(column, adapter.convert_type(agate_table, loop.index0)) -%}
                    cast({{ spark_literal(value) }} as {{ type }}){% if not loop.last %}, {% endif %}
                {%- endfor -%}){% if not loop.last %},{% endif %}
            {% endfor -%}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}

{% macro spark_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is boolean -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}

{% macro built_with(column) -%}
    {#- Whether this incremental model's table exists and has the column its increments are found by. A table
        built before that column existed (or none at all) is built in full, once: no manual full refresh. -#}
    {%- if not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set names = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {{ return(column in names) }}
{%- endmacro %}

{% macro partition_replacement(partition_column) -%}
    {#- The config of an incremental model that replaces whole partitions: each run writes every row of the
        partitions that changed, and those partitions replace the stored ones. The one incremental strategy both
        engines have on plain files: delete+insert keyed on the partition column in DuckDB, insert_overwrite of
        Parquet partitions in Spark (no Delta or Iceberg there, so no merge). -#}
    {{ return(adapter.dispatch('partition_replacement', 'children_data_warehouse')(partition_column)) }}
{%- endmacro %}

{% macro default__partition_replacement(partition_column) -%}
    {{ return({'materialized': 'incremental', 'incremental_strategy': 'delete+insert',
               'unique_key': partition_column, 'on_schema_change': 'append_new_columns'}) }}
{%- endmacro %}

{% macro spark__partition_replacement(partition_column) -%}
    {{ return({'materialized': 'incremental', 'incremental_strategy': 'insert_overwrite',
               'partition_by': [partition_column], 'file_format': 'parquet',
               'on_schema_change': 'append_new_columns'}) }}
{%- endmacro %}

{% macro sorted_list(expression, delimiter) -%}
    {#- The group's values sorted and joined by a delimiter (an SQL string); dbt's listagg cannot sort on Spark. -#}
    {{ return(adapter.dispatch('sorted_list', 'children_data_warehouse')(expression, delimiter)) }}
{%- endmacro %}

{% macro default__sorted_list(expression, delimiter) -%}
    string_agg({{ expression }}, {{ delimiter }} order by {{ expression }})
{%- endmacro %}

{% macro spark__sorted_list(expression, delimiter) -%}
    array_join(array_sort(collect_list({{ expression }})), {{ delimiter }})
{%- endmacro %}

{% macro event_age_join(ages, provider_code, person_ref, event_date) -%}
    {#- Joins one event to its exact age (stg_ages__event_ages, aliased ``ages``): the person's provider, keyed
        reference and the event's date. -#}
    left join {{ ref('stg_ages__event_ages') }} as {{ ages }}
        on {{ provider_code }} = {{ ages }}.provider_code
        and {{ person_ref }} = {{ ages }}.person_ref
        and {{ event_date }} = {{ ages }}.event_date
{%- endmacro %}

{% macro age_at_event(ages, birth_month, event_date) -%}
    {#- The exact age at the event (spec 7.2.1), worked out in the restricted zone; counted from the month of birth
        only for a batch ingested before dates of birth were kept (until `cdw rebuild-batches`). -#}
    coalesce({{ ages }}.age, {{ age_in_years(birth_month, event_date) }})
{%- endmacro %}

{% macro lists_code(codes, code) -%}
    {#- Whether a |-separated list of codes (a registration's categories, a referral's needs, an indicator's source
        feeds) holds the code: matched between separators, so NEG never matches NEGLECT. -#}
    '|' || {{ codes }} || '|' like '%|' || {{ code }} || '|%'
{%- endmacro %}
