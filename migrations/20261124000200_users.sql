-- Accounts and the single-use tokens that confirm an address or reset a password.
CREATE TYPE user_role AS ENUM ('user', 'admin');

CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
    -- Argon2id, PHC string format (parameters stored with the hash).
    password_hash text NOT NULL,
    role user_role NOT NULL DEFAULT 'user',
    email_confirmed_at timestamptz,
    -- Failed sign-ins since the last success; at the limit the account is locked for a while.
    failed_logins integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    -- Sessions remember the epoch they were created in; bumping it ends them all.
    session_epoch integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TYPE auth_token_purpose AS ENUM ('confirm_email', 'reset_password', 'change_email');

CREATE TABLE auth_tokens (
    -- The public half of the token, used to find it.
    id text PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose auth_token_purpose NOT NULL,
    -- SHA-256 of the secret half; the secret itself is only ever in the emailed link.
    verifier_hash bytea NOT NULL,
    -- For change_email: the address being confirmed.
    new_email text,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX auth_tokens_user_id_idx ON auth_tokens (user_id);
