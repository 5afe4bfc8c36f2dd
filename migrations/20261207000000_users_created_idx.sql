-- The administrators' list of users, newest first, a keyset page at a time (web::keyset).
CREATE INDEX users_created_idx ON users (created_at DESC, id DESC);
