-- Site-wide search (src/search): full-text search over each user's records, with a
-- vocabulary of their words for correcting typos.
--
-- Contacts get a weighted tsvector: the name (A) outranks the address and company (B), which
-- outrank the notes (C). Names, addresses and companies use the `simple` configuration, which
-- lower-cases but never stems: "Lovelace" stays 'lovelace', so typing "lovel" finds it as a
-- prefix (the `english` stemmer would store 'lovelac', and "Williams" as 'william'). Queries
-- use `simple` too, so that a phrase or an exclusion means the same thing in every field. The
-- notes are indexed twice, as written (`simple`, C) and stemmed (`english`, D): a query word
-- matches the text as written, and a base form also matches its inflections ("hike" finds
-- "hiking"), ranked a little lower.
--
-- An address is indexed whole and in its parts ("ada.lovelace@acme.test" also as 'ada',
-- 'lovelace', 'acme', 'test'), so any part of it can be searched for.
ALTER TABLE contacts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', first_name || ' ' || coalesce(last_name, '')), 'A')
    || setweight(to_tsvector('simple',
        coalesce(email, '') || ' ' || translate(coalesce(email, ''), '@.+_-', '     ')
        || ' ' || coalesce(company, '')), 'B')
    || setweight(to_tsvector('simple', coalesce(notes, '')), 'C')
    || setweight(to_tsvector('english', coalesce(notes, '')), 'D')
) STORED;

-- Without `fastupdate`, every insert goes straight into the index instead of a pending list
-- that each search would scan until VACUUM merges it: measured on 100,000 fresh contacts, a
-- search for one word spent 4 ms in the pending list and 0.4 ms in the index. Address books
-- are read far more often than written; the cost is a slower bulk insert (the seed).
CREATE INDEX contacts_search_vector_idx ON contacts USING gin (search_vector)
    WITH (fastupdate = off);

-- The vocabulary: every word of the names, addresses and companies of a user's contacts, with
-- how many contacts use it. A query word that matches nothing is replaced by the most similar
-- word here (trigram similarity, so "jonh smtih" becomes "john smith"), then searched for as
-- usual. Matching typos against these few thousand distinct words, rather than against
-- every contact's name, is what keeps a typo as fast as any other query. Per user, so that one
-- user's words never shape another's results.
CREATE TABLE search_words (
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    word text NOT NULL,
    contacts integer NOT NULL,
    PRIMARY KEY (owner_id, word)
);

CREATE INDEX search_words_trgm_idx ON search_words USING gin (word gin_trgm_ops)
    WITH (fastupdate = off);

-- The words of a contact that go into the vocabulary: the name, address and company lexemes
-- (weights A and B) made of letters only. Numbers and whole addresses are left out: they are
-- unique per contact, and nobody misspells them into something similar.
CREATE FUNCTION search_words_of(vector tsvector) RETURNS SETOF text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT lexeme FROM unnest(vector) WHERE weights && '{A,B}' AND lexeme ~ '^[[:alpha:]]{2,}$'
$$;

-- A word's letters in order: "jonh" and "john" have the same. Trigram similarity scores a
-- transposition poorly ("jonh" is as close to "joan" as to "john"), so among similar words
-- the one with the very letters typed is taken first.
CREATE FUNCTION search_sorted_letters(word text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT string_agg(letter, '' ORDER BY letter COLLATE "C") FROM regexp_split_to_table(word, '') AS letter
$$;

-- Keeps the vocabulary's counts in step with the contacts, once per statement (the seed adds
-- thousands of contacts per statement). Words are changed in (owner, word) order, so two
-- statements of one user that share words lock them in the same order and never deadlock.
-- Each branch names only the transition tables its event has.
CREATE FUNCTION search_words_track() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO search_words (owner_id, word, contacts)
        SELECT owner_id, word, count(*)
        FROM new_rows, search_words_of(search_vector) AS word
        GROUP BY owner_id, word
        ORDER BY owner_id, word
        ON CONFLICT (owner_id, word)
            DO UPDATE SET contacts = search_words.contacts + excluded.contacts;
        RETURN NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO search_words (owner_id, word, contacts)
        SELECT owner_id, word, sum(change)
        FROM (
            SELECT owner_id, word, -1 AS change
            FROM old_rows, search_words_of(search_vector) AS word
            UNION ALL
            SELECT owner_id, word, 1
            FROM new_rows, search_words_of(search_vector) AS word
        ) AS changes
        GROUP BY owner_id, word
        HAVING sum(change) <> 0
        ORDER BY owner_id, word
        ON CONFLICT (owner_id, word)
            DO UPDATE SET contacts = search_words.contacts + excluded.contacts;
    ELSE
        UPDATE search_words AS words SET contacts = words.contacts - gone.contacts
        FROM (
            SELECT owner_id, word, count(*) AS contacts
            FROM old_rows, search_words_of(search_vector) AS word
            GROUP BY owner_id, word
            ORDER BY owner_id, word
        ) AS gone
        WHERE words.owner_id = gone.owner_id AND words.word = gone.word;
    END IF;
    DELETE FROM search_words
    WHERE contacts <= 0 AND owner_id IN (SELECT owner_id FROM old_rows);
    RETURN NULL;
END
$$;

CREATE TRIGGER search_words_insert AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_words_track();
CREATE TRIGGER search_words_update AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_words_track();
CREATE TRIGGER search_words_delete AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_words_track();

-- The contacts that exist already.
INSERT INTO search_words (owner_id, word, contacts)
SELECT owner_id, word, count(*)
FROM contacts, search_words_of(search_vector) AS word
GROUP BY owner_id, word;
