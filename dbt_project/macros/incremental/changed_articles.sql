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
