-- One page of a user's contacts that match a search, best first, with how many match and
-- each contact's name, details and notes highlighted, and whether the notes were cut (see
-- src/search/db.rs).
--
-- $1 owner, $2 text for websearch_to_tsquery, $3 prefix expression for to_tsquery ('' for
-- none), $4 the most matches counted and put in order per tier, plus one, $5 page size,
-- $6 offset.
--
-- Best first means by tier, then by name: the contacts whose name alone matches, then those
-- whose name, address and company together match, then those that need the notes too. Each
-- tier is read from its own GIN index (`name_vector`, `name_details_vector`, `search_vector`),
-- at most $4 of its matches, and a lower tier is read only when the ones above it do not
-- fill the page: a word in 2,000 names costs one read of 1,000 of them and no scoring at all.
WITH typed AS (
    SELECT CASE
        WHEN $3 = '' THEN websearch_to_tsquery('simple', $2)
        WHEN $2 = '' THEN to_tsquery('simple', $3)
        ELSE websearch_to_tsquery('simple', $2) && to_tsquery('simple', $3)
    END AS terms
),
-- `wanted` is what a match contains: `querytree` drops the excluded words, which no match
-- has, so it is what a tier's part of the record must match. When nothing is excluded,
-- `wanted` is the whole query, and a tier's match is a match of the record (the tier's
-- columns are the leading part of `search_vector`); otherwise the record is checked as well,
-- so "smith -acme" leaves out a Smith at Acme. A query such as "a or -b" wants nothing in
-- particular: `wanted` is NULL and every match falls in the last tier.
--
-- Materialized, which also hides the words from the planner, on purpose. Shown them, it
-- guesses from word frequencies and assumes matches spread evenly in name order: for "yusuf"
-- (2% of contacts, all near the end of the alphabet) it walked 96,000 contacts in name order
-- to find 20. Unseen, the words get a default guess, and the GIN indexes are read.
query AS MATERIALIZED (
    SELECT terms, nullif(querytree(terms), 'T')::tsquery AS wanted,
           querytree(terms) = terms::text AS nothing_excluded
    FROM typed
),
-- Each tier: the first $4 matches its index gives (`found` says how many that was), and of
-- those the first $5 + $6 in name order, enough for the page. A lower tier runs only when the ones above left the page short
-- (a one-time filter: its scan is then never started).
by_name AS MATERIALIZED (
    SELECT tier.id, tier.sort_name, 1 AS rank, count(*) OVER () AS found FROM (
        SELECT contacts.id, contacts.sort_name FROM contacts, query
        WHERE contacts.owner_id = $1 AND contacts.name_vector @@ query.wanted
          AND (query.nothing_excluded OR contacts.search_vector @@ query.terms)
        LIMIT $4
    ) AS tier
    ORDER BY tier.sort_name, tier.id
    LIMIT $5::bigint + $6::bigint
),
by_details AS MATERIALIZED (
    SELECT tier.id, tier.sort_name, 2 AS rank, count(*) OVER () AS found FROM (
        SELECT contacts.id, contacts.sort_name FROM contacts, query
        WHERE (SELECT count(*) FROM by_name) < $5::bigint + $6::bigint
          AND contacts.owner_id = $1 AND contacts.name_details_vector @@ query.wanted
          AND NOT contacts.name_vector @@ query.wanted
          AND (query.nothing_excluded OR contacts.search_vector @@ query.terms)
        LIMIT $4
    ) AS tier
    ORDER BY tier.sort_name, tier.id
    LIMIT $5::bigint + $6::bigint
),
by_notes AS MATERIALIZED (
    SELECT tier.id, tier.sort_name, 3 AS rank, count(*) OVER () AS found FROM (
        SELECT contacts.id, contacts.sort_name FROM contacts, query
        WHERE (SELECT count(*) FROM by_name) + (SELECT count(*) FROM by_details)
              < $5::bigint + $6::bigint
          AND contacts.owner_id = $1 AND contacts.search_vector @@ query.terms
          AND NOT coalesce(contacts.name_details_vector @@ query.wanted, false)
        LIMIT $4
    ) AS tier
    ORDER BY tier.sort_name, tier.id
    LIMIT $5::bigint + $6::bigint
),
ranked AS (
    SELECT * FROM by_name UNION ALL SELECT * FROM by_details UNION ALL SELECT * FROM by_notes
),
-- Pages end after the first $4 - 1 results, where the count does.
page AS (
    SELECT id, sort_name, rank FROM ranked
    ORDER BY rank, sort_name, id
    LIMIT least($5::bigint, greatest($4::bigint - 1 - $6::bigint, 0)) OFFSET $6
),
-- How many match, up to $4 (more than $4 - 1 is all the page says). A tier that found $4 has
-- counted far enough; otherwise the matches are counted, reading at most $4 of them.
counted AS (
    SELECT CASE
        WHEN greatest((SELECT max(found) FROM by_name), (SELECT max(found) FROM by_details),
                      (SELECT max(found) FROM by_notes)) >= $4::bigint THEN $4::bigint
        ELSE (
            SELECT count(*) FROM (
                SELECT FROM contacts, query
                WHERE contacts.owner_id = $1 AND contacts.search_vector @@ query.terms
                LIMIT $4
            ) AS matches
        )
    END AS total
)
SELECT
    contacts.id,
    counted.total AS "total!",
    ts_headline('simple',
        translate(contacts.first_name || coalesce(' ' || contacts.last_name, ''), E'\uE000\uE001', ''),
        query.terms, E'StartSel=\uE000, StopSel=\uE001, HighlightAll=true') AS "name!",
    ts_headline('simple',
        translate(concat_ws(' · ', contacts.email, contacts.company), E'\uE000\uE001', ''),
        query.terms, E'StartSel=\uE000, StopSel=\uE001, HighlightAll=true') AS "details!",
    excerpt.notes,
    -- Whether the excerpt leaves out the start or the end of the notes, for its ellipses: it
    -- does unless its first fragment begins the text and its last one ends it (read
    -- backwards). Fragments are whole words, without the punctuation around them, so the
    -- text and the fragments are compared without any at their ends. Only here are both at
    -- hand.
    coalesce(NOT starts_with(notes.bare, excerpt.first), false) AS "notes_cut_before!",
    coalesce(NOT starts_with(reverse(notes.bare), reverse(excerpt.last)), false)
        AS "notes_cut_after!"
FROM page
JOIN contacts ON contacts.id = page.id AND contacts.owner_id = $1
CROSS JOIN query
CROSS JOIN counted
CROSS JOIN LATERAL (
    SELECT cleaned.text, regexp_replace(cleaned.text, '^\W+|\W+$', '', 'g') AS bare
    FROM (SELECT translate(contacts.notes, E'\uE000\uE001', '') AS text) AS cleaned
) AS notes
CROSS JOIN LATERAL (
    SELECT shown.notes,
           regexp_replace(split_part(shown.plain, ' … ', 1), '^\W+|\W+$', '', 'g') AS first,
           regexp_replace(split_part(shown.plain, ' … ', -1), '^\W+|\W+$', '', 'g') AS last
    FROM (
        SELECT headline.notes, translate(headline.notes, E'\uE000\uE001', '') AS plain
        FROM (
            -- Short notes whole (a fragment would start at the first match, leaving out the
            -- words before it), long ones as up to two fragments around the matches.
            SELECT CASE WHEN length(notes.text) <= 160 THEN
                ts_headline('simple', notes.text, query.terms,
                    E'StartSel=\uE000, StopSel=\uE001, HighlightAll=true')
            ELSE
                ts_headline('simple', notes.text, query.terms,
                    E'StartSel=\uE000, StopSel=\uE001, MaxFragments=2, MaxWords=14, MinWords=6, FragmentDelimiter=" … "')
            END AS notes
        ) AS headline
    ) AS shown
) AS excerpt
ORDER BY page.rank, page.sort_name, page.id
