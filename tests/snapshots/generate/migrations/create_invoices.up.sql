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
