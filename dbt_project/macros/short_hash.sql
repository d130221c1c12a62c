{#- A stable text key: the first 16 hex digits of the md5 of the given parts joined by '|'.
    Null parts become the empty string so that a key never turns null. -#}
{% macro short_hash(parts) -%}
    left(md5(concat_ws('|'
    {%- for part in parts -%}
        , coalesce(cast({{ part }} as varchar), '')
    {%- endfor -%}
    )), 16)
{%- endmacro %}
