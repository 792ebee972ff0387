-- The trend points of months that are over (docs/performance.md, service/report_cache.rs):
-- a month's received, replied, on-time, close and satisfaction figures depend only on the
-- events before its end, so they are kept with the last event they were checked against
-- and reused by every later report whose 12-month trend includes the month, while no
-- event appended since is dated before the month's end or of a kind that could change it.
CREATE TABLE report_months (
    month         TEXT NOT NULL PRIMARY KEY,
    last_event_id BIGINT NOT NULL,
    point         TEXT NOT NULL
);

-- What the report's replay reads of each event of a case (service/reports.rs): its id,
-- moment, kind and the `status` and `reply_due` its `after` JSON sets, in one index that
-- covers the query, so that the events are read without parsing their JSON or touching
-- their rows (the expressions are those the query uses).
CREATE INDEX events_state ON events (case_id, id, at, kind, json_extract(after, '$.status'),
    json_extract(after, '$.reply_due'));
