-- Speed at scale (docs/performance.md): indexes for the lookups by case that the case
-- screen, the due scan, the dashboard and the full-text triggers make. Without them each
-- of these lookups scans its whole table, which at 1,000,000 cases costs tens of
-- milliseconds per case opened and minutes for the due scan.

-- A case's timeline and the full-text trigger's group_concat of its replies.
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

-- Statistics for the query planner.
ANALYZE;
