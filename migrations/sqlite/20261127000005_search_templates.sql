-- The desk: full-text search over cases, reply templates, and indexes for keyset paging.

-- Full-text index of each case (rowid = cases.id): its title, its content and the text of
-- all its replies. The trigram tokenizer finds any substring of 3+ characters, which suits
-- Chinese (no word boundaries); the services search shorter queries with LIKE over the same
-- columns. Kept in sync by the triggers below; it is derived data, never edited by hand.
CREATE VIRTUAL TABLE case_fts USING fts5(title, content, replies, tokenize = 'trigram');

INSERT INTO case_fts (rowid, title, content, replies)
SELECT c.id, c.title, c.content,
       COALESCE((SELECT group_concat(r.text, char(10)) FROM replies r WHERE r.case_id = c.id), '')
FROM cases c;

CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases
BEGIN
    INSERT INTO case_fts (rowid, title, content, replies)
    VALUES (new.id, new.title, new.content, '');
END;

CREATE TRIGGER cases_fts_update AFTER UPDATE OF title, content ON cases
BEGIN
    UPDATE case_fts SET title = new.title, content = new.content WHERE rowid = new.id;
END;

CREATE TRIGGER replies_fts_insert AFTER INSERT ON replies
BEGIN
    UPDATE case_fts
    SET replies = (SELECT group_concat(r.text, char(10)) FROM replies r WHERE r.case_id = new.case_id)
    WHERE rowid = new.case_id;
END;

CREATE TRIGGER replies_fts_update AFTER UPDATE OF text ON replies
BEGIN
    UPDATE case_fts
    SET replies = (SELECT group_concat(r.text, char(10)) FROM replies r WHERE r.case_id = new.case_id)
    WHERE rowid = new.case_id;
END;

-- Keyset pagination of the register: by reply date, and by date received.
CREATE INDEX cases_due_id ON cases (reply_due, id);
CREATE INDEX cases_received_id ON cases (received_at, id);

-- 回复模板: editable texts a clerk starts a reply from.
CREATE TABLE reply_templates (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('acknowledgment', 'interim', 'final')),
    text       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

INSERT INTO reply_templates (name, kind, text, created_at, updated_at) VALUES
    ('标准受理回复', 'acknowledgment', '您反映的问题已由我单位受理，将尽快给您回复。',
     '2026-01-01T00:00:00+08:00', '2026-01-01T00:00:00+08:00'),
    ('阶段性答复', 'interim',
     '您好！您反映的问题我单位高度重视，已交由相关部门调查处理，目前正在办理中，办理结果将及时向您反馈。感谢您的理解与支持！',
     '2026-01-01T00:00:00+08:00', '2026-01-01T00:00:00+08:00'),
    ('最终答复', 'final',
     '您好！您反映的问题，经调查核实，现答复如下：' || char(10) || char(10) || '感谢您对我镇工作的关心和支持！',
     '2026-01-01T00:00:00+08:00', '2026-01-01T00:00:00+08:00');
