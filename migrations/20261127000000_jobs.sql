-- Background jobs: work that outlives the request that asked for it (a contacts export). A
-- worker in every instance claims due jobs with `FOR UPDATE SKIP LOCKED` and a lease that it
-- renews while the job runs; a job whose instance died is claimed again once the lease lapses.
-- (The email outbox predates this table and stays as it is: it is also the record of sent mail.)
CREATE TYPE job_status AS ENUM ('queued', 'running', 'done', 'failed');

CREATE TABLE jobs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- What to run (`contacts-export`): the worker dispatches on it.
    kind text NOT NULL,
    -- The user the job works for, if any; their jobs go with their account.
    owner_id uuid REFERENCES users (id) ON DELETE CASCADE,
    payload jsonb NOT NULL DEFAULT '{}',
    -- At most one queued or running job per kind and key (one export per user at a time).
    unique_key text,
    status job_status NOT NULL DEFAULT 'queued',
    -- Claims so far, including the current one; outcomes are recorded only by the claim that
    -- still holds this count.
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    -- When it is due (later after a failed attempt).
    run_at timestamptz NOT NULL DEFAULT now(),
    -- While `running`: when the claim lapses unless its worker renews it.
    locked_until timestamptz,
    progress_done bigint NOT NULL DEFAULT 0,
    -- NULL until the job knows how much there is to do.
    progress_total bigint,
    result jsonb,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    CHECK ((status IN ('done', 'failed')) = (finished_at IS NOT NULL))
);

CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_owner_idx ON jobs (owner_id, kind, created_at DESC);
CREATE INDEX jobs_finished_idx ON jobs (kind, finished_at) WHERE finished_at IS NOT NULL;
CREATE UNIQUE INDEX jobs_active_unique_key ON jobs (kind, unique_key)
    WHERE status IN ('queued', 'running');
