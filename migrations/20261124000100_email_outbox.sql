-- Outgoing email. A message is written here, in the same transaction as the change that
-- causes it; the delivery worker sends it with retries. The dev mailbox reads this table.
CREATE TYPE email_status AS ENUM ('pending', 'sending', 'sent', 'failed');

CREATE TABLE email_outbox (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Which template produced it (e.g. `confirm-email`), for the mailbox and the logs.
    template text NOT NULL,
    from_address text NOT NULL,
    to_addresses text[] NOT NULL CHECK (cardinality(to_addresses) > 0),
    subject text NOT NULL,
    text_body text NOT NULL,
    html_body text NOT NULL,
    -- The complete MIME message, exactly as it is sent.
    raw_message bytea NOT NULL,
    status email_status NOT NULL DEFAULT 'pending',
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- While `sending`: when the claim lapses and another worker may retry it.
    locked_until timestamptz,
    last_error text,
    -- `smtp` or `dev-mailbox`
    delivered_via text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);

CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at)
    WHERE status IN ('pending', 'sending');
CREATE INDEX email_outbox_created_at_idx ON email_outbox (created_at DESC);
