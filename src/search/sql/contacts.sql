-- One page of a user's contacts that match a search, best first, with how many match and
-- each contact's name, details and notes highlighted (see src/search/db.rs).
--
-- $1 owner, $2 text for websearch_to_tsquery, $3 prefix expression for to_tsquery ('' for
-- none), $4 the most matches ranked, $5 page size, $6 offset.
WITH typed AS (
    SELECT CASE
        WHEN $3 = '' THEN websearch_to_tsquery('simple', $2)
        WHEN $2 = '' THEN to_tsquery('simple', $3)
        ELSE websearch_to_tsquery('simple', $2) && to_tsquery('simple', $3)
    END AS terms
),
-- Ranked by what a match contains: `querytree` drops the excluded words (no match has them,
-- so they add nothing to a rank), which makes ts_rank_cd three times faster on "smith
-- -acme". A query of exclusions only has nothing to rank by: NULL, and every rank is 0.
query AS (
    SELECT terms, nullif(querytree(terms), 'T')::tsquery AS wanted FROM typed
),
matches AS (
    SELECT contacts.id, contacts.sort_name, contacts.search_vector
    FROM contacts, query
    WHERE contacts.owner_id = $1 AND contacts.search_vector @@ query.terms
    LIMIT $4
),
page AS (
    SELECT matches.id, matches.sort_name,
           coalesce(ts_rank_cd(matches.search_vector, query.wanted), 0) AS rank,
           count(*) OVER () AS total
    FROM matches, query
    ORDER BY rank DESC, matches.sort_name, matches.id
    LIMIT $5 OFFSET $6
)
SELECT
    contacts.id,
    page.total AS "total!",
    ts_headline('simple',
        translate(contacts.first_name || coalesce(' ' || contacts.last_name, ''), E'\uE000\uE001', ''),
        query.terms, E'StartSel=\uE000, StopSel=\uE001, HighlightAll=true') AS "name!",
    ts_headline('simple',
        translate(concat_ws(' · ', contacts.email, contacts.company), E'\uE000\uE001', ''),
        query.terms, E'StartSel=\uE000, StopSel=\uE001, HighlightAll=true') AS "details!",
    ts_headline('simple', translate(contacts.notes, E'\uE000\uE001', ''), query.terms,
        E'StartSel=\uE000, StopSel=\uE001, MaxFragments=2, MaxWords=14, MinWords=6, FragmentDelimiter=" … "')
        AS notes
FROM page
JOIN contacts ON contacts.id = page.id AND contacts.owner_id = $1
CROSS JOIN query
ORDER BY page.rank DESC, page.sort_name, page.id
