-- Reports of periods that are over, as computed (docs/performance.md): a report of a past
-- period depends only on the events before its end, the working-day calendar and the
-- assessment rule, so it is kept with the calendar version and the rule it was computed
-- with, and the last event it saw. It is used again only while those are unchanged and
-- every later event is one that cannot change an earlier period (service/report_cache.rs).
CREATE TABLE report_cache (
    period_from      TEXT NOT NULL,
    period_to        TEXT NOT NULL,
    calendar_version BIGINT NOT NULL,
    rule             TEXT NOT NULL,
    last_event_id    BIGINT NOT NULL,
    report           TEXT NOT NULL,
    PRIMARY KEY (period_from, period_to)
);
