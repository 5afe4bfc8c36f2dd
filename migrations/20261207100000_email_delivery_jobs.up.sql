-- Email delivery becomes a kind of background job (`email-delivery`): the jobs table's claim,
-- lease and retry deliver mail, and `email_outbox` stays as the record of every message (what
-- the dev mailbox shows, with its status, attempts and last error). The outbox's own claim
-- columns go.
--
-- Every message still waiting gets its job, keyed by the message's id like the ones the app
-- queues. It keeps its attempts so far and its due time; one being sent when this runs (by an
-- instance of the previous version) is due when that instance's claim lapses. The app's
-- EMAIL_MAX_ATTEMPTS cannot be read here: these get the default of 12, or one more attempt if
-- they have used those up already.
--
-- Instances of the previous version stop delivering once this has run, and a message one of
-- them queues afterwards gets no job: replace them all at once.
INSERT INTO jobs (kind, payload, unique_key, attempts, max_attempts, run_at)
SELECT 'email-delivery',
       jsonb_build_object('email_id', id),
       id::text,
       attempts,
       GREATEST(12, attempts + 1),
       GREATEST(next_attempt_at, coalesce(locked_until, next_attempt_at))
FROM email_outbox
WHERE status IN ('pending', 'sending');

UPDATE email_outbox SET status = 'pending' WHERE status = 'sending';

DROP INDEX email_outbox_due_idx;
ALTER TABLE email_outbox DROP COLUMN next_attempt_at, DROP COLUMN locked_until;
