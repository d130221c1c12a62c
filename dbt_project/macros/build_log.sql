{#- intermediate.dbt_build_log: one row per `dbt build` or `dbt run`, opened when it starts and
    marked complete when every node succeeded. pipelines/transform.py reads the last row before a
    build and asks for --full-refresh when that build did not complete (the incremental tables may
    then disagree with each other) or was made by another version of this project (the digest
    pipelines/transform.py writes into transform.build_settings, macros/as_of.sql). Stamped with
    as_of, never the wall clock. -#}
{% macro build_log_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema='intermediate', identifier='dbt_build_log')) }}
{%- endmacro %}

{% macro open_build_log() %}
    {%- if execute and flags.WHICH in ('build', 'run') -%}
        {%- set log = build_log_relation() -%}
        {%- set digest = build_setting('project_digest') -%}
        create schema if not exists {{ log.without_identifier() }};
        create table if not exists {{ log }} (
            invocation_id varchar primary key,
            build_number integer not null,
            as_of timestamp not null,
            project_digest varchar,
            is_full_refresh boolean not null,
            is_complete boolean not null
        );
        insert into {{ log }}
        select
            '{{ invocation_id }}',
            coalesce(max(build_number), 0) + 1,
            {{ as_of_timestamp() }},
            {{ "'" ~ digest ~ "'" if digest else 'null' }},
            {{ 'true' if flags.FULL_REFRESH else 'false' }},
            false
        from {{ log }};
    {%- endif -%}
{% endmacro %}

{% macro close_build_log(results) %}
    {%- if execute and flags.WHICH in ('build', 'run') -%}
        {%- set ok = ['success', 'pass', 'warn'] -%}
        {%- set failed = results | rejectattr('status', 'in', ok) | list -%}
        update {{ build_log_relation() }}
        set is_complete = {{ 'true' if failed | length == 0 else 'false' }}
        where invocation_id = '{{ invocation_id }}';
    {%- endif -%}
{% endmacro %}
