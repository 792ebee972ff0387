-- The due scan of the watch (到期扫描, service/notify.rs; docs/performance.md, optimisation
-- "The due scan reads only what can give a notice"). It used to read every open case with
-- two correlated subqueries (its urgings counted, its units' names joined) and decide in
-- Rust; at 1,000,000 cases that is 17,000 cases, nearly all of them overdue for years and
-- long notified. It now counts the open cases through the indexes and reads only the cases
-- that can give a notice: an acknowledgment or reply date in a window around now, or as
-- many urgings as the limit.

-- How many times each case was urged (催办), kept by the triggers below. Each trigger
-- counts the case's urgings again instead of adding one, so a copy that brings the cases
-- with their counts and then their urgings (`wenzheng migrate`) ends with the same count.
ALTER TABLE cases ADD COLUMN urge_count INTEGER NOT NULL DEFAULT 0;
UPDATE cases SET urge_count = (SELECT COUNT(*) FROM urgings g WHERE g.case_id = cases.id)
WHERE id IN (SELECT case_id FROM urgings);

CREATE TRIGGER urgings_count_insert AFTER INSERT ON urgings
BEGIN
    UPDATE cases SET urge_count = (SELECT COUNT(*) FROM urgings g WHERE g.case_id = new.case_id)
    WHERE id = new.case_id;
END;

CREATE TRIGGER urgings_count_update AFTER UPDATE OF case_id ON urgings
BEGIN
    UPDATE cases SET urge_count = (SELECT COUNT(*) FROM urgings g WHERE g.case_id = cases.id)
    WHERE id IN (old.case_id, new.case_id);
END;

CREATE TRIGGER urgings_count_delete AFTER DELETE ON urgings
BEGIN
    UPDATE cases SET urge_count = (SELECT COUNT(*) FROM urgings g WHERE g.case_id = old.case_id)
    WHERE id = old.case_id;
END;

-- The open cases urged at least `notify.urge_limit` times, without reading the others.
CREATE INDEX cases_open_urged ON cases (urge_count)
WHERE status IN ('pending', 'acknowledged', 'assigned', 'in_progress');

-- The daily summary lists the smallest numbers of the overdue cases: walking the open cases
-- in number order stops after a few, where sorting all overdue cases read every one.
CREATE INDEX cases_open_number ON cases (number)
WHERE status IN ('pending', 'acknowledged', 'assigned', 'in_progress');

-- Their statistics now: without them the planner prefers the status indexes and sorts (or
-- reads every open case), until `PRAGMA optimize` runs when the database is closed.
ANALYZE cases_open_urged;
ANALYZE cases_open_number;
