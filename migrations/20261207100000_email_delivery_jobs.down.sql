-- Back to the outbox's own claim and retry: its claim columns return, and every message whose
-- delivery job is still under way waits in the outbox again, due when the job was (a running
-- one when its lease lapses), with the attempts it has made. Then the delivery jobs go.
ALTER TABLE email_outbox
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN locked_until timestamptz;
CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at)
    WHERE status IN ('pending', 'sending');

UPDATE email_outbox AS outbox
SET status = 'pending',
    attempts = job.attempts,
    next_attempt_at = GREATEST(job.run_at, coalesce(job.locked_until, job.run_at))
FROM jobs AS job
WHERE job.kind = 'email-delivery'
  AND job.status IN ('queued', 'running')
  AND job.unique_key = outbox.id::text
  AND outbox.status <> 'sent';

DELETE FROM jobs WHERE kind = 'email-delivery';
