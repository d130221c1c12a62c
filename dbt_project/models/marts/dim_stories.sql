{{ config(materialized='table') }}
-- One story of the stories file, with how many articles it holds now.
with

stories as (
    select * from {{ ref('stg_extract__stories') }}
),

members as (
    select
        story_id,
        count(*) as article_count
    from {{ ref('article_stories') }}
    where is_member
    group by story_id
),

rules as (
    select
        story_id,
        list(rule_id order by rule_id) as alert_rules
    from {{ ref('stg_extract__story_rules') }}
    group by story_id
),

final as (
    select
        stories.story_id,
        stories.name,
        stories.description,
        stories.keywords,
        stories.actors,
        stories.places,
        stories.exclude,
        stories.window_start,
        stories.window_end,
        stories.min_score,
        rules.alert_rules,
        stories.stories_fingerprint,
        coalesce(members.article_count, 0) as article_count
    from stories
    left join members on stories.story_id = members.story_id
    left join rules on stories.story_id = rules.story_id
)

select * from final
