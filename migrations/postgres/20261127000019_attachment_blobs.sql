-- Attachment contents stored in the database, keyed by their SHA-256 (lowercase hex).
-- (PostgreSQL twin of the SQLite migration of the same name.) On a server every PC must
-- see every attachment, so the bytes live here, written once per content in the same
-- transaction as the `attachments` row that names them (service/attachments.rs);
-- `wenzheng migrate` fills it from the files beside a SQLite database. On SQLite the
-- twin table stays unused (the files stay beside the database file).
CREATE TABLE attachment_blobs (
    sha256  TEXT PRIMARY KEY,
    content BYTEA NOT NULL
);
