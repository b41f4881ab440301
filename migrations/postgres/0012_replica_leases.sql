-- Credential leases (src/server/store/lease.rs). A replica answers from its credential cache
-- without reading `credential_epoch` only while it holds a lease: a row here naming the epoch it
-- has applied, valid until `expires_at` by the database's clock. A change that moves the epoch is
-- acknowledged only once every unexpired lease names that epoch or a later one.
CREATE TABLE replica_leases (
    id          TEXT PRIMARY KEY,
    epoch       BIGINT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);

-- Every move of the epoch is announced, so replicas apply it (and renew their leases) at once
-- instead of at their next periodic renewal. The notification only makes acknowledgements
-- quick: a replica that misses it still stops answering from its cache when its lease runs out.
-- A trigger, so an epoch moved by hand in SQL is announced too.
CREATE FUNCTION tokctl_credential_epoch_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tokctl_credential_epoch', NEW.epoch::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER credential_epoch_moved AFTER UPDATE ON credential_epoch
    FOR EACH ROW EXECUTE FUNCTION tokctl_credential_epoch_moved();
