{#- The run's clock. pipelines/transform.py writes it, with the project digest, into the one-row
    table transform.build_settings before each dbt call (naive UTC) and empties it after; a var
    `as_of` ('YYYY-MM-DD HH:MM:SS', as a unit test gives it) wins over the table; with neither,
    now in UTC. Statuses are computed against it and entries published after it are held back, so
    a replay at as_of sees only what had been published by then.
    Not a var passed on the command line: a var that changes forces dbt to parse the whole project
    again, and as_of changes every run. The table is read when a node is compiled (execute), never
    while parsing, so the parsed project does not depend on it and partial parsing holds. -#}
{% macro as_of_timestamp() -%}
    {%- set value = var('as_of', none) -%}
    {%- if value is none or (value | string | trim) == '' -%}
        {%- set value = build_setting('as_of') -%}
    {%- endif -%}
    {%- if value is none or (value | string | trim) == '' -%}
        cast(timezone('UTC', now()) as timestamp)
    {%- else -%}
        cast('{{ value | string | trim }}' as timestamp)
    {%- endif -%}
{%- endmacro %}

{% macro as_of_date() -%}
    cast({{ as_of_timestamp() }} as date)
{%- endmacro %}

{#- One column of transform.build_settings as text, or none: while parsing, when the table is
    absent or empty (a bare dbt call). -#}
{% macro build_setting(column) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set found = run_query(
        "select count(*) from information_schema.tables where table_catalog = current_database()"
        ~ " and table_schema = 'transform' and table_name = 'build_settings'"
    ) -%}
    {%- if found.rows[0][0] == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set rows = run_query("select cast(" ~ column ~ " as varchar) from transform.build_settings") -%}
    {{ return(rows.rows[0][0] if rows.rows | length == 1 else none) }}
{%- endmacro %}

{#- Snapshots stamp dbt_valid_from/dbt_valid_to with the run's clock rather than the wall clock,
    so that re-running a replay gives the same audit rows (STYLE.md habit 4). -#}
{% macro duckdb__snapshot_get_time() -%}
    {{ as_of_timestamp() }}
{%- endmacro %}
