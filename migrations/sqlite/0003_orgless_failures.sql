-- Failed authentications that named no credential or account (an unknown bearer, a login for
-- an unknown email) used to be written with no org, where no `tokctl audit` could show them.
-- A database serves one org: they are that org's events, as new ones are.
UPDATE audit_events SET org_id = (SELECT MIN(id) FROM orgs) WHERE org_id IS NULL;
