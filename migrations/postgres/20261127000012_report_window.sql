-- The monthly report replays only the cases its period (and the 12-month trend before it)
-- can touch: cases with an event in the window, open cases, and cases whose reply
-- deadline falls in or after the window (docs/reports.md, "How the figures are computed").
-- These indexes let it find them, and the period's urgings, extensions and follow-ups,
-- without scanning the whole event log.
-- (PostgreSQL twin of the SQLite migration of the same name.)
CREATE INDEX IF NOT EXISTS events_at_case ON events (at, case_id);
CREATE INDEX IF NOT EXISTS urgings_created ON urgings (created_at);
CREATE INDEX IF NOT EXISTS extensions_created ON extensions (created_at);
CREATE INDEX IF NOT EXISTS followups_created ON followups (created_at);
ANALYZE events, urgings, extensions, followups;
