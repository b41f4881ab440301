-- One number that moves with every committed change of who authenticates as what (revoke,
-- rotate, role change, member removal, policy). Replicas cache credentials under the epoch they
-- read and read it again for every request, so a change made through any replica is seen by
-- every replica on its very next request. A change made by hand in SQL must bump it too:
--   UPDATE credential_epoch SET epoch = epoch + 1 WHERE id = 1;
CREATE TABLE credential_epoch (
    id     SMALLINT PRIMARY KEY CHECK (id = 1),
    epoch  BIGINT NOT NULL
);
INSERT INTO credential_epoch (id, epoch) VALUES (1, 0);
