-- Per deadline: states follow each other without going back in time, exactly one is current,
-- and only the current one is open-ended.
with history as (
    select * from {{ ref('deadline_history') }}
),

problems as (
    select
        deadline_id,
        'valid_to before valid_from' as problem
    from history
    where valid_to < valid_from
    union all
    select
        deadline_id,
        'open-ended state that is not current' as problem
    from history
    where (valid_to is null) <> is_current
    union all
    select
        deadline_id,
        'not exactly one current state' as problem
    from history
    group by deadline_id
    having count(*) filter (where is_current) <> 1
)

select * from problems
