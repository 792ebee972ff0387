-- The report's input (service/reports.rs, docs/performance.md optimisation 18): one row
-- per event of a case that sets its status or its reply deadline, registers it,
-- acknowledges it or gives its final reply — what the figures replay, and nothing else.
-- Kept by the trigger below from every event appended, whoever writes it (the services,
-- the import, the demo generator), and clustered by case, so that a report reads each
-- case's history as one short run of small rows instead of the event log's rows or an
-- expression index (SQLite 3.46, the version shipped, reads the table row of each event
-- for an index on `json_extract(after, …)`: the expressions did not make it covering).
-- An `after` that is not JSON sets nothing.
CREATE TABLE case_states (
    case_id  INTEGER NOT NULL,
    event_id INTEGER NOT NULL,
    at       TEXT NOT NULL,
    -- `event_id at kind status reply_due`, `-` for what the event does not set: what the
    -- report parses, written once here rather than put together for every row it reads
    -- (half of its time reading the histories at 1,000,000 cases). None of these values
    -- contains a space or a comma.
    entry    TEXT NOT NULL,
    PRIMARY KEY (case_id, event_id)
) WITHOUT ROWID;

INSERT INTO case_states (case_id, event_id, at, entry)
SELECT case_id, id, at,
       id || ' ' || at || ' ' || kind || ' ' || COALESCE(status, '-') || ' '
       || COALESCE(reply_due, '-')
FROM (SELECT case_id, id, at, kind,
             CASE WHEN json_valid(after) THEN json_extract(after, '$.status') END AS status,
             CASE WHEN json_valid(after) THEN json_extract(after, '$.reply_due') END AS reply_due
      FROM events WHERE case_id IS NOT NULL)
WHERE status IS NOT NULL OR reply_due IS NOT NULL
   OR kind IN ('register', 'acknowledge', 'reply_final')
ORDER BY case_id, id;

CREATE TRIGGER events_case_states AFTER INSERT ON events
WHEN NEW.case_id IS NOT NULL AND (NEW.kind IN ('register', 'acknowledge', 'reply_final')
     OR (json_valid(NEW.after) AND (json_extract(NEW.after, '$.status') IS NOT NULL
                                    OR json_extract(NEW.after, '$.reply_due') IS NOT NULL)))
BEGIN
    INSERT INTO case_states (case_id, event_id, at, entry)
    VALUES (NEW.case_id, NEW.id, NEW.at,
            NEW.id || ' ' || NEW.at || ' ' || NEW.kind || ' '
            || COALESCE(CASE WHEN json_valid(NEW.after)
                             THEN json_extract(NEW.after, '$.status') END, '-')
            || ' ' || COALESCE(CASE WHEN json_valid(NEW.after)
                                    THEN json_extract(NEW.after, '$.reply_due') END, '-'));
END;

-- Replaced by case_states.
DROP INDEX events_state;

-- What the report reads of the cases, assignments and final replies of the cases it
-- counts, each in one narrow index that covers the query, so that it does not read the
-- wide rows (a case's text, a reply's text) at random places of the file. The
-- assignments' index also serves every lookup by case and replaces assignments_case.
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
