-- Printed documents (GB/T 9704): the settings that head them and the register of the
-- document numbers (文号) issued. Numbers come from counters('doc', year).

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT,
    updated_by INTEGER REFERENCES users (id)
);

-- Defaults an administrator replaces with the office's real names.
INSERT INTO settings (key, value) VALUES
    ('doc.organ', '××镇人民政府'),
    ('doc.office', '××镇网络问政工作办公室'),
    ('doc.code', '镇网政'),
    ('doc.feedback_to', '县信访局、县委办督查室'),
    ('doc.brief_to', '镇党委、政府主要领导，分管领导');

CREATE TABLE documents (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER REFERENCES cases (id),
    kind       TEXT NOT NULL CHECK (kind IN ('feedback', 'notice', 'urge', 'brief', 'monthly')),
    year       INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    number     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    UNIQUE (year, seq)
);

CREATE INDEX documents_case ON documents (case_id, id);
