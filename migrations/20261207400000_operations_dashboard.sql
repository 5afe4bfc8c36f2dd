-- The operations dashboard (/admin/dashboard).
--
-- Instances: each running instance writes its row every few seconds (its heartbeat) with what
-- the dashboard shows of it, its last hour of traffic included; a row not written for a while
-- is an instance that stopped, and drops off the page.
CREATE TABLE instances (
    id uuid PRIMARY KEY,
    hostname text NOT NULL,
    version text NOT NULL,
    commit text NOT NULL,
    started_at timestamptz NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now(),
    -- Resident memory, where the system says (Linux).
    memory_bytes bigint,
    open_streams integer NOT NULL DEFAULT 0,
    pool_used integer NOT NULL DEFAULT 0,
    pool_max integer NOT NULL DEFAULT 0,
    -- monitoring::traffic::Minute, oldest first.
    traffic jsonb NOT NULL DEFAULT '[]',
    -- monitoring::traffic::RouteHour: each route's last hour.
    routes jsonb NOT NULL DEFAULT '[]',
    -- monitoring::errors::RecentError, newest first: the latest server errors.
    errors jsonb NOT NULL DEFAULT '[]'
);

-- Who retried or discarded a failed job, and when. No foreign key to jobs: a discarded job is
-- deleted, and its record stays.
CREATE TABLE job_actions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id uuid NOT NULL,
    kind text NOT NULL,
    action text NOT NULL CHECK (action IN ('retry', 'discard')),
    admin_id uuid REFERENCES users (id) ON DELETE SET NULL,
    -- Kept when the account goes.
    admin_email text NOT NULL,
    -- The job's error when the action was taken.
    last_error text,
    at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX job_actions_at_idx ON job_actions (at DESC);
