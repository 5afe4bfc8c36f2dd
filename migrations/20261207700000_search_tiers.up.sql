-- Search ranks a contact by where the words match (src/search/sql/contacts.sql): in the name,
-- else in the name, address and company together, else only with the notes too. Each of the
-- first two is a GIN index of its own, so that a page of name matches is found without reading
-- every contact that mentions the word somewhere; the third is `search_vector`.
--
-- Both are the leading parts of `search_vector`'s expression, word for word: the same lexemes
-- at the same positions, so a query that matches either also matches `search_vector`.
ALTER TABLE contacts
    ADD COLUMN name_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', first_name || ' ' || coalesce(last_name, '')), 'A')
    ) STORED,
    ADD COLUMN name_details_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', first_name || ' ' || coalesce(last_name, '')), 'A')
        || setweight(to_tsvector('simple',
            coalesce(email, '') || ' ' || translate(coalesce(email, ''), '@.+_-', '     ')
            || ' ' || coalesce(company, '')), 'B')
    ) STORED;

-- Without `fastupdate`, as `contacts_search_vector_idx`: searches never scan a pending list.
CREATE INDEX contacts_name_vector_idx ON contacts USING gin (name_vector)
    WITH (fastupdate = off);
CREATE INDEX contacts_name_details_vector_idx ON contacts USING gin (name_details_vector)
    WITH (fastupdate = off);
