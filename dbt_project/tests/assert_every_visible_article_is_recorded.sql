-- After a build, int_article_digests records exactly the articles of the marts: the next
-- incremental run compares against it, so an article missing here would be recomputed forever and
-- an extra one never removed.
select
    coalesce(articles.article_id, digests.article_id) as article_id,
    case when digests.article_id is null then 'not recorded' else 'recorded but not in articles' end as problem
from {{ ref('articles') }} as articles
full outer join {{ ref('int_article_digests') }} as digests on articles.article_id = digests.article_id
where articles.article_id is null or digests.article_id is null
