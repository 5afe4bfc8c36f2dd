-- The home page lists a user's most recently added or edited contacts: a range of this index,
-- however many contacts they have, instead of sorting them all.
CREATE INDEX contacts_owner_updated_idx ON contacts (owner_id, updated_at DESC, id DESC);
