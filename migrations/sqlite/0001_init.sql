-- Times are microseconds since the Unix epoch (UTC); secrets are stored only as their hash.

CREATE TABLE orgs (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    policy      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES orgs(id),
    email          TEXT,
    name           TEXT NOT NULL,
    role           TEXT NOT NULL,
    service        INTEGER NOT NULL DEFAULT 0,
    password_hash  TEXT,
    created_at     INTEGER NOT NULL,
    removed_at     INTEGER
);
CREATE UNIQUE INDEX users_active_email ON users(org_id, lower(email))
    WHERE removed_at IS NULL AND email IS NOT NULL;
CREATE UNIQUE INDEX users_active_name ON users(org_id, name) WHERE removed_at IS NULL;
CREATE INDEX users_email ON users(lower(email)) WHERE removed_at IS NULL;

CREATE TABLE tokens (
    id                TEXT PRIMARY KEY,
    org_id            INTEGER NOT NULL REFERENCES orgs(id),
    user_id           INTEGER NOT NULL REFERENCES users(id),
    name              TEXT NOT NULL,
    -- the name while it is taken: NULL once revoked or released after expiry, so names are
    -- unique among a member's active tokens only (NULLs are distinct in a unique index)
    active_name       TEXT,
    kind              TEXT NOT NULL,
    scopes            TEXT NOT NULL,
    secret_hash       TEXT NOT NULL UNIQUE,
    prev_secret_hash  TEXT,
    prev_expires_at   INTEGER,
    created_at        INTEGER NOT NULL,
    issued_at         INTEGER NOT NULL,
    expires_at        INTEGER,
    last_used_at      INTEGER,
    revoked_at        INTEGER,
    revoke_reason     TEXT,
    per_minute        INTEGER NOT NULL,
    per_hour          INTEGER NOT NULL,
    allowed_cidrs     TEXT NOT NULL DEFAULT '[]',
    description       TEXT,
    created_by        INTEGER
);
CREATE UNIQUE INDEX tokens_active_name ON tokens(user_id, active_name);
CREATE INDEX tokens_prev_hash ON tokens(prev_secret_hash) WHERE prev_secret_hash IS NOT NULL;
CREATE INDEX tokens_org_page ON tokens(org_id, created_at DESC, id DESC);
CREATE INDEX tokens_user_page ON tokens(user_id, created_at DESC, id DESC);

CREATE TABLE audit_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id         INTEGER,
    at             INTEGER NOT NULL,
    action         TEXT NOT NULL,
    actor          TEXT,
    actor_user_id  INTEGER,
    credential_id  TEXT,
    target         TEXT,
    ip             TEXT,
    detail         TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_org ON audit_events(org_id, id DESC);
CREATE INDEX audit_at ON audit_events(at);

CREATE TABLE access_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id         INTEGER NOT NULL,
    at             INTEGER NOT NULL,
    credential_id  TEXT NOT NULL,
    method         TEXT NOT NULL,
    path           TEXT NOT NULL,
    status         INTEGER NOT NULL,
    ip             TEXT,
    latency_us     INTEGER NOT NULL,
    permission     TEXT
);
CREATE INDEX access_org ON access_log(org_id, id DESC);
CREATE INDEX access_credential ON access_log(credential_id, id DESC);
CREATE INDEX access_at ON access_log(at);
