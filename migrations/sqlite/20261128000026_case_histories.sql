-- The report's input, one row per case (service/reports.rs, docs/performance.md
-- optimisation 20): replaces case_states (one row per event) and the index by time of the
-- counted events (migration 0024).
--   entries     the entries case_states held, oldest first, joined with ','
--               (`event_id at kind status reply_due`, `-` for what the event does not
--               set; '' for none yet): a report reads a case's history as one row
--               instead of a run of rows, and leaves out the entries at or after its
--               cutoff itself;
--   counted_at  the moment of the case's latest event other than archiving ('' for
--               none): the cases with an event since a report's window began are found
--               in its index, one entry per case, instead of one per event.
-- Kept by the trigger below from every event of a case appended, whoever writes it (the
-- services, the import, the demo generator).
CREATE TABLE case_histories (
    case_id    INTEGER PRIMARY KEY,
    counted_at TEXT NOT NULL,
    entries    TEXT NOT NULL
);

INSERT INTO case_histories (case_id, counted_at, entries)
SELECT e.case_id, e.counted_at, COALESCE(s.entries, '')
FROM (SELECT case_id, MAX(CASE WHEN kind <> 'archive' THEN at ELSE '' END) AS counted_at
      FROM events WHERE case_id IS NOT NULL GROUP BY case_id) AS e
LEFT JOIN (SELECT case_id, string_agg(entry, ',' ORDER BY event_id) AS entries
           FROM case_states GROUP BY case_id) AS s ON s.case_id = e.case_id
ORDER BY e.case_id;

CREATE INDEX case_histories_counted ON case_histories (counted_at);

DROP TRIGGER events_case_states;
DROP TABLE case_states;
DROP INDEX events_at_case_counted;

CREATE TRIGGER events_case_histories AFTER INSERT ON events
WHEN NEW.case_id IS NOT NULL
BEGIN
    INSERT INTO case_histories (case_id, counted_at, entries)
    SELECT NEW.case_id, CASE WHEN NEW.kind <> 'archive' THEN NEW.at ELSE '' END,
           CASE WHEN s IS NOT NULL OR d IS NOT NULL
                     OR NEW.kind IN ('register', 'acknowledge', 'reply_final')
                THEN NEW.id || ' ' || NEW.at || ' ' || NEW.kind || ' ' || COALESCE(s, '-')
                     || ' ' || COALESCE(d, '-')
                ELSE '' END
    FROM (SELECT CASE WHEN json_valid(NEW.after)
                      THEN json_extract(NEW.after, '$.status') END AS s,
                 CASE WHEN json_valid(NEW.after)
                      THEN json_extract(NEW.after, '$.reply_due') END AS d)
    WHERE true
    ON CONFLICT (case_id) DO UPDATE SET
        counted_at = MAX(counted_at, excluded.counted_at),
        entries = CASE WHEN excluded.entries = '' THEN entries
                       WHEN entries = '' THEN excluded.entries
                       ELSE entries || ',' || excluded.entries END;
END;
