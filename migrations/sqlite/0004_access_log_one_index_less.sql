-- A database serves one org (`server init` refuses a second), so every access-log row has the
-- same org_id and the rowid already orders them: `access_org` answered nothing the table's own
-- order does not, yet every row written (two per verify) paid for an entry in it.
DROP INDEX IF EXISTS access_org;
