//! Backups with SQLite's `VACUUM INTO` (a consistent copy of a live database), automatic
//! daily backups with rotation, and restore after verification.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde_json::json;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use super::integrity::verify_pool;
use super::record::event;
use super::{Ctx, Service};
use crate::auth::{self, Permission};
use crate::error::{Error, Result};
use crate::view::{BackupView, RestoreView};

/// How many automatic backups are kept: the newest `daily` ones, plus the newest of each
/// of the last `monthly` months.
#[derive(Debug, Clone, Copy)]
pub struct Rotation {
    /// Daily backups kept.
    pub daily: usize,
    /// Monthly backups kept.
    pub monthly: usize,
}

impl Default for Rotation {
    fn default() -> Self {
        Rotation {
            daily: 30,
            monthly: 12,
        }
    }
}

const AUTO_PREFIX: &str = "wenzheng-";

fn auto_name(date: NaiveDate) -> String {
    format!("{AUTO_PREFIX}{}.db", date.format("%Y%m%d"))
}

pub(super) fn auto_date(name: &str) -> Option<NaiveDate> {
    let stem = name.strip_prefix(AUTO_PREFIX)?.strip_suffix(".db")?;
    NaiveDate::parse_from_str(stem, "%Y%m%d").ok()
}

/// Which automatic backups to delete under `rotation`, given the dates present.
pub fn to_delete(mut dates: Vec<NaiveDate>, rotation: Rotation) -> Vec<NaiveDate> {
    dates.sort_unstable_by(|a, b| b.cmp(a));
    let mut keep: Vec<NaiveDate> = dates.iter().copied().take(rotation.daily).collect();
    let mut months = Vec::new();
    for d in &dates {
        let m = (d.year(), d.month());
        if !months.contains(&m) && months.len() < rotation.monthly {
            months.push(m);
            keep.push(*d);
        }
    }
    dates.into_iter().filter(|d| !keep.contains(d)).collect()
}

/// Opens a backup read-only; an encrypted one with the key of the database `db`.
pub(super) async fn open_read_only(path: &Path, db: &Path) -> Result<sqlx::SqlitePool> {
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let pool = SqlitePoolOptions::new().max_connections(1);
    #[cfg(feature = "encryption")]
    return crate::crypt::connect(pool, options, path, db).await;
    #[cfg(not(feature = "encryption"))]
    {
        let _ = db;
        Ok(pool.connect_with(options).await?)
    }
}

impl Service {
    /// Writes a consistent copy of the database to `out` (which must not exist) and checks it.
    pub async fn backup_to(&self, ctx: &Ctx, out: &Path) -> Result<BackupView> {
        auth::require(ctx.actor.role, Permission::Backup)?;
        self.write_backup(ctx, out).await
    }

    async fn write_backup(&self, ctx: &Ctx, out: &Path) -> Result<BackupView> {
        let db_file = self.db.require_file("备份")?;
        if out.exists() {
            return Err(Error::Invalid(format!(
                "备份文件 {} 已存在，请换一个文件名",
                out.display()
            )));
        }
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir).await?;
        }
        // An encrypted database's copy is encrypted with the same key (SQLCipher).
        sqlx::query("VACUUM INTO $1")
            .bind(out.to_string_lossy().to_string())
            .execute(self.db.pool())
            .await?;
        let pool = open_read_only(out, db_file).await?;
        let check = verify_pool(&pool).await;
        pool.close().await;
        let check = check?;
        if !check.ok {
            let _ = tokio::fs::remove_file(out).await;
            return Err(Error::Corrupt(format!(
                "备份文件校验未通过：{}",
                check.problems.join("；")
            )));
        }
        let size = tokio::fs::metadata(out).await?.len();
        let mut tx = self.db.write().await?;
        event(
            &mut tx,
            ctx,
            None,
            "backup",
            &format!("备份到 {}", out.display()),
            None,
            Some(json!({ "path": out.display().to_string(), "size": size })),
        )
        .await?;
        tx.commit().await?;
        Ok(BackupView {
            path: out.display().to_string(),
            size,
            events_checked: check.events_checked,
        })
    }

    /// The automatic backup: at most one a day into `dir`, then rotation. Returns the new
    /// backup, or `None` when today's exists already.
    pub async fn auto_backup(
        &self,
        ctx: &Ctx,
        dir: &Path,
        rotation: Rotation,
    ) -> Result<Option<BackupView>> {
        let today = ctx.now.date_naive();
        let target = dir.join(auto_name(today));
        if target.exists() {
            return Ok(None);
        }
        let made = self.write_backup(ctx, &target).await?;
        let mut dates = Vec::new();
        let mut entries = tokio::fs::read_dir(dir).await?;
        while let Some(e) = entries.next_entry().await? {
            if let Some(d) = e.file_name().to_str().and_then(auto_date) {
                dates.push(d);
            }
        }
        for d in to_delete(dates, rotation) {
            tokio::fs::remove_file(dir.join(auto_name(d))).await?;
        }
        Ok(Some(made))
    }

    /// Replaces the database at `target` with the backup at `backup`, after checking the
    /// backup (integrity and event chain). The old file is kept beside it as
    /// `<name>.before-restore-<time>`. No program may have `target` open meanwhile.
    pub async fn restore(
        backup: &Path,
        target: &Path,
        now: DateTime<FixedOffset>,
    ) -> Result<RestoreView> {
        let check = Service::check_backup_for(backup, target).await?;
        let kept: Option<PathBuf> = if target.exists() {
            let name = target
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let kept = target.with_file_name(format!(
                "{name}.before-restore-{}",
                now.format("%Y%m%d-%H%M%S")
            ));
            std::fs::rename(target, &kept)?;
            for suffix in ["-wal", "-shm"] {
                let side = target.with_file_name(format!("{name}{suffix}"));
                if side.exists() {
                    std::fs::rename(
                        &side,
                        kept.with_file_name(format!(
                            "{}{suffix}",
                            kept.file_name().unwrap_or_default().to_string_lossy()
                        )),
                    )?;
                }
            }
            Some(kept)
        } else {
            None
        };
        std::fs::copy(backup, target)?;
        Ok(RestoreView {
            restored: target.display().to_string(),
            from: backup.display().to_string(),
            previous_kept_as: kept.map(|p| p.display().to_string()),
            events_checked: check.events_checked,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_keeps_30_daily_and_12_monthly() {
        let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let dates: Vec<NaiveDate> = start.iter_days().take(700).collect();
        let gone = to_delete(dates.clone(), Rotation::default());
        let kept: Vec<NaiveDate> = dates.into_iter().filter(|d| !gone.contains(d)).collect();
        // 30 newest days span this month and part of the last; 12 months in all.
        assert_eq!(kept.len(), 30 + 12 - 2);
        let months: std::collections::BTreeSet<_> =
            kept.iter().map(|d| (d.year(), d.month())).collect();
        assert_eq!(months.len(), 12);
        assert_eq!(auto_date(&auto_name(start)), Some(start));
        assert_eq!(auto_date("wenzheng-2026.db"), None);
    }
}
