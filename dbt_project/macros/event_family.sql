{#- The event family of an event label: synonyms (var event_families in dbt_project.yml) share
    one, so that "talks in Paris" and "meeting in Paris" can be one deadline; any other label is
    a family of its own. -#}
{% macro event_family(label) -%}
    case
    {%- for family, labels in var('event_families').items() %}
        when {{ label }} in ('{{ labels | join("', '") }}') then '{{ family }}'
    {%- endfor %}
        else {{ label }}
    end
{%- endmacro %}
