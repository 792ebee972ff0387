-- The desk: links between cases (关联案件, 重复件) and single-day edits of the calendar.

-- A link between two cases. 'related': 关联案件, shown on both. 'duplicate': case_id is a
-- duplicate (重复件) closed into other_id (the main case, 主件).
CREATE TABLE case_links (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    other_id   INTEGER NOT NULL REFERENCES cases (id),
    kind       TEXT NOT NULL CHECK (kind IN ('related', 'duplicate')),
    note       TEXT,
    created_at TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    CHECK (case_id <> other_id)
);
-- One link per pair of cases, whichever way round.
CREATE UNIQUE INDEX case_links_pair ON case_links (min(case_id, other_id), max(case_id, other_id));
CREATE INDEX case_links_other ON case_links (other_id);
CREATE INDEX case_links_case ON case_links (case_id);

-- A day an administrator set apart from the official schedule: a local holiday (休) or an
-- extra working day (班). Deleting the row returns the day to the official schedule.
CREATE TABLE calendar_overrides (
    day        TEXT PRIMARY KEY,
    is_off_day INTEGER NOT NULL CHECK (is_off_day IN (0, 1)),
    note       TEXT,
    updated_at TEXT NOT NULL,
    updated_by INTEGER NOT NULL REFERENCES users (id)
);
