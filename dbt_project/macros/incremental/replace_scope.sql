{#- Incremental strategy "replace_scope": the batch a model selects is a set of complete
    partitions (every row of each scope key it holds). The run replaces those partitions, and
    empties the partitions the previous build filled for the articles that changed since, so a
    partition whose last row went away (an old article version, a held-back entry) leaves too.

    Config: scope_key, the partition column (article_id, event_family, activity_date...);
    scope_before, an expression over int_article_changes giving the keys each changed article
    filled in the last complete build (defaults to scope_key; use unnest() on a list column).

    delete+insert would keep the rows of a key that is absent from the batch, and merge works
    row by row; neither replaces a partition that became empty. -#}
{% macro get_incremental_replace_scope_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set scope_key = config.require('scope_key') -%}
    {%- set scope_before = config.get('scope_before') or scope_key -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ scope_key }} in (
        select {{ scope_key }} from {{ batch }}
        union
        select {{ scope_before }} from {{ ref('int_article_changes') }}
    );

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ batch }}
{% endmacro %}
