-- One reported state of one deadline, valid from the report that established it (report time).
with

states as (
    select * from {{ ref('int_deadline_states') }}
),

final as (
    select
        deadline_state_id,
        deadline_id,
        state_number,
        due_start,
        due_end,
        precision,
        status,
        valid_from,
        valid_to,
        is_current,
        article_id,
        report_count
    from states
)

select * from final
