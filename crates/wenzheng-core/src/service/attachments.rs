//! Attachments (screenshots of the platform page and the like), stored once per content
//! and named by their SHA-256, so their integrity can be checked whenever they are read.
//! One API over two stores: on a SQLite database the bytes are files in `attachments/`
//! beside the database file; on a PostgreSQL server they are rows of `attachment_blobs`,
//! so that every PC of the office sees them. Everything that reads an attachment (the CLI,
//! the dossier and the yearly archive, the desktop) goes through [`Service::attachment`].

use std::path::{Path, PathBuf};

use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};

use super::record::{event, load_case};
use super::{required, Ctx, Service};
use crate::auth::{self, Permission};
use crate::clock::format_instant;
use crate::db::Backend;
use crate::error::{Error, Result};
use crate::view::AttachmentView;

/// The largest attachment accepted.
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;

/// The SHA-256 of `bytes` in lowercase hex, as attachments are named and checked.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where an attachment's content is kept relative to the attachment folder:
/// `<first two hex digits>/<sha256>` (also recorded as `stored_path` on both stores).
pub fn stored_path(sha: &str) -> String {
    format!("{}/{sha}", &sha[..2])
}

/// The result of checking every stored attachment against its recorded hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttachmentCheck {
    /// Distinct contents checked.
    pub checked: usize,
    /// What is missing or altered, in Chinese.
    pub problems: Vec<String>,
}

impl Service {
    /// The folder that holds attachment files, beside the database file; `None` on a
    /// server, where the contents are rows of `attachment_blobs`.
    pub fn attachment_dir(&self) -> Option<PathBuf> {
        self.db.file().map(attachment_dir_of)
    }

    /// Attaches a file to a case. The bytes are written (once per content) before the
    /// record; a failed record leaves at most an unreferenced file, never a dangling row.
    pub async fn attach(
        &self,
        ctx: &Ctx,
        key: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<AttachmentView> {
        auth::require(ctx.actor.role, Permission::Register)?;
        let name = required("附件文件名", file_name, 200)?;
        if name.contains(['/', '\\']) {
            return Err(Error::Invalid(format!("附件文件名“{name}”不能包含路径")));
        }
        if bytes.is_empty() {
            return Err(Error::Invalid(format!("附件“{name}”是空文件")));
        }
        if bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(Error::Invalid(format!(
                "附件“{name}”有 {:.1} MB，超过 20 MB 的上限",
                bytes.len() as f64 / 1_048_576.0
            )));
        }
        let sha = sha256_hex(bytes);
        let relative = stored_path(&sha);
        let mut tx = self.db.write().await?;
        let case = load_case(&mut tx, key).await?;
        if case.status == crate::model::CaseStatus::Archived.code() {
            return Err(Error::IllegalStep(format!(
                "{}：案件已归档，不能再添加附件",
                case.number
            )));
        }
        self.store_content(&mut tx, &sha, bytes).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO attachments (case_id, file_name, stored_path, sha256, size, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(case.id)
        .bind(&name)
        .bind(&relative)
        .bind(&sha)
        .bind(bytes.len() as i64)
        .bind(format_instant(&ctx.now))
        .bind(ctx.actor.id)
        .fetch_one(&mut *tx)
        .await?;
        let summary = format!("添加附件 {name}（{} 字节）", bytes.len());
        let after =
            json!({ "attachment_id": id, "file_name": name, "sha256": sha, "size": bytes.len() });
        event(
            &mut tx,
            ctx,
            Some(case.id),
            "attach",
            &summary,
            None,
            Some(after),
        )
        .await?;
        tx.commit().await?;
        Ok(AttachmentView {
            id,
            file_name: name,
            sha256: sha,
            size: bytes.len() as i64,
            created_at: format_instant(&ctx.now),
        })
    }

    /// An attachment and its content, after checking that the content still matches the
    /// recorded hash (a missing or altered content is [`Error::Corrupt`]).
    pub async fn attachment(&self, ctx: &Ctx, id: i64) -> Result<(AttachmentView, Vec<u8>)> {
        let row: Option<(i64, String, String, String, i64, String)> = sqlx::query_as(
            "SELECT case_id, file_name, stored_path, sha256, size, created_at FROM attachments WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.db.pool())
        .await?;
        let (case_id, file_name, stored, sha256, size, created_at) =
            row.ok_or_else(|| Error::NotFound(format!("附件 {id} 不存在")))?;
        // Seeing the attachment follows seeing the case.
        self.case(ctx, &case_id.to_string()).await?;
        let bytes = self.checked_content(&file_name, &stored, &sha256).await?;
        Ok((
            AttachmentView {
                id,
                file_name,
                sha256,
                size,
                created_at,
            },
            bytes,
        ))
    }

    /// Reads every distinct attachment content back and checks it against its hash.
    pub async fn check_attachments(&self) -> Result<AttachmentCheck> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT sha256, MIN(stored_path), MIN(file_name) FROM attachments
             GROUP BY sha256 ORDER BY sha256",
        )
        .fetch_all(self.db.pool())
        .await?;
        let mut check = AttachmentCheck::default();
        for (sha, stored, name) in rows {
            check.checked += 1;
            if let Err(e) = self.checked_content(&name, &stored, &sha).await {
                check.problems.push(e.to_string());
            }
        }
        Ok(check)
    }

    /// Writes a content once: on SQLite a file (before the record commits: a failed record
    /// leaves at most an unreferenced file, never a dangling row), on a server a row in the
    /// same transaction as the record.
    async fn store_content(
        &self,
        tx: &mut Transaction<'static, Any>,
        sha: &str,
        bytes: &[u8],
    ) -> Result<()> {
        match self.db.backend() {
            Backend::Sqlite => {
                let dir = self.db.require_file("附件文件夹").map(attachment_dir_of)?;
                let target = dir.join(stored_path(sha));
                if !target.exists() {
                    if let Some(dir) = target.parent() {
                        tokio::fs::create_dir_all(dir).await?;
                    }
                    let partial = target.with_extension("part");
                    tokio::fs::write(&partial, bytes).await?;
                    tokio::fs::rename(&partial, &target).await?;
                }
            }
            Backend::Postgres => {
                sqlx::query(
                    "INSERT INTO attachment_blobs (sha256, content) VALUES ($1, $2)
                     ON CONFLICT (sha256) DO NOTHING",
                )
                .bind(sha)
                .bind(bytes.to_vec())
                .execute(&mut **tx)
                .await?;
            }
        }
        Ok(())
    }

    /// The content named `sha`, checked against it.
    async fn checked_content(&self, file_name: &str, stored: &str, sha: &str) -> Result<Vec<u8>> {
        let bytes = match self.db.file() {
            Some(db) => {
                let path = attachment_dir_of(db).join(stored);
                tokio::fs::read(&path).await.map_err(|_| {
                    Error::Corrupt(format!("附件“{file_name}”的文件 {} 不见了", path.display()))
                })?
            }
            None => {
                let content: Option<Vec<u8>> =
                    sqlx::query_scalar("SELECT content FROM attachment_blobs WHERE sha256 = $1")
                        .bind(sha)
                        .fetch_optional(self.db.pool())
                        .await?;
                content.ok_or_else(|| {
                    Error::Corrupt(format!("附件“{file_name}”的内容在数据库中不见了"))
                })?
            }
        };
        if sha256_hex(&bytes) != sha {
            return Err(Error::Corrupt(format!(
                "附件“{file_name}”的文件内容已被改动"
            )));
        }
        Ok(bytes)
    }
}

/// The attachment folder of the SQLite database file `db`: `attachments/` beside it.
pub fn attachment_dir_of(db: &Path) -> PathBuf {
    db.parent()
        .unwrap_or_else(|| Path::new("."))
        .join("attachments")
}
