{#- The content terms of a claim, for comparing what two claims say: lower-cased words of three
    letters or more, common function words dropped, cut to their first six letters (a crude stem:
    "attack", "attacked" and "attacks" agree), each once. -#}
{% macro claim_terms(text) -%}
    list_distinct(list_transform(
        list_filter(
            regexp_split_to_array(lower({{ text }}), '[^[:alnum:]]+'),
            lambda term: length(term) >= 3 and not list_contains({{ claim_stopwords() }}, term)
        ),
        lambda term: left(term, 6)
    ))
{%- endmacro %}

{% macro claim_stopwords() -%}
    [
        'about', 'after', 'again', 'all', 'also', 'and', 'any', 'are', 'been', 'before', 'being',
        'but', 'can', 'could', 'did', 'does', 'for', 'from', 'had', 'has', 'have', 'her', 'him',
        'his', 'how', 'into', 'its', 'may', 'might', 'more', 'most', 'must', 'not', 'now', 'one',
        'only', 'other', 'our', 'out', 'over', 'said', 'say', 'says', 'she', 'should', 'some',
        'such', 'than', 'that', 'the', 'their', 'them', 'then', 'there', 'these', 'they', 'this',
        'those', 'through', 'told', 'under', 'very', 'was', 'were', 'what', 'when', 'which',
        'while', 'who', 'will', 'with', 'would', 'you', 'your'
    ]
{%- endmacro %}
