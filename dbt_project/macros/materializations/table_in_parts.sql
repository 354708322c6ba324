{#- A table built one value of a column at a time, a query for each, on DuckDB.

    Why: DuckDB runs every branch of a union at once and holds each branch's hash table until the query ends, so
    one query over all of a mart's indicators holds all of their units together; at scale 30 that filled the disk
    (README, "Figures"). One query per indicator frees each one's memory before the next begins.

    The model stays one ordinary query (which Spark, or a unit test, runs as it is). Its result is taken in parts,
    `select * from (<model>) where <parts_column> = <part>`, for each value of `parts`. Each part costs one part's
    work only because DuckDB pushes that equality down to the model's inputs and drops every union branch whose
    constant differs: the column must be a grouping or join key all the way down, and no common table expression
    read twice (DuckDB materializes those whole) may stand between. No other condition prunes so: a last part for
    any value not listed (`not in`) ran the whole query at once again, and ran out of memory at scale 30.
    So `parts` must list every value the column can take, and the model must say why it does (for the marts, the
    catalogue gives both the parts and every row: test assert_partwise_marts_cover_their_catalogue).
    Configs: parts_column (a column of the model), parts (its values).

    A mart of the catalogue (parts_column indicator) already built is built again only in the cells this run
    changes (macros/mart_increments.sql): those rows are deleted, with those of periods no longer reported, and each
    indicator with a changed cell is inserted again, its query (the model's SQL) reading only those cells. -#}

{% macro partwise_table() -%}
    {#- The materialization of a table built in parts: table_in_parts where the engine gains from it. -#}
    {{ return(adapter.dispatch('partwise_table', 'children_data_warehouse')()) }}
{%- endmacro %}

{% macro default__partwise_table() -%}
    {#- Spark shuffles and spills as it goes: one query is cheaper there than thirty. -#}
    {{ return('table') }}
{%- endmacro %}

{% macro duckdb__partwise_table() -%}
    {{ return('table_in_parts') }}
{%- endmacro %}

{% macro sql_string(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{% materialization table_in_parts, adapter='duckdb' %}
    {%- set column = config.require('parts_column') -%}
    {%- set parts = config.require('parts') -%}
    {%- if parts | length == 0 -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": table_in_parts needs at least one value in parts") }}
    {%- endif -%}
    {%- set whole = 'select * from (\n' ~ compiled_code ~ '\n) as whole where ' -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set cells = mart_cells_rebuilt() -%}
    {%- if cells is not none -%}
        {{ return(table_in_parts_by_cells(target_relation, whole, parts, cells)) }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for part in parts %}{% do literals.append(sql_string(part)) %}{% endfor -%}

    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set intermediate_relation = make_intermediate_relation(target_relation) -%}
    {%- set backup_relation = make_backup_relation(
        target_relation, 'table' if existing_relation is none else existing_relation.type
    ) -%}
    {{ drop_relation_if_exists(load_cached_relation(intermediate_relation)) }}
    {{ drop_relation_if_exists(load_cached_relation(backup_relation)) }}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {% call statement('main') -%}
        {{ create_table_as(False, intermediate_relation, whole ~ column ~ ' = ' ~ literals[0]) }}
    {%- endcall %}
    {%- for literal in literals[1:] %}
        {% call statement('part_' ~ loop.index) -%}
            insert into {{ intermediate_relation }} {{ whole ~ column ~ ' = ' ~ literal }}
        {%- endcall %}
    {%- endfor %}

    {% if existing_relation is not none %}
        {{ adapter.rename_relation(existing_relation, backup_relation) }}
    {% endif %}
    {{ adapter.rename_relation(intermediate_relation, target_relation) }}
    {{ return(table_in_parts_finish(target_relation, backup_relation)) }}
{% endmaterialization %}

{% macro table_in_parts_finish(target_relation, dropped_after_commit) -%}
    {#- The end of table_in_parts, built whole or by cells: the post-hooks, the docs, the commit, and then the
        relation that only served the build (the backup of the table replaced, or the cells rebuilt) dropped. -#}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}
    {{ adapter.commit() }}
    {{ drop_relation_if_exists(dropped_after_commit) }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{%- endmacro %}

{% macro table_in_parts_by_cells(target_relation, whole, parts, cells) -%}
    {#- table_in_parts where the mart is built already: the cells this run changes (macro mart_cells_query) are worked
        out once into ``cells``, which the model's query reads; their rows, and those of periods no longer reported,
        are deleted; each indicator with a changed cell is inserted again. -#}
    {%- if config.require('parts_column') != 'indicator' -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": only a mart of indicators is built by cells") }}
    {%- endif -%}
    {{ adapter.drop_relation(cells) }}
    {% call statement('cells') -%}
        {{ create_table_as(False, cells, mart_cells_query()) }}
    {%- endcall %}
    {%- set changed = run_query('select distinct indicator from ' ~ cells).columns[0].values() | map('string') | list -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {% call statement('main') -%}
        delete from {{ target_relation }}
        where {{ in_mart_cells(cells) }} or {{ period_no_longer_reported() }}
    {%- endcall %}
    {%- for part in parts if part in changed %}
        {% call statement('part_' ~ loop.index) -%}
            insert into {{ target_relation }} {{ whole ~ 'indicator = ' ~ sql_string(part) }}
        {%- endcall %}
    {%- endfor %}
    {{ return(table_in_parts_finish(target_relation, cells)) }}
{%- endmacro %}
