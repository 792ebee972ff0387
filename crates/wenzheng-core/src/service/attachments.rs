//! Attachments (screenshots of the platform page and the like): kept as files in the data
//! dir, named by their SHA-256, so a file is stored once and its integrity can be checked.

use std::path::{Path, PathBuf};

use serde_json::json;
use sha2::{Digest, Sha256};

use super::record::{event, load_case};
use super::{required, Ctx, Service};
use crate::auth::{self, Permission};
use crate::clock::format_instant;
use crate::error::{Error, Result};
use crate::view::AttachmentView;

/// The largest attachment accepted.
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;

impl Service {
    /// The folder that holds attachment files, beside the database file.
    pub fn attachment_dir(&self) -> PathBuf {
        let db = self
            .db
            .file()
            .map(Path::to_path_buf)
            .unwrap_or_else(crate::db::default_path);
        db.parent()
            .unwrap_or_else(|| Path::new("."))
            .join("attachments")
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
        let sha: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let relative = format!("{}/{sha}", &sha[..2]);
        let mut tx = self.db.write().await?;
        let case = load_case(&mut tx, key).await?;
        if case.status == crate::model::CaseStatus::Archived.code() {
            return Err(Error::IllegalStep(format!(
                "{}：案件已归档，不能再添加附件",
                case.number
            )));
        }
        let target = self.attachment_dir().join(&relative);
        if !target.exists() {
            if let Some(dir) = target.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            let partial = target.with_extension("part");
            tokio::fs::write(&partial, bytes).await?;
            tokio::fs::rename(&partial, &target).await?;
        }
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

    /// The stored file of an attachment, after checking that its content still matches
    /// the recorded hash.
    pub async fn attachment_file(&self, ctx: &Ctx, id: i64) -> Result<(AttachmentView, PathBuf)> {
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
        let path = self.attachment_dir().join(&stored);
        let bytes = tokio::fs::read(&path).await.map_err(|_| {
            Error::Corrupt(format!("附件“{file_name}”的文件 {} 不见了", path.display()))
        })?;
        let actual: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if actual != sha256 {
            return Err(Error::Corrupt(format!(
                "附件“{file_name}”的文件内容已被改动"
            )));
        }
        Ok((
            AttachmentView {
                id,
                file_name,
                sha256,
                size,
                created_at,
            },
            path,
        ))
    }
}
