-- Every article has exactly one latest version, and the articles mart points at it.
select
    article_id,
    count(*) filter (where is_latest) as latest_versions
from {{ ref('int_article_versions') }}
group by article_id
having count(*) filter (where is_latest) <> 1
