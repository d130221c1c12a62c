{#- The run's clock. pipelines/transform.py passes --vars '{"as_of": "YYYY-MM-DD HH:MM:SS"}' (naive
    UTC); without it, now in UTC. Statuses are computed against it and entries published after it
    are held back, so a replay at as_of sees only what had been published by then. -#}
{% macro as_of_timestamp() -%}
    {%- set value = var('as_of', none) -%}
    {%- if value is none or (value | string | trim) == '' -%}
        cast(timezone('UTC', now()) as timestamp)
    {%- else -%}
        cast('{{ value | string | trim }}' as timestamp)
    {%- endif -%}
{%- endmacro %}

{% macro as_of_date() -%}
    cast({{ as_of_timestamp() }} as date)
{%- endmacro %}

{#- Snapshots stamp dbt_valid_from/dbt_valid_to with the run's clock rather than the wall clock,
    so that re-running a replay gives the same audit rows (STYLE.md habit 4). -#}
{% macro duckdb__snapshot_get_time() -%}
    {{ as_of_timestamp() }}
{%- endmacro %}
