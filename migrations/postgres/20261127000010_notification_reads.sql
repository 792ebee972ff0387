-- The in-app bell (铃铛) and folded desktop notifications.
-- (PostgreSQL twin of the SQLite migration of the same name.)
--
-- Every notification the watch decides on is recorded in notifications_sent and shown in
-- the bell, whether or not the desktop took it; `desktop_at` says when the desktop
-- (org.freedesktop.Notifications) took it, NULL while it has not (the watch tries again
-- for a day). Rows from before this migration were recorded only once shown.
ALTER TABLE notifications_sent ADD COLUMN desktop_at TEXT;
UPDATE notifications_sent SET desktop_at = sent_at;

-- What each user has read in the bell. (SQLite: WITHOUT ROWID; a plain table here.)
CREATE TABLE notification_reads (
    user_id BIGINT NOT NULL REFERENCES users (id),
    key     TEXT NOT NULL REFERENCES notifications_sent (key),
    read_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- More new notifications than this in one pass are folded into one desktop notification.
INSERT INTO settings (key, value) VALUES ('notify.flood_limit', '5')
ON CONFLICT (key) DO NOTHING;
