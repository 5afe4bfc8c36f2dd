-- Invoices: each belongs to one user, and only that user ever sees it.
CREATE TABLE invoices (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    number text NOT NULL CHECK (length(number) BETWEEN 1 AND 200),
    amount numeric NOT NULL,
    due_on date NOT NULL,
    paid boolean NOT NULL DEFAULT false,
    notes text,
    quantity bigint NOT NULL,
    issued_at timestamptz NOT NULL,
    customer_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every page of the list, newest first, is a range of this index.
CREATE INDEX invoices_owner_created_idx ON invoices (owner_id, created_at DESC, id DESC);

-- Tell every instance when an owner's rows change, so that the list's first page kept as
-- rendered (src/web/page_cache.rs) is dropped (see the migration owner_rows_changed).
CREATE TRIGGER invoices_inserted AFTER INSERT ON invoices
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_owner_rows_changed();
CREATE TRIGGER invoices_updated AFTER UPDATE ON invoices
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_owner_rows_changed();
CREATE TRIGGER invoices_deleted AFTER DELETE ON invoices
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_owner_rows_changed();
CREATE TRIGGER invoices_truncated AFTER TRUNCATE ON invoices
    FOR EACH STATEMENT EXECUTE FUNCTION notify_owner_rows_changed();
