-- Speed at scale, second part (docs/performance.md, "Optimisations" 2–6): derived data kept
-- current by triggers, so that the services' hot reads touch a few rows instead of scanning
-- hundreds of thousands of cases. Every table here is derived; none is edited by hand.

-- The working-day calendar's version: raised by every change to its days or years. The
-- services keep the parsed calendar in memory and reload it only when this number differs
-- from the one they loaded (so an import or a day edited by another process is seen).
CREATE TABLE calendar_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO calendar_version (id, version) VALUES (1, 1);

CREATE TRIGGER calendar_days_version_insert AFTER INSERT ON calendar_days
BEGIN
    UPDATE calendar_version SET version = version + 1;
END;
CREATE TRIGGER calendar_days_version_update AFTER UPDATE ON calendar_days
BEGIN
    UPDATE calendar_version SET version = version + 1;
END;
CREATE TRIGGER calendar_days_version_delete AFTER DELETE ON calendar_days
BEGIN
    UPDATE calendar_version SET version = version + 1;
END;
CREATE TRIGGER calendar_years_version_insert AFTER INSERT ON calendar_years
BEGIN
    UPDATE calendar_version SET version = version + 1;
END;
CREATE TRIGGER calendar_years_version_update AFTER UPDATE ON calendar_years
BEGIN
    UPDATE calendar_version SET version = version + 1;
END;
CREATE TRIGGER calendar_years_version_delete AFTER DELETE ON calendar_years
BEGIN
    UPDATE calendar_version SET version = version + 1;
END;

-- Cases per status, for the dashboard (a GROUP BY over every case costs ~100 ms at 1,000,000).
CREATE TABLE case_status_counts (
    status TEXT PRIMARY KEY,
    n      INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO case_status_counts (status, n) SELECT status, COUNT(*) FROM cases GROUP BY status;

CREATE TRIGGER cases_count_insert AFTER INSERT ON cases
BEGIN
    INSERT INTO case_status_counts (status, n) VALUES (new.status, 1)
    ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER cases_count_update AFTER UPDATE OF status ON cases
WHEN old.status IS NOT new.status
BEGIN
    UPDATE case_status_counts SET n = n - 1 WHERE status = old.status;
    INSERT INTO case_status_counts (status, n) VALUES (new.status, 1)
    ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER cases_count_delete AFTER DELETE ON cases
BEGIN
    UPDATE case_status_counts SET n = n - 1 WHERE status = old.status;
END;

-- Cases with a reply (other than the acknowledgment) not yet reported in writing: the
-- dashboard's 待书面反馈 queue, recomputed for a case whenever its replies or feedbacks change.
CREATE TABLE cases_awaiting_feedback (
    case_id INTEGER PRIMARY KEY
);
INSERT INTO cases_awaiting_feedback (case_id)
SELECT DISTINCT r.case_id FROM replies r
WHERE r.kind <> 'acknowledgment'
  AND NOT EXISTS (SELECT 1 FROM feedbacks f WHERE f.case_id = r.case_id AND f.reply_id >= r.id);

CREATE TRIGGER replies_awaiting_insert AFTER INSERT ON replies
BEGIN
    DELETE FROM cases_awaiting_feedback WHERE case_id = new.case_id;
    INSERT INTO cases_awaiting_feedback (case_id)
    SELECT new.case_id WHERE EXISTS (
        SELECT 1 FROM replies r WHERE r.case_id = new.case_id AND r.kind <> 'acknowledgment'
        AND NOT EXISTS (SELECT 1 FROM feedbacks f WHERE f.case_id = r.case_id AND f.reply_id >= r.id));
END;
CREATE TRIGGER replies_awaiting_update AFTER UPDATE OF case_id, kind ON replies
BEGIN
    DELETE FROM cases_awaiting_feedback WHERE case_id IN (old.case_id, new.case_id);
    INSERT INTO cases_awaiting_feedback (case_id)
    SELECT c.id FROM cases c WHERE c.id IN (old.case_id, new.case_id) AND EXISTS (
        SELECT 1 FROM replies r WHERE r.case_id = c.id AND r.kind <> 'acknowledgment'
        AND NOT EXISTS (SELECT 1 FROM feedbacks f WHERE f.case_id = r.case_id AND f.reply_id >= r.id));
END;
CREATE TRIGGER replies_awaiting_delete AFTER DELETE ON replies
BEGIN
    DELETE FROM cases_awaiting_feedback WHERE case_id = old.case_id;
    INSERT INTO cases_awaiting_feedback (case_id)
    SELECT old.case_id WHERE EXISTS (
        SELECT 1 FROM replies r WHERE r.case_id = old.case_id AND r.kind <> 'acknowledgment'
        AND NOT EXISTS (SELECT 1 FROM feedbacks f WHERE f.case_id = r.case_id AND f.reply_id >= r.id));
END;
CREATE TRIGGER feedbacks_awaiting_insert AFTER INSERT ON feedbacks
BEGIN
    DELETE FROM cases_awaiting_feedback WHERE case_id = new.case_id;
    INSERT INTO cases_awaiting_feedback (case_id)
    SELECT new.case_id WHERE EXISTS (
        SELECT 1 FROM replies r WHERE r.case_id = new.case_id AND r.kind <> 'acknowledgment'
        AND NOT EXISTS (SELECT 1 FROM feedbacks f WHERE f.case_id = r.case_id AND f.reply_id >= r.id));
END;
CREATE TRIGGER feedbacks_awaiting_update AFTER UPDATE OF case_id, reply_id ON feedbacks
BEGIN
    DELETE FROM cases_awaiting_feedback WHERE case_id IN (old.case_id, new.case_id);
    INSERT INTO cases_awaiting_feedback (case_id)
    SELECT c.id FROM cases c WHERE c.id IN (old.case_id, new.case_id) AND EXISTS (
        SELECT 1 FROM replies r WHERE r.case_id = c.id AND r.kind <> 'acknowledgment'
        AND NOT EXISTS (SELECT 1 FROM feedbacks f WHERE f.case_id = r.case_id AND f.reply_id >= r.id));
END;
CREATE TRIGGER feedbacks_awaiting_delete AFTER DELETE ON feedbacks
BEGIN
    DELETE FROM cases_awaiting_feedback WHERE case_id = old.case_id;
    INSERT INTO cases_awaiting_feedback (case_id)
    SELECT old.case_id WHERE EXISTS (
        SELECT 1 FROM replies r WHERE r.case_id = old.case_id AND r.kind <> 'acknowledgment'
        AND NOT EXISTS (SELECT 1 FROM feedbacks f WHERE f.case_id = r.case_id AND f.reply_id >= r.id));
END;

-- The 重要敏感未报送 queue: the few flagged cases not archived, without walking the others.
CREATE INDEX cases_flagged_open ON cases (id)
WHERE (important = 1 OR sensitive = 1) AND status <> 'archived';

-- The open cases (a few thousand among a million), in id order: the due scan of the watch
-- reads exactly these. ANALYZE records the partial index's size, so the planner prefers it
-- to scanning the table (which it did with the status index: four of seven statuses).
CREATE INDEX cases_open ON cases (id)
WHERE status IN ('pending', 'acknowledged', 'assigned', 'in_progress');

-- The duplicate check of an import (same import key, or same platform and link, or same
-- platform, time, title and text) is an OR over three columns: without an index on the
-- link, SQLite scanned every case for every imported row (minutes for 20,000 rows at
-- 100,000 cases); with it, each branch is an index search (MULTI-INDEX OR).
CREATE INDEX cases_source_link ON cases (source, link);

-- One- and two-character queries through the trigram index: every column of case_fts now
-- ends with two line feeds, so each occurrence of a 1- or 2-character string begins at
-- least one indexed trigram, and the services look those trigrams up in case_fts_terms
-- (fts5vocab) and match any of them. The index is rebuilt once here.
DROP TRIGGER IF EXISTS cases_fts_insert;
DROP TRIGGER IF EXISTS cases_fts_update;
DROP TRIGGER IF EXISTS replies_fts_insert;
DROP TRIGGER IF EXISTS replies_fts_update;
DROP TABLE IF EXISTS case_fts;
CREATE VIRTUAL TABLE case_fts USING fts5(title, content, replies, tokenize = 'trigram');

INSERT INTO case_fts (rowid, title, content, replies)
SELECT c.id, c.title || char(10, 10), c.content || char(10, 10),
       COALESCE((SELECT group_concat(r.text, char(10)) FROM replies r WHERE r.case_id = c.id)
                || char(10, 10), '')
FROM cases c;
INSERT INTO case_fts (case_fts) VALUES ('optimize');

CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases
BEGIN
    INSERT INTO case_fts (rowid, title, content, replies)
    VALUES (new.id, new.title || char(10, 10), new.content || char(10, 10), '');
END;

CREATE TRIGGER cases_fts_update AFTER UPDATE OF title, content ON cases
BEGIN
    UPDATE case_fts SET title = new.title || char(10, 10), content = new.content || char(10, 10)
    WHERE rowid = new.id;
END;

CREATE TRIGGER replies_fts_insert AFTER INSERT ON replies
BEGIN
    UPDATE case_fts
    SET replies = (SELECT group_concat(r.text, char(10)) FROM replies r WHERE r.case_id = new.case_id)
                  || char(10, 10)
    WHERE rowid = new.case_id;
END;

CREATE TRIGGER replies_fts_update AFTER UPDATE OF text ON replies
BEGIN
    UPDATE case_fts
    SET replies = (SELECT group_concat(r.text, char(10)) FROM replies r WHERE r.case_id = new.case_id)
                  || char(10, 10)
    WHERE rowid = new.case_id;
END;

-- The index's distinct trigrams, to expand a short query into the trigrams that begin with it.
CREATE VIRTUAL TABLE case_fts_terms USING fts5vocab(case_fts, row);

ANALYZE;
