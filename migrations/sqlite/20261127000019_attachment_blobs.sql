-- Attachment contents stored in the database, keyed by their SHA-256 (lowercase hex).
-- On SQLite this table stays UNUSED: a single PC keeps each attachment as a file in
-- `attachments/` beside the database file (service/attachments.rs), so that backups of the
-- database stay small. It exists so that both stores have the same schema
-- (migrations/postgres/ has its twin, where the table does hold the bytes: on a server
-- every PC must see every attachment).
CREATE TABLE attachment_blobs (
    sha256  TEXT PRIMARY KEY,
    content BLOB NOT NULL
);
