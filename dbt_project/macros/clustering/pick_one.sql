{#- A query: for each `key` of the relation `candidates` (a report, or an event, with the events
    it could join), the one `choice` it joins, or no row when the evidence does not decide. The
    candidates carry shared_actor_count (the sentence actors they share); the one sharing strictly
    the most wins, and the only candidate wins whatever it shares. When `placed_wins` is true, a
    report that names its place (location_key not null) joins its first candidate anyway: every
    candidate is of that place, and `tie_order` (the order after the actors shared) says which
    comes first. -#}
{% macro pick_one(candidates, key, choice, tie_order, placed_wins=false) -%}
    select
        {{ key }},
        {{ choice }}
    from (
        select
            *,
            row_number() over (candidate_order) as candidate_rank,
            count(*) over (partition by {{ key }}) as candidate_count,
            lead(shared_actor_count) over (candidate_order) as runner_up_shared_actor_count
        from {{ candidates }}
        window candidate_order as (partition by {{ key }} order by shared_actor_count desc, {{ tie_order }})
    ) as ranked
    where
        candidate_rank = 1
        and (
            {%- if placed_wins %}
            location_key is not null or
            {%- endif %}
            candidate_count = 1
            or (shared_actor_count > 0 and shared_actor_count > runner_up_shared_actor_count)
        )
{%- endmacro %}
