{#- Order of precisions, finest first: a day beats a week beats a month beats a season beats a year. -#}
{% macro precision_rank(precision) -%}
    case {{ precision }}
        when 'day' then 1
        when 'week' then 2
        when 'month' then 3
        when 'season' then 4
        when 'year' then 5
        else 6
    end
{%- endmacro %}
