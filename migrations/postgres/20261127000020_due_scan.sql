-- The due scan of the watch (到期扫描, service/notify.rs; docs/performance.md, optimisation
-- "The due scan reads only what can give a notice"). It used to read every open case with
-- two correlated subqueries (its urgings counted, its units' names joined) and decide in
-- Rust; at 1,000,000 cases that is 17,000 cases, nearly all of them overdue for years and
-- long notified. It now counts the open cases through the indexes and reads only the cases
-- that can give a notice: an acknowledgment or reply date in a window around now, or as
-- many urgings as the limit.
-- (PostgreSQL twin of the SQLite migration of the same name.)

-- How many times each case was urged (催办), kept by the triggers below. Each trigger
-- counts the case's urgings again instead of adding one, so a copy that brings the cases
-- with their counts and then their urgings (`wenzheng migrate`) ends with the same count.
ALTER TABLE cases ADD COLUMN urge_count BIGINT NOT NULL DEFAULT 0;
UPDATE cases SET urge_count = (SELECT COUNT(*) FROM urgings g WHERE g.case_id = cases.id)
WHERE id IN (SELECT case_id FROM urgings);

CREATE FUNCTION urgings_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE cases SET urge_count = (SELECT COUNT(*) FROM urgings g WHERE g.case_id = OLD.case_id)
        WHERE id = OLD.case_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE cases SET urge_count = (SELECT COUNT(*) FROM urgings g WHERE g.case_id = NEW.case_id)
        WHERE id = NEW.case_id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER urgings_count_insert AFTER INSERT ON urgings
FOR EACH ROW EXECUTE FUNCTION urgings_count();
CREATE TRIGGER urgings_count_update AFTER UPDATE OF case_id ON urgings
FOR EACH ROW EXECUTE FUNCTION urgings_count();
CREATE TRIGGER urgings_count_delete AFTER DELETE ON urgings
FOR EACH ROW EXECUTE FUNCTION urgings_count();

-- The open cases urged at least `notify.urge_limit` times, without reading the others.
CREATE INDEX cases_open_urged ON cases (urge_count)
WHERE status IN ('pending', 'acknowledged', 'assigned', 'in_progress');

-- The daily summary lists the smallest numbers of the overdue cases, compared bytewise
-- (COLLATE "C": SQLite's BINARY, whatever the database's collation): walking the open cases
-- in number order stops after a few, where sorting all overdue cases read every one.
CREATE INDEX cases_open_number ON cases (number COLLATE "C")
WHERE status IN ('pending', 'acknowledged', 'assigned', 'in_progress');

-- Statistics of the new column at once (autovacuum would take them later).
ANALYZE cases;
