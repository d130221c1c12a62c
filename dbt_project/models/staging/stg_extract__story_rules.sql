-- extract.story_rules renamed: one alert rule of one story, its actors resolved to actor ids.
with

source as (
    select * from {{ source('extract', 'story_rules') }}
),

renamed as (
    select
        story_id,
        rule_id,
        rule,
        state_changes,
        within_days,
        polls,
        actor_ids,
        cues
    from source
)

select * from renamed
