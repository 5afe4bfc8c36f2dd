-- Passkeys (WebAuthn credentials) and the ceremonies under way to register or use one.

CREATE TABLE passkeys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Account deletion takes the passkeys with it.
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The authenticator's id for the credential; one credential belongs to one account.
    credential_id bytea NOT NULL CHECK (length(credential_id) BETWEEN 16 AND 1023),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- webauthn_rp's encodings: the public key and the extensions fixed at registration,
    -- and what each sign-in may change (the signature counter, the backup state).
    static_state bytea NOT NULL,
    dynamic_state bytea NOT NULL CHECK (length(dynamic_state) = 7),
    -- Where the authenticator can be reached (USB, NFC, this device...), as webauthn_rp encodes it.
    transports smallint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz
);

CREATE UNIQUE INDEX passkeys_credential_id_key ON passkeys (credential_id);
CREATE INDEX passkeys_user_id_created_idx ON passkeys (user_id, created_at, id);

-- A challenge sent to a browser, until it comes back signed (once: taking it deletes it) or
-- expires. Kept in PostgreSQL so that any instance can finish what another started.
CREATE TABLE passkey_challenges (
    -- The challenge (128 random bits), which the signed answer carries back.
    challenge bytea PRIMARY KEY CHECK (length(challenge) = 16),
    -- 'register' (user_id: who adds a passkey) or 'sign-in' (anyone); later flows add theirs.
    purpose text NOT NULL,
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    -- webauthn_rp's encoding of what the answer is checked against.
    state bytea NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE INDEX passkey_challenges_expires_idx ON passkey_challenges (expires_at);
