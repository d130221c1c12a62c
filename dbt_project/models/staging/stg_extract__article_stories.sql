-- extract.article_stories renamed: one article version scored against one story, under the
-- stories file now in force (scores left by an older file are ignored until rescored).
with

source as (
    select * from {{ source('extract', 'article_stories') }} as scores
    where exists (
        select 1 from {{ source('extract', 'stories') }} as stories
        where
            stories.story_id = scores.story_id
            and stories.stories_fingerprint = scores.stories_fingerprint
    )
),

renamed as (
    select
        story_id,
        article_id,
        content_hash,
        score,
        is_member,
        title_terms,
        body_terms,
        matched_actors,
        excluded_by,
        is_in_window,
        explanation
    from source
)

select * from renamed
