{#- The bodies that hold meetings (var event_bodies in dbt_project.yml), as a DuckDB list literal. -#}
{% macro event_bodies() -%}
    ['{{ var("event_bodies") | join("', '") }}']
{%- endmacro %}

{#- Whether two reports may be one meeting by the bodies their sentences name (lists of actor
    ids): yes when either names none, else only when they name one in common. -#}
{% macro bodies_agree(one, other) -%}
    (len({{ one }}) = 0 or len({{ other }}) = 0 or len(list_intersect({{ one }}, {{ other }})) > 0)
{%- endmacro %}
