-- Actor x day (UTC date of the article's publication): mentions, and claims the actor made.
with

mentions as (
    select * from {{ ref('fct_mentions') }}
),

claims as (
    select * from {{ ref('fct_claims') }}
),

activity as (
    select actor_id, cast(published_at as date) as day, 1 as is_mention, 0 as is_claim from mentions
    union all
    select speaker_actor_id, cast(published_at as date), 0, 1 from claims where speaker_actor_id is not null
),

final as (
    select
        actor_id,
        day,
        cast(sum(is_mention) as bigint) as mentions,
        cast(sum(is_claim) as bigint) as claims
    from activity
    group by actor_id, day
)

select * from final
