-- The report's input: one row per event of a case that sets its status or its reply
-- deadline, registers it, acknowledges it or gives its final reply, kept by a trigger
-- from every event appended and clustered by case (its primary key), so that a report
-- reads each case's history as one short run of small rows.
-- (PostgreSQL twin of the SQLite migration of the same name.) An `after` that is not
-- JSON sets nothing (it used to make the expression index refuse the event).

-- The member `key` of the JSON object `doc` as text; NULL when missing, JSON null, or
-- when `doc` is not a JSON object.
CREATE FUNCTION wz_json_member(doc TEXT, key TEXT) RETURNS TEXT
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN CAST(doc AS json) ->> key;
EXCEPTION WHEN others THEN
    RETURN NULL;
END;
$$;

CREATE TABLE case_states (
    case_id  BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    at       TEXT NOT NULL,
    -- `event_id at kind status reply_due`, `-` for what the event does not set.
    entry    TEXT NOT NULL,
    PRIMARY KEY (case_id, event_id)
);

INSERT INTO case_states (case_id, event_id, at, entry)
SELECT case_id, id, at,
       CAST(id AS TEXT) || ' ' || at || ' ' || kind || ' ' || COALESCE(status, '-') || ' '
       || COALESCE(reply_due, '-')
FROM (SELECT case_id, id, at, kind, wz_json_member(after, 'status') AS status,
             wz_json_member(after, 'reply_due') AS reply_due
      FROM events WHERE case_id IS NOT NULL) AS e
WHERE status IS NOT NULL OR reply_due IS NOT NULL
   OR kind IN ('register', 'acknowledge', 'reply_final')
ORDER BY case_id, id;

CREATE FUNCTION events_case_states() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    s TEXT := wz_json_member(NEW.after, 'status');
    d TEXT := wz_json_member(NEW.after, 'reply_due');
BEGIN
    IF NEW.case_id IS NOT NULL AND (s IS NOT NULL OR d IS NOT NULL
            OR NEW.kind IN ('register', 'acknowledge', 'reply_final')) THEN
        INSERT INTO case_states (case_id, event_id, at, entry)
        VALUES (NEW.case_id, NEW.id, NEW.at,
                CAST(NEW.id AS TEXT) || ' ' || NEW.at || ' ' || NEW.kind || ' '
                || COALESCE(s, '-') || ' ' || COALESCE(d, '-'));
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_case_states AFTER INSERT ON events
FOR EACH ROW EXECUTE FUNCTION events_case_states();

-- Replaced by case_states.
DROP INDEX events_state;

-- What the report reads of the cases, assignments and final replies, each in one narrow
-- index that covers the query (as on SQLite).
CREATE INDEX cases_report ON cases (id, received_at, ack_due, source, category, important,
    sensitive, complexity, number, title);
CREATE INDEX assignments_report ON assignments (case_id, id, unit_id, role, assigned_at,
    returned_at);
DROP INDEX assignments_case;
CREATE INDEX replies_final ON replies (case_id, id, created_at, published_at)
WHERE kind = 'final';

-- The dashboard's 待报送专报 (important or sensitive cases without a 信息专报, service/search.rs):
-- its NOT EXISTS looks a case's briefs up here. On documents_case, SQLite's planner, told by
-- ANALYZE that every document belonged to one case (as in the benchmark, which issues all its
-- documents for one case), scanned the documents for each flagged case instead.
CREATE INDEX documents_brief ON documents (case_id) WHERE kind = 'brief';

ANALYZE case_states;
