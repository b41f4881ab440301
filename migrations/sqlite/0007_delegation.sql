-- Delegation (docs/delegation.md): a token minted with a token of the same owner is its child.
-- `depth` is 0 for a root, the parent's + 1 for a child. Access-log rows and audit events keep
-- the root of the acting credential's chain (NULL: the credential is a root itself).
ALTER TABLE tokens ADD COLUMN parent_id TEXT;
ALTER TABLE tokens ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tokens_parent ON tokens(parent_id) WHERE parent_id IS NOT NULL;
ALTER TABLE access_log ADD COLUMN root_id TEXT;
ALTER TABLE audit_events ADD COLUMN root_id TEXT;
