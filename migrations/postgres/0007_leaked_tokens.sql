-- A token revoked because its secret leaked (`POST /v1/leaks`, `/v1/leaks/github`) keeps where
-- it was found and who reported it, so `whoami` can warn its owner naming the place. Never the
-- secret: only the URL and the source the reporter gave.
ALTER TABLE tokens ADD COLUMN leak_url TEXT;
ALTER TABLE tokens ADD COLUMN leak_source TEXT;
-- `whoami` asks for a member's recent leaks on every call: an index over those rows only.
CREATE INDEX tokens_leaked ON tokens(user_id, revoked_at) WHERE revoke_reason = 'leaked';
