-- Speed at scale (docs/performance.md): indexes for the lookups by case that the case
-- screen, the due scan, the dashboard and the full-text triggers make.
-- (PostgreSQL twin of the SQLite migration of the same name.)

-- A case's timeline and the full-text trigger's aggregate of its replies.
CREATE INDEX IF NOT EXISTS replies_case ON replies (case_id, id);
CREATE INDEX IF NOT EXISTS instructions_case ON instructions (case_id, id);
CREATE INDEX IF NOT EXISTS urgings_case ON urgings (case_id, id);
CREATE INDEX IF NOT EXISTS progress_reports_case ON progress_reports (case_id, id);
CREATE INDEX IF NOT EXISTS feedbacks_case_reply ON feedbacks (case_id, reply_id);
CREATE INDEX IF NOT EXISTS extensions_case ON extensions (case_id, id);

-- The "new instructions" queue and the watch: instructions of the last days.
CREATE INDEX IF NOT EXISTS instructions_created ON instructions (created_at);

-- Dashboard queues on a few open or flagged cases among many archived ones.
CREATE INDEX IF NOT EXISTS cases_status_ack ON cases (status, ack_due);

-- Statistics for the query planner (autovacuum keeps them current afterwards). The tables
-- are named: a bare ANALYZE also visits the shared catalogs, which only a superuser may
-- analyze, and warns about each.
ANALYZE replies, instructions, urgings, progress_reports, feedbacks, extensions, cases;
