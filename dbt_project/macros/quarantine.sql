{#- Records the quality gates quarantined (quality.quarantined, pipelines/gates.py) never reach the
    marts: the staging models leave them out with these. The table is rewritten by every gate run,
    so a record a fixed rule no longer fails comes back at the next build. -#}

{#- A predicate: `key` is not the key of a record of `relation` (e.g. 'raw.entries') in quarantine. -#}
{% macro not_quarantined(relation, key) -%}
    {{ key }} not in (
        select quarantined.record_key from {{ source('quality', 'quarantined') }} as quarantined
        where quarantined.relation = '{{ relation }}'
    )
{%- endmacro %}

{#- A query: the article versions (article_id, content_hash) every entry of which is quarantined;
    their extractions are left out with them. -#}
{% macro quarantined_versions() -%}
    select
        entries.article_id,
        entries.content_hash
    from {{ source('raw', 'entries') }} as entries
    left join {{ source('quality', 'quarantined') }} as quarantined
        on
            quarantined.relation = 'raw.entries'
            and entries.entry_version_id = quarantined.record_key
    group by entries.article_id, entries.content_hash
    having count(quarantined.record_key) = count(*)
{%- endmacro %}
