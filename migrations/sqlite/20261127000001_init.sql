-- 网络问政办理系统: initial schema (SQLite).
-- Times are RFC 3339 text in China Standard Time (+08:00), so text order is time order.
-- Dates are 'YYYY-MM-DD'.

CREATE TABLE units (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'clerk', 'leader', 'unit')),
    -- The unit a handler of role 'unit' works for.
    unit_id       INTEGER REFERENCES units (id),
    -- argon2id PHC string; NULL until a password is set (the built-in administrator
    -- gets one at the first start of the app).
    password_hash TEXT,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    CHECK (role <> 'unit' OR unit_id IS NOT NULL)
);

-- The built-in administrator; the CLI acts as this user unless `--as` is given.
INSERT INTO users (login, display_name, role, created_at)
VALUES ('admin', '系统管理员', 'admin', '2026-01-01T00:00:00+08:00');

-- Official working-day schedule: only the exceptions to "Mon-Fri works".
CREATE TABLE calendar_years (
    year        INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    imported_at TEXT -- NULL for the schedules bundled with the app
);

CREATE TABLE calendar_days (
    year       INTEGER NOT NULL REFERENCES calendar_years (year) ON DELETE CASCADE,
    day        TEXT NOT NULL,
    name       TEXT NOT NULL,
    is_off_day INTEGER NOT NULL CHECK (is_off_day IN (0, 1)),
    PRIMARY KEY (year, day)
);

-- Per-year sequences (case numbers, later document numbers).
CREATE TABLE counters (
    name  TEXT NOT NULL,
    year  INTEGER NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (name, year)
);

CREATE TABLE cases (
    id                INTEGER PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    source            TEXT NOT NULL,
    link              TEXT,
    poster            TEXT,
    phone             TEXT,
    title             TEXT NOT NULL,
    content           TEXT NOT NULL,
    category          TEXT NOT NULL,
    important         INTEGER NOT NULL DEFAULT 0,
    sensitive         INTEGER NOT NULL DEFAULT 0,
    complexity        TEXT NOT NULL CHECK (complexity IN ('ordinary', 'complex')),
    status            TEXT NOT NULL,
    received_at       TEXT NOT NULL,
    registered_at     TEXT NOT NULL,
    registered_by     INTEGER NOT NULL REFERENCES users (id),
    -- Deadlines, precomputed by the services whenever an input changes.
    ack_due           TEXT NOT NULL,
    reply_due         TEXT NOT NULL,
    working_days      INTEGER NOT NULL,
    extension_days    INTEGER NOT NULL DEFAULT 0,
    calendar_complete INTEGER NOT NULL,
    acknowledged_at   TEXT,
    replied_at        TEXT,
    closed_at         TEXT,
    result            TEXT,
    archived_at       TEXT,
    version           INTEGER NOT NULL DEFAULT 1
);

CREATE INDEX cases_status_due ON cases (status, reply_due);
CREATE INDEX cases_received ON cases (received_at);

CREATE TABLE assignments (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    unit_id       INTEGER NOT NULL REFERENCES units (id),
    role          TEXT NOT NULL CHECK (role IN ('lead', 'assist')),
    requirements  TEXT,
    assigned_at   TEXT NOT NULL,
    assigned_by   INTEGER NOT NULL REFERENCES users (id),
    returned_at   TEXT,
    return_reason TEXT
);

CREATE INDEX assignments_case ON assignments (case_id);
CREATE INDEX assignments_unit ON assignments (unit_id);

CREATE TABLE instructions (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    leader     TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id)
);

CREATE TABLE urgings (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    unit_id    INTEGER NOT NULL REFERENCES units (id),
    level      TEXT NOT NULL CHECK (level IN ('普通', '黄牌', '红牌')),
    text       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id)
);

CREATE TABLE progress_reports (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    unit_id    INTEGER NOT NULL REFERENCES units (id),
    text       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id)
);

CREATE TABLE replies (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    kind         TEXT NOT NULL CHECK (kind IN ('acknowledgment', 'interim', 'final')),
    text         TEXT NOT NULL,
    published_at TEXT,
    created_at   TEXT NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES users (id)
);

CREATE TABLE feedbacks (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    seq        INTEGER NOT NULL,
    recipients TEXT NOT NULL,
    reply_id   INTEGER REFERENCES replies (id),
    created_at TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    UNIQUE (case_id, seq)
);

CREATE TABLE extensions (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    days        INTEGER NOT NULL CHECK (days > 0),
    reason      TEXT NOT NULL,
    approved_by INTEGER NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL
);

CREATE TABLE attachments (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    file_name   TEXT NOT NULL,
    stored_path TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  INTEGER NOT NULL REFERENCES users (id)
);

-- Append-only, hash-chained history: who, when, what, before/after. `hash` is the
-- SHA-256 of the previous event's hash and this event's fields (see integrity.rs).
CREATE TABLE events (
    id        INTEGER PRIMARY KEY,
    case_id   INTEGER REFERENCES cases (id),
    actor_id  INTEGER NOT NULL REFERENCES users (id),
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    summary   TEXT NOT NULL,
    before    TEXT,
    after     TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL UNIQUE
);

CREATE INDEX events_case ON events (case_id, id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, '事件记录只能追加，不能修改');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, '事件记录只能追加，不能删除');
END;
