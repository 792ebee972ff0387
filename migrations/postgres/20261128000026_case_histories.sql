-- The report's input, one row per case: replaces case_states (one row per event) and the
-- index by time of the counted events (migration 0024). `entries`: the entries case_states
-- held, oldest first, joined with ',' ('' for none yet); `counted_at`: the moment of the
-- case's latest event other than archiving ('' for none). Kept by a trigger from every
-- event of a case appended. (PostgreSQL twin of the SQLite migration of the same name.)
CREATE TABLE case_histories (
    case_id    BIGINT PRIMARY KEY,
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

DROP TRIGGER events_case_states ON events;
DROP FUNCTION events_case_states();
DROP TABLE case_states;
DROP INDEX events_at_case_counted;

CREATE FUNCTION events_case_histories() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    s TEXT := wz_json_member(NEW.after, 'status');
    d TEXT := wz_json_member(NEW.after, 'reply_due');
    entry TEXT := '';
BEGIN
    IF NEW.case_id IS NULL THEN
        RETURN NULL;
    END IF;
    IF s IS NOT NULL OR d IS NOT NULL OR NEW.kind IN ('register', 'acknowledge', 'reply_final') THEN
        entry := CAST(NEW.id AS TEXT) || ' ' || NEW.at || ' ' || NEW.kind || ' '
                 || COALESCE(s, '-') || ' ' || COALESCE(d, '-');
    END IF;
    INSERT INTO case_histories AS h (case_id, counted_at, entries)
    VALUES (NEW.case_id, CASE WHEN NEW.kind <> 'archive' THEN NEW.at ELSE '' END, entry)
    ON CONFLICT (case_id) DO UPDATE SET
        counted_at = GREATEST(h.counted_at, EXCLUDED.counted_at),
        entries = CASE WHEN EXCLUDED.entries = '' THEN h.entries
                       WHEN h.entries = '' THEN EXCLUDED.entries
                       ELSE h.entries || ',' || EXCLUDED.entries END;
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_case_histories AFTER INSERT ON events
FOR EACH ROW EXECUTE FUNCTION events_case_histories();

ANALYZE case_histories;
