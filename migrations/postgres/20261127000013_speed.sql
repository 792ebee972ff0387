-- Speed at scale, second part (docs/performance.md, "Optimisations" 2–6): derived data kept
-- current by triggers, so that the services' hot reads touch a few rows instead of scanning
-- hundreds of thousands of cases. Every table here is derived; none is edited by hand (nor
-- copied by a migration from SQLite: the triggers fill them as the cases are copied).
-- (PostgreSQL twin of the SQLite migration of the same name. SQLite's triggers are FOR
-- EACH ROW; so are these.)

-- The working-day calendar's version: raised by every change to its days or years. The
-- services keep the parsed calendar in memory and reload it only when this number differs
-- from the one they loaded (so an import or a day edited by another process is seen).
CREATE TABLE calendar_version (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO calendar_version (id, version) VALUES (1, 1);

CREATE FUNCTION calendar_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE calendar_version SET version = version + 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER calendar_days_version_insert AFTER INSERT ON calendar_days
FOR EACH ROW EXECUTE FUNCTION calendar_version_bump();
CREATE TRIGGER calendar_days_version_update AFTER UPDATE ON calendar_days
FOR EACH ROW EXECUTE FUNCTION calendar_version_bump();
CREATE TRIGGER calendar_days_version_delete AFTER DELETE ON calendar_days
FOR EACH ROW EXECUTE FUNCTION calendar_version_bump();
CREATE TRIGGER calendar_years_version_insert AFTER INSERT ON calendar_years
FOR EACH ROW EXECUTE FUNCTION calendar_version_bump();
CREATE TRIGGER calendar_years_version_update AFTER UPDATE ON calendar_years
FOR EACH ROW EXECUTE FUNCTION calendar_version_bump();
CREATE TRIGGER calendar_years_version_delete AFTER DELETE ON calendar_years
FOR EACH ROW EXECUTE FUNCTION calendar_version_bump();

-- Cases per status, for the dashboard (a GROUP BY over every case costs ~100 ms at 1,000,000).
-- (SQLite: WITHOUT ROWID; a plain table here.)
CREATE TABLE case_status_counts (
    status TEXT PRIMARY KEY,
    n      BIGINT NOT NULL
);
INSERT INTO case_status_counts (status, n) SELECT status, COUNT(*) FROM cases GROUP BY status;

CREATE FUNCTION case_status_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE case_status_counts SET n = n - 1 WHERE status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO case_status_counts (status, n) VALUES (NEW.status, 1)
        ON CONFLICT (status) DO UPDATE SET n = case_status_counts.n + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER cases_count_insert AFTER INSERT ON cases
FOR EACH ROW EXECUTE FUNCTION case_status_count();
CREATE TRIGGER cases_count_update AFTER UPDATE OF status ON cases
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION case_status_count();
CREATE TRIGGER cases_count_delete AFTER DELETE ON cases
FOR EACH ROW EXECUTE FUNCTION case_status_count();

-- Cases with a reply (other than the acknowledgment) not yet reported in writing: the
-- dashboard's 待书面反馈 queue, recomputed for a case whenever its replies or feedbacks change.
-- (case_id is a case's id, not an identity of its own.)
CREATE TABLE cases_awaiting_feedback (
    case_id BIGINT PRIMARY KEY
);
INSERT INTO cases_awaiting_feedback (case_id)
SELECT DISTINCT r.case_id FROM replies r
WHERE r.kind <> 'acknowledgment'
  AND NOT EXISTS (SELECT 1 FROM feedbacks f WHERE f.case_id = r.case_id AND f.reply_id >= r.id);

-- Recomputes the entry of the case(s) the changed reply or feedback belongs to (before and
-- after, for an update). The case rows are locked first, in id order, so that concurrent
-- transactions on one case recompute one after the other (see case_fts_replies, 0005).
CREATE FUNCTION cases_awaiting_feedback_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids BIGINT[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        ids := ARRAY[NEW.case_id];
    ELSIF TG_OP = 'DELETE' THEN
        ids := ARRAY[OLD.case_id];
    ELSE
        ids := ARRAY[OLD.case_id, NEW.case_id];
    END IF;
    PERFORM 1 FROM cases WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM cases_awaiting_feedback WHERE case_id = ANY (ids);
    INSERT INTO cases_awaiting_feedback (case_id)
    SELECT c.id FROM cases c WHERE c.id = ANY (ids) AND EXISTS (
        SELECT 1 FROM replies r WHERE r.case_id = c.id AND r.kind <> 'acknowledgment'
        AND NOT EXISTS (SELECT 1 FROM feedbacks f WHERE f.case_id = r.case_id AND f.reply_id >= r.id));
    RETURN NULL;
END;
$$;

CREATE TRIGGER replies_awaiting_insert AFTER INSERT ON replies
FOR EACH ROW EXECUTE FUNCTION cases_awaiting_feedback_sync();
CREATE TRIGGER replies_awaiting_update AFTER UPDATE OF case_id, kind ON replies
FOR EACH ROW EXECUTE FUNCTION cases_awaiting_feedback_sync();
CREATE TRIGGER replies_awaiting_delete AFTER DELETE ON replies
FOR EACH ROW EXECUTE FUNCTION cases_awaiting_feedback_sync();
CREATE TRIGGER feedbacks_awaiting_insert AFTER INSERT ON feedbacks
FOR EACH ROW EXECUTE FUNCTION cases_awaiting_feedback_sync();
CREATE TRIGGER feedbacks_awaiting_update AFTER UPDATE OF case_id, reply_id ON feedbacks
FOR EACH ROW EXECUTE FUNCTION cases_awaiting_feedback_sync();
CREATE TRIGGER feedbacks_awaiting_delete AFTER DELETE ON feedbacks
FOR EACH ROW EXECUTE FUNCTION cases_awaiting_feedback_sync();

-- The 重要敏感未报送 queue: the few flagged cases not archived, without walking the others.
CREATE INDEX cases_flagged_open ON cases (id)
WHERE (important = 1 OR sensitive = 1) AND status <> 'archived';

-- The open cases (a few thousand among a million), in id order: the due scan of the watch
-- reads exactly these.
CREATE INDEX cases_open ON cases (id)
WHERE status IN ('pending', 'acknowledged', 'assigned', 'in_progress');

-- The duplicate check of an import (same import key, or same platform and link, or same
-- platform, time, title and text) is an OR over three columns: with an index on the link
-- each branch is an index search.
CREATE INDEX cases_source_link ON cases (source, link);

-- Every column of case_fts now ends with two line feeds, as in SQLite (whose services look
-- the trigrams a 1- or 2-character query begins up in the fts5vocab table case_fts_terms).
-- PostgreSQL has no fts5vocab: there is no case_fts_terms here, and a 1- or 2-character
-- query is an ILIKE over case_fts. The column values stay the same as SQLite's so the two
-- stores hold the same data. The rows are rebuilt once here.
CREATE OR REPLACE FUNCTION case_fts_case() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO case_fts (rowid, title, content, replies)
        VALUES (NEW.id, NEW.title || chr(10) || chr(10), NEW.content || chr(10) || chr(10), '');
    ELSE
        UPDATE case_fts
        SET title = NEW.title || chr(10) || chr(10), content = NEW.content || chr(10) || chr(10)
        WHERE rowid = NEW.id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION case_fts_replies() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM cases WHERE id = NEW.case_id FOR NO KEY UPDATE;
    UPDATE case_fts
    SET replies = (SELECT string_agg(r.text, chr(10) ORDER BY r.id) FROM replies r
                   WHERE r.case_id = NEW.case_id) || chr(10) || chr(10)
    WHERE rowid = NEW.case_id;
    RETURN NULL;
END;
$$;

DELETE FROM case_fts;
INSERT INTO case_fts (rowid, title, content, replies)
SELECT c.id, c.title || chr(10) || chr(10), c.content || chr(10) || chr(10),
       COALESCE((SELECT string_agg(r.text, chr(10) ORDER BY r.id) FROM replies r
                 WHERE r.case_id = c.id) || chr(10) || chr(10), '')
FROM cases c;

ANALYZE cases, case_fts, case_status_counts, cases_awaiting_feedback;
