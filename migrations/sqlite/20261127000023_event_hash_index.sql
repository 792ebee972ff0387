-- The import at 1,000,000 cases (docs/performance.md, optimisation 17): two indexes that
-- every new case or event paid for and that nothing needs.
--
-- 1. The event log's `hash` is no longer UNIQUE. Each event's hash is the SHA-256 of the
--    previous event's hash and its own fields, its id among them (integrity.rs), and the id
--    is the table's primary key: two events of a log cannot have the same hash unless
--    SHA-256 collides, and `verify` recomputes every hash and link. Nothing looks an event
--    up by its hash. The index made every new event land on a random leaf of an index
--    larger than the page cache (8.4 million entries at 1,000,000 cases): 60 % of the pages
--    an import wrote.
--
--    SQLite cannot drop a column constraint. Its index `sqlite_autoindex_events_1` holds
--    (hash, rowid) entries, exactly what an ordinary index on `events (hash)` holds: the
--    table's stored definition loses `UNIQUE`, the automatic index is renamed into that
--    ordinary index (both rows of `sqlite_schema` in this transaction, the schema reloaded),
--    and the index is dropped, which frees its pages. The second UPDATE runs only if the
--    first changed the definition; otherwise the DROP fails and the migration rolls back.
PRAGMA writable_schema = ON;

UPDATE sqlite_schema
SET sql = replace(sql, 'hash      TEXT NOT NULL UNIQUE', 'hash      TEXT NOT NULL')
WHERE type = 'table' AND name = 'events';

UPDATE sqlite_schema
SET name = 'events_hash_retired', sql = 'CREATE INDEX events_hash_retired ON events (hash)'
WHERE type = 'index' AND name = 'sqlite_autoindex_events_1'
  AND (SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'events')
      NOT LIKE '%UNIQUE%';

PRAGMA writable_schema = RESET;

DROP INDEX events_hash_retired;

-- 2. `cases_received (received_at)` holds the same entries as `cases_received_id
--    (received_at, id)` (SQLite keeps the rowid in every index entry): one of them is enough.
DROP INDEX cases_received;
