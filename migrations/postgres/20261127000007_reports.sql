-- Imports of cases from XLSX/CSV: one row per imported case, keyed by a stable import
-- key (source + link, or a hash of the message), so that importing the same file again
-- does not register the same message twice.
-- (PostgreSQL twin of the SQLite migration of the same name.)
CREATE TABLE case_imports (
    import_key  TEXT PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES cases (id),
    file_name   TEXT NOT NULL,
    row_number  BIGINT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by BIGINT NOT NULL REFERENCES users (id)
);

CREATE INDEX case_imports_case ON case_imports (case_id);
