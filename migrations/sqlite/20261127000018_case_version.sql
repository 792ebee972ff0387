-- Several PCs on one store (issue 10).
--
-- Optimistic locking: cases.version exists since 0001 (1 when registered). From this
-- version on the services raise it with every event that changes a case or what hangs off
-- it (service/version.rs), and a step carrying the version the user saw is refused with a
-- conflict when the case moved on. Nothing to change in the schema for it.
--
-- Desktop notifications per user: each PC's watch raises a notification for the user
-- signed in there (the administrator when nobody is), and claims it first with an insert
-- into this table; the primary key lets only one PC of a user claim a notification, so a
-- user sees it once, not once per PC, and every user sees it. notifications_sent.desktop_at
-- keeps saying when any desktop first took it.
--
-- notifications_sent.seq: the order notifications were recorded in (what a pass raises is
-- shown in that order), the same on both stores (SQLite's rowid has no PostgreSQL twin).
-- Given by the insert as MAX(seq) + 1 under the writers' lock.
ALTER TABLE notifications_sent ADD COLUMN seq INTEGER;
CREATE TABLE notification_deliveries (
    key          TEXT NOT NULL REFERENCES notifications_sent (key),
    user_id      INTEGER NOT NULL REFERENCES users (id),
    delivered_at TEXT NOT NULL,
    PRIMARY KEY (key, user_id)
);

-- What a desktop took before this migration counts as taken by every user.
INSERT INTO notification_deliveries (key, user_id, delivered_at)
SELECT n.key, u.id, n.desktop_at FROM notifications_sent n CROSS JOIN users u
WHERE n.desktop_at IS NOT NULL;

UPDATE notifications_sent SET seq = rowid;
CREATE UNIQUE INDEX notifications_sent_seq ON notifications_sent (seq);
