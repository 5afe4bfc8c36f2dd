-- Two-factor authentication: a TOTP secret per user (encrypted by the app: see
-- src/auth/two_factor.rs), and single-use recovery codes (hashed).
CREATE TABLE user_two_factor (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- A version byte, the nonce and the ciphertext of the secret (ChaCha20-Poly1305, the user's
    -- id as associated data): unreadable without the key derived from SECRET_KEY.
    secret bytea NOT NULL,
    -- NULL while being set up (the secret is shown, no code confirmed yet).
    enabled_at timestamptz,
    -- The time step of the last code accepted: no code of that step or before is accepted again.
    last_used_step bigint,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_recovery_codes (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 of the code with its format and owner (see src/auth/two_factor.rs).
    code_hash bytea NOT NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, code_hash)
);
