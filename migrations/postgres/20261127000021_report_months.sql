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

-- The twin of SQLite's covering index of the report's replay (the same expressions as the
-- query, service/reports.rs and dialect::json_text).
CREATE INDEX events_state ON events (case_id, id, at, kind, (CAST(after AS json) ->> 'status'),
    (CAST(after AS json) ->> 'reply_due'));
