{#- Status of a deadline state on a given date. A cancelled or postponed report decides the status;
    otherwise the due range is compared with the date: before it upcoming, inside it due, after it
    passed. fct_deadlines evaluates it on as_of; deadline_history on the report's own date. -#}
{% macro deadline_status(reported_status, due_start, due_end, on_date) -%}
    case
        when {{ reported_status }} = 'cancelled' then 'cancelled'
        when {{ reported_status }} = 'postponed' then 'postponed'
        when {{ on_date }} < {{ due_start }} then 'upcoming'
        when {{ on_date }} <= {{ due_end }} then 'due'
        else 'passed'
    end
{%- endmacro %}
