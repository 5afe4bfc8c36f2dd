-- Contacts: each belongs to one user, and only that user ever sees it.
--
-- Trigram indexes (pg_trgm, a trusted extension: a database owner may create it) let the
-- list's search box match any part of a name, address or company without a full scan.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE contacts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    first_name text NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
    last_name text CHECK (length(last_name) BETWEEN 1 AND 100),
    email text CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    phone text CHECK (length(phone) BETWEEN 1 AND 40),
    company text CHECK (length(company) BETWEEN 1 AND 100),
    notes text CHECK (length(notes) BETWEEN 1 AND 5000),
    -- The list's order, case-insensitive; with `id` it is the page cursor.
    sort_name text GENERATED ALWAYS AS
        (lower(first_name || ' ' || coalesce(last_name, ''))) STORED,
    -- What the search box matches.
    search_text text GENERATED ALWAYS AS
        (lower(first_name || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, '')
            || ' ' || coalesce(company, ''))) STORED,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every page of the list, the first or the 4,000th, is a range of this index; the count is
-- an index-only scan of it.
CREATE INDEX contacts_owner_sort_idx ON contacts (owner_id, sort_name, id);
-- One contact per address in each user's book (several without an address are fine).
CREATE UNIQUE INDEX contacts_owner_email_key ON contacts (owner_id, email);
CREATE INDEX contacts_search_idx ON contacts USING gin (search_text gin_trgm_ops);
