-- extract.stories renamed: one story of the stories file (pipelines/stories.py writes them).
with

source as (
    select * from {{ source('extract', 'stories') }}
),

renamed as (
    select
        story_id,
        name,
        description,
        keywords,
        actors,
        places,
        exclude,
        window_start,
        window_end,
        min_score,
        stories_fingerprint
    from source
)

select * from renamed
