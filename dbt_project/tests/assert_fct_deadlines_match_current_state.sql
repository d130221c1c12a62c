-- fct_deadlines shows the dates of the current state of deadline_history, counts its states, and
-- counts as revisions the states that moved the dates.
select deadlines.deadline_id
from {{ ref('fct_deadlines') }} as deadlines
inner join {{ ref('deadline_history') }} as history
    on deadlines.deadline_id = history.deadline_id
group by deadlines.deadline_id, deadlines.due_start, deadlines.due_end, deadlines.revision_count, deadlines.state_count
having
    deadlines.state_count <> count(*)
    or deadlines.revision_count <> count(*) filter (where history.state_change = 'moved')
    or deadlines.due_start <> any_value(history.due_start) filter (where history.is_current)
    or deadlines.due_end <> any_value(history.due_end) filter (where history.is_current)
