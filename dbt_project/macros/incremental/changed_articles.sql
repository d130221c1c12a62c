{#- The articles to recompute in an incremental run: those whose visible entries or extractions
    changed since the last complete build (int_article_changes). On a full build, every article:
    the macro renders `true`, so a filter written with it keeps every row. -#}
{% macro changed_articles(column='article_id') -%}
    {%- if is_incremental() -%}
        {{ column }} in (select changes.article_id from {{ ref('int_article_changes') }} as changes)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The partitions an incremental run recomputes, as a query: the keys that the changed articles
    hold in `relation` now (column, default the model's scope_key), and the keys the last build
    derived from them (before, an expression over int_article_changes, default the model's
    scope_before). replace_scope deletes the same "before" keys, so a model that selects the rows
    of these partitions hands it complete partitions. -#}
{% macro changed_partitions(relation, column=none, before=none) -%}
    {%- set column = column or config.require('scope_key') -%}
    {%- set before = before or config.get('scope_before') or column -%}
    select {{ column }} from {{ relation }}
    where {{ changed_articles() }}
    union
    select {{ before }} from {{ ref('int_article_changes') }}
{%- endmacro %}
