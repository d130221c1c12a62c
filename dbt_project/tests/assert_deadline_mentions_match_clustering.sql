-- deadline_mentions (incremental by article) gives every labelled expression the deadline that
-- clustering (incremental by event family) gives it, and holds every expression clustering holds.
select
    clustering.timex_id,
    clustering.deadline_id as clustering_deadline_id,
    mentions.deadline_id as mart_deadline_id
from {{ ref('int_deadline_mentions_clustered') }} as clustering
left join {{ ref('deadline_mentions') }} as mentions on clustering.timex_id = mentions.timex_id
where mentions.timex_id is null or clustering.deadline_id is distinct from mentions.deadline_id
