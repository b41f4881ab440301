-- Tokens are found by owner and name (`tokctl show/revoke/rotate NAME`), including revoked and
-- expired ones, which the unique index on active names does not cover: without this, such a
-- lookup scans every token of the owner.
CREATE INDEX tokens_user_name ON tokens(user_id, name);
