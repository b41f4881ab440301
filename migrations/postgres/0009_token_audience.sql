-- RFC 8707 audience: the resource identifiers a token may be presented to, as a JSON list.
-- Empty (every token before this) means no restriction; `tokctl` names tokctl's own API.
ALTER TABLE tokens ADD COLUMN audience TEXT NOT NULL DEFAULT '[]';
