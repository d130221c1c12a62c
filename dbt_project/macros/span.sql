{#- A date span as text: one day as 'YYYY-MM-DD', a longer one as 'start..end' (alerts' messages). -#}
{% macro date_span(start, end) -%}
    case
        when {{ start }} is null then '?'
        when {{ end }} is null or {{ start }} = {{ end }} then cast({{ start }} as varchar)
        else cast({{ start }} as varchar) || '..' || cast({{ end }} as varchar)
    end
{%- endmacro %}
