-- One row per sign-in, so that a user's sessions can be listed and ended one by one (the
-- sessions table itself holds opaque data, found only by id). The row outlives its session
-- (`session_id` becomes NULL when the session row goes: a logout, an expiry, an id change) as
-- the memory of which devices the user signed in from, for the new-device notice.
CREATE TABLE user_sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The session's id is its bearer secret: never shown, never leaves the server.
    session_id text UNIQUE REFERENCES tower_sessions.session (id) ON DELETE SET NULL,
    -- The user's session epoch the session carries: one behind the user's is over.
    epoch integer NOT NULL,
    -- As the browser sent it, cut to 512 characters; `device` is what the pages show of it.
    user_agent text NOT NULL CHECK (length(user_agent) <= 512),
    device text NOT NULL CHECK (length(device) <= 100),
    -- The client's network, never its full address: IPv4 by its /24, IPv6 by its /48.
    network text CHECK (length(network) <= 64),
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Written at most once every few minutes per session, not on every request.
    last_seen_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX user_sessions_user_idx ON user_sessions (user_id, last_seen_at DESC);
