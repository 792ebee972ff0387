//! Where the automatic backups go and how many are kept (settings), the backups present
//! in that folder, and checking a backup before it is restored.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::backup::{auto_date, open_read_only};
use super::integrity::verify_pool;
use super::record::{event, put_setting};
use super::{Ctx, Rotation, Service};
use crate::auth::{self, Permission};
use crate::clock::{cst, format_instant};
use crate::error::{Error, Result};
use crate::view::VerifyView;

const DIR: &str = "backup.dir";
const DAILY: &str = "backup.daily";
const MONTHLY: &str = "backup.monthly";

/// The backup settings: the folder (none: the app's default) and the rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupSettings {
    /// The folder of the automatic backups (a USB disk, a network share); none: the default.
    pub dir: Option<String>,
    /// Daily backups kept (1–365, default 30).
    pub daily: usize,
    /// Monthly backups kept beyond those (0–120, default 12).
    pub monthly: usize,
}

impl BackupSettings {
    /// The rotation these settings ask for.
    pub fn rotation(&self) -> Rotation {
        Rotation {
            daily: self.daily,
            monthly: self.monthly,
        }
    }
}

/// A backup file found in the backup folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupFile {
    /// File name.
    pub name: String,
    /// Full path.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// The day of an automatic backup (from its name), else the file's modification time.
    pub made_at: String,
    /// `daily` for the automatic backups, `other` for any other `.db` file.
    pub kind: &'static str,
}

fn count(key: &str, value: Option<String>, default: usize) -> Result<usize> {
    match value {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| Error::Corrupt(format!("设置项 {key} 的值“{v}”不是整数"))),
    }
}

impl Service {
    /// The backup settings (administrators only).
    pub async fn backup_settings(&self, ctx: &Ctx) -> Result<BackupSettings> {
        auth::require(ctx.actor.role, Permission::Backup)?;
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT key, value FROM settings WHERE key IN ($1, $2, $3)")
                .bind(DIR)
                .bind(DAILY)
                .bind(MONTHLY)
                .fetch_all(self.db.pool())
                .await?;
        let get = |k: &str| {
            rows.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        let default = Rotation::default();
        Ok(BackupSettings {
            dir: get(DIR).filter(|d| !d.trim().is_empty()),
            daily: count(DAILY, get(DAILY), default.daily)?,
            monthly: count(MONTHLY, get(MONTHLY), default.monthly)?,
        })
    }

    /// Changes the backup settings (administrators only). The folder must be an absolute
    /// path; it is created if missing, and must be writable.
    pub async fn set_backup_settings(
        &self,
        ctx: &Ctx,
        settings: BackupSettings,
    ) -> Result<BackupSettings> {
        auth::require(ctx.actor.role, Permission::Backup)?;
        if !(1..=365).contains(&settings.daily) {
            return Err(Error::Invalid(
                "保留的每日备份数必须在 1 到 365 之间".into(),
            ));
        }
        if settings.monthly > 120 {
            return Err(Error::Invalid(
                "保留的每月备份数必须在 0 到 120 之间".into(),
            ));
        }
        let dir = settings
            .dir
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string);
        if let Some(d) = &dir {
            let path = Path::new(d);
            if !path.is_absolute() {
                return Err(Error::Invalid(format!(
                    "备份文件夹必须是完整路径（如 /media/U盘/备份），“{d}”不是"
                )));
            }
            std::fs::create_dir_all(path)
                .and_then(|_| tempfile_probe(path))
                .map_err(|e| Error::Invalid(format!("备份文件夹“{d}”无法写入：{e}")))?;
        }
        let before = self.backup_settings(ctx).await?;
        let after = BackupSettings {
            dir,
            daily: settings.daily,
            monthly: settings.monthly,
        };
        let mut tx = self.db.write().await?;
        put_setting(&mut tx, ctx, DIR, after.dir.as_deref().unwrap_or("")).await?;
        put_setting(&mut tx, ctx, DAILY, &after.daily.to_string()).await?;
        put_setting(&mut tx, ctx, MONTHLY, &after.monthly.to_string()).await?;
        event(
            &mut tx,
            ctx,
            None,
            "backup_settings",
            &format!(
                "备份设置：文件夹 {}，保留每日备份 {} 份、每月备份 {} 份",
                after.dir.as_deref().unwrap_or("（默认）"),
                after.daily,
                after.monthly
            ),
            Some(json!(before)),
            Some(json!(after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The backups in `dir`, newest first (administrators only).
    pub async fn list_backups(&self, ctx: &Ctx, dir: &Path) -> Result<Vec<BackupFile>> {
        auth::require(ctx.actor.role, Permission::Backup)?;
        list_backup_files(dir)
    }

    /// Checks a backup file (integrity and event chain) without changing anything;
    /// refuses in Chinese when it is not a usable backup. An encrypted backup is opened
    /// with the key of the default database ([`crate::db::default_path`]).
    pub async fn check_backup(backup: &Path) -> Result<VerifyView> {
        Service::check_backup_for(backup, &crate::db::default_path()).await
    }

    /// [`Service::check_backup`], opening an encrypted backup with the key of `db`.
    pub async fn check_backup_for(backup: &Path, db: &Path) -> Result<VerifyView> {
        if !backup.is_file() {
            return Err(Error::NotFound(format!(
                "备份文件 {} 不存在",
                backup.display()
            )));
        }
        let pool = open_read_only(backup, db).await.map_err(|e| match e {
            Error::Key(_) => e,
            e => Error::Invalid(format!("{} 不是可用的数据库文件：{e}", backup.display())),
        })?;
        let check = verify_pool(&pool).await;
        pool.close().await;
        let check = check.map_err(|e| {
            Error::Invalid(format!(
                "{} 不是网络问政办理系统的备份：{e}",
                backup.display()
            ))
        })?;
        if !check.ok {
            return Err(Error::Invalid(format!(
                "备份文件校验未通过，未做任何更改：{}",
                check.problems.join("；")
            )));
        }
        Ok(check)
    }
}

/// Writes and removes a small file, to learn whether `dir` is writable.
fn tempfile_probe(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(".wenzheng-write-test");
    std::fs::write(&probe, b"ok")?;
    std::fs::remove_file(probe)
}

/// The `.db` files in `dir`, newest first; an absent folder has none.
pub fn list_backup_files(dir: &Path) -> Result<Vec<BackupFile>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Error::Invalid(format!(
                "无法读取备份文件夹 {}：{e}",
                dir.display()
            )))
        }
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        let meta = entry.metadata()?;
        if !meta.is_file() || !name.ends_with(".db") {
            continue;
        }
        let (made_at, kind) = match auto_date(&name) {
            Some(d) => (d.format("%Y-%m-%d").to_string(), "daily"),
            None => {
                let modified: DateTime<FixedOffset> =
                    DateTime::<chrono::Utc>::from(meta.modified()?).with_timezone(&cst());
                (format_instant(&modified), "other")
            }
        };
        out.push(BackupFile {
            path: PathBuf::from(dir).join(&name).display().to_string(),
            name,
            size: meta.len(),
            made_at,
            kind,
        });
    }
    out.sort_by(|a, b| b.made_at.cmp(&a.made_at).then(b.name.cmp(&a.name)));
    Ok(out)
}

impl Service {
    /// Restores this service's own database from `backup` (administrators only): checks
    /// the backup first, records the restore in the current history (kept in the old
    /// file), closes this service's connections and replaces the file (see
    /// [`Service::restore`]). Afterwards this service is closed: the program must open
    /// the database again (the desktop app restarts).
    pub async fn restore_live(&self, ctx: &Ctx, backup: &Path) -> Result<crate::view::RestoreView> {
        auth::require(ctx.actor.role, Permission::Backup)?;
        let check = Service::check_backup_for(backup, self.db.require_file("恢复")?).await?;
        let mut tx = self.db.write().await?;
        event(
            &mut tx,
            ctx,
            None,
            "restore",
            &format!("从备份 {} 恢复数据库", backup.display()),
            None,
            Some(json!({ "from": backup.display().to_string(),
                         "events_in_backup": check.events_checked })),
        )
        .await?;
        tx.commit().await?;
        let target = self.db.require_file("恢复")?.to_path_buf();
        self.db.clone().close().await;
        Service::restore(backup, &target, ctx.now).await
    }
}
