{{ config(scope_key='event_family', scope_before='unnest(event_families_before)') }}
-- depends_on: {{ ref('int_article_changes') }}
-- depends_on: {{ ref('int_deadline_mentions_clustered') }}
-- One reported state of one deadline, valid from the report that established it (report time).
-- Incremental: the event families of the changed articles are recomputed whole, so every state of
-- every deadline a late or edited report touches is derived again from all its reports.
with

states as (
    select * from {{ ref('int_deadline_states') }}
    {%- if is_incremental() %}
    where event_family in ({{ changed_partitions(ref('int_deadline_mentions_clustered')) }})
    {%- endif %}
),

final as (
    select
        deadline_state_id,
        deadline_id,
        state_number,
        due_start,
        due_end,
        precision,
        status,
        state_change,
        valid_from,
        valid_to,
        is_current,
        article_id,
        report_count,
        event_family
    from states
)

select * from final
