-- Deadline notifications (到期提醒): what the watch has already raised, so that a restart
-- never repeats it, and the thresholds as settings.
-- (PostgreSQL twin of the SQLite migration of the same name.)

CREATE TABLE notifications_sent (
    -- Stable key of the situation, e.g. 'reply_overdue:12:2026-03-02' (see due.rs); a
    -- notification is raised again only when its key changes.
    key     TEXT PRIMARY KEY,
    kind    TEXT NOT NULL,
    case_id BIGINT REFERENCES cases (id),
    summary TEXT NOT NULL,
    body    TEXT NOT NULL,
    sent_at TEXT NOT NULL
);

CREATE INDEX notifications_sent_at ON notifications_sent (sent_at);

-- Thresholds an administrator may change (`wenzheng due settings`).
INSERT INTO settings (key, value) VALUES
    ('notify.ack_hours', '4'),
    ('notify.reply_working_days', '1'),
    ('notify.urge_limit', '3')
ON CONFLICT (key) DO NOTHING;
