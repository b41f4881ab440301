-- `access_credential` ordered a token's rows by id DESC, so every new row (the highest id) went
-- to the front of its token's range, in the middle of the index: page splits there leave pages
-- half empty, and each verify's two rows paid for them. In ascending order a new row goes to the
-- end of its token's range; SQLite reads the index backwards for "newest first" just as well
-- (`access_pages_are_read_newest_first_with_no_sort`). Rebuilding takes about 2 s per million
-- rows, once, when a server first starts on this version.
DROP INDEX IF EXISTS access_credential;
CREATE INDEX access_credential ON access_log(credential_id, id);
