-- Held-back entries (published after as_of) reach no mart.
select
    'articles' as relation,
    article_id as id
from {{ ref('articles') }}
where published_at > {{ as_of_timestamp() }}
union all
select
    'deadline_history' as relation,
    deadline_state_id as id
from {{ ref('deadline_history') }}
where valid_from > {{ as_of_timestamp() }}
union all
select
    'fct_claims' as relation,
    claim_id as id
from {{ ref('fct_claims') }}
where published_at > {{ as_of_timestamp() }}
union all
select
    'claim_clusters' as relation,
    claim_cluster_id as id
from {{ ref('claim_clusters') }}
where last_reported_at > {{ as_of_timestamp() }}
union all
select
    'actor_activity_daily' as relation,
    actor_id as id
from {{ ref('actor_activity_daily') }}
where last_seen_at > {{ as_of_timestamp() }}
