-- 回访: the follow-up with the citizen after the reply, and their satisfaction.
CREATE TABLE followups (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    satisfaction TEXT NOT NULL CHECK (satisfaction IN ('satisfied', 'basic', 'unsatisfied')),
    note         TEXT,
    created_at   TEXT NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES users (id)
);

CREATE INDEX followups_case ON followups (case_id, id);
