-- Uploaded files: the record of each object in storage (S3 or the local folder).
CREATE TABLE files (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The name as the user gave it, cleaned for display (see files::names); never a path.
    original_name text NOT NULL CHECK (length(original_name) BETWEEN 1 AND 200),
    -- Detected from the file's bytes, not taken from the browser.
    content_type text NOT NULL,
    size_bytes bigint NOT NULL CHECK (size_bytes > 0),
    sha256 bytea NOT NULL CHECK (length(sha256) = 32),
    -- Random keys, never derived from the name.
    storage_key text NOT NULL UNIQUE,
    thumbnail_key text UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Set while the file is being deleted: it is hidden at once, and if removing it from
    -- storage or the table is cut short, `starter files cleanup` finishes the job.
    deleting_since timestamptz
);

-- The owner's list, newest first, and its keyset pages.
CREATE INDEX files_owner_created_idx ON files (owner_id, created_at DESC, id DESC)
    WHERE deleting_since IS NULL;
CREATE INDEX files_deleting_idx ON files (deleting_since) WHERE deleting_since IS NOT NULL;
