{{ config(materialized='table') }}
-- A deadline belongs to a story when an article of that story mentions it: deadlines inherit
-- their articles' stories (and claims theirs, in marts.alerts).
with

mentions as (
    select * from {{ ref('deadline_mentions') }}
    where deadline_id is not null  -- past dated events are no deadline
),

members as (
    select * from {{ ref('article_stories') }}
    where is_member
),

final as (
    select
        members.story_id,
        mentions.deadline_id,
        count(distinct mentions.article_id) as article_count
    from mentions
    inner join members on mentions.article_id = members.article_id
    group by members.story_id, mentions.deadline_id
)

select * from final
