-- Held-back entries (published after as_of) reach no mart.
select 'articles' as relation, article_id as id from {{ ref('articles') }}
where published_at > {{ as_of_timestamp() }}
union all
select 'deadline_history', deadline_state_id from {{ ref('deadline_history') }}
where valid_from > {{ as_of_timestamp() }}
union all
select 'fct_claims', claim_id from {{ ref('fct_claims') }}
where published_at > {{ as_of_timestamp() }}
