-- CI trust policies (issue 27): which OpenID Connect identities may obtain a token of which
-- service account, the `jti`s already exchanged, and what a token made that way records.

CREATE TABLE trust_policies (
    id             INTEGER PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES orgs(id),
    name           TEXT NOT NULL,
    issuer         TEXT NOT NULL,
    audience       TEXT NOT NULL,
    subject        TEXT NOT NULL,
    -- JSON object: claim name -> pattern
    claims         TEXT NOT NULL DEFAULT '{}',
    owner_id       INTEGER NOT NULL REFERENCES users(id),
    -- JSON list
    scopes         TEXT NOT NULL,
    lifetime_secs  INTEGER NOT NULL,
    per_minute     INTEGER NOT NULL,
    per_hour       INTEGER NOT NULL,
    allowed_cidrs  TEXT NOT NULL DEFAULT '[]',
    -- a JWK Set given with --jwks-file (no discovery), else NULL
    jwks           TEXT,
    created_at     INTEGER NOT NULL,
    created_by     INTEGER
);
CREATE UNIQUE INDEX trust_policies_name ON trust_policies(org_id, name);
CREATE INDEX trust_policies_issuer ON trust_policies(org_id, issuer);

-- One row per exchanged ID token while it lives: the primary key refuses a replay, on every
-- replica sharing the database.
CREATE TABLE exchanged_jtis (
    issuer      TEXT NOT NULL,
    jti         TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (issuer, jti)
);
CREATE INDEX exchanged_jtis_expiry ON exchanged_jtis(expires_at);

-- JSON `Via` of a token made through a trust policy; NULL for every other token.
ALTER TABLE tokens ADD COLUMN via TEXT;
