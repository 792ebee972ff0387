-- Imports of cases from XLSX/CSV: one row per imported case, keyed by a stable import
-- key (source + link, or a hash of the message), so that importing the same file again
-- does not register the same message twice.
CREATE TABLE case_imports (
    import_key  TEXT PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    file_name   TEXT NOT NULL,
    row_number  INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by INTEGER NOT NULL REFERENCES users (id)
);

CREATE INDEX case_imports_case ON case_imports (case_id);
