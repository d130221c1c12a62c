{#- A recursive CTE `name (node, label)`: the connected components of the graph whose nodes are
    the distinct `node` values of the relation `nodes` and whose links are the rows of `edges`
    (from_column -> to_column, listed both ways), each node labelled with the least node of its
    component. Min-label propagation: each round, a node whose label dropped hands it to its
    neighbours, which keep it when it is lower than theirs; one row per node is kept (DuckDB's
    `using key`), so a round costs the edges around the nodes that changed, never a closure.
    The caller's `with` must be `with recursive`. -#}
{% macro connected_components(name, nodes, node, label, edges, from_column, to_column) -%}
    {{ name }} ({{ node }}, {{ label }}) using key ({{ node }}) as (
        select distinct
            {{ node }},
            {{ node }} as {{ label }}
        from {{ nodes }}
        union
        select
            {{ edges }}.{{ to_column }} as {{ node }},
            min({{ name }}.{{ label }}) as {{ label }}
        from {{ name }}
        inner join {{ edges }} on {{ name }}.{{ node }} = {{ edges }}.{{ from_column }}
        inner join recurring.{{ name }} as known on {{ edges }}.{{ to_column }} = known.{{ node }}
        group by {{ edges }}.{{ to_column }}, known.{{ label }}
        having min({{ name }}.{{ label }}) < known.{{ label }}
    )
{%- endmacro %}
