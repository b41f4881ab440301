-- Per-token rate-limit state shared by every replica: GCRA theoretical arrival times, scaled
-- by the limit (nanoseconds × limit, exact integers too large for BIGINT, kept as decimal text).
CREATE TABLE rate_limits (
    token_id      TEXT PRIMARY KEY,
    minute_tat    TEXT NOT NULL,
    minute_limit  BIGINT NOT NULL,
    hour_tat      TEXT NOT NULL,
    hour_limit    BIGINT NOT NULL,
    -- microseconds since the epoch of the last change, for sweeping idle rows
    updated_at    BIGINT NOT NULL
);
CREATE INDEX rate_limits_updated ON rate_limits(updated_at);
