-- The twin of the SQLite migration (docs/performance.md, optimisation 17): the event log's
-- `hash` is no longer UNIQUE (the chain and the primary key on `id` already keep two events
-- from having one hash, `verify` checks it, and nothing looks an event up by its hash), and
-- `cases_received` goes, `cases_received_id (received_at, id)` serving its queries.
ALTER TABLE events DROP CONSTRAINT events_hash_key;

DROP INDEX cases_received;
