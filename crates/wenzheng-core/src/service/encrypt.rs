//! Turning encryption on for an existing office (feature `encryption`): the plaintext
//! database is exported into a new SQLCipher file, verified, and swapped in.

use std::path::Path;

use serde_json::json;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use super::integrity::verify_pool;
use super::record::event;
use super::{Ctx, Service};
use crate::auth::{self, Permission};
use crate::crypt::{self, EncryptView, Key};
use crate::error::{Error, Result};

/// Where the key of the newly encrypted database comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// A new random key, stored in the OS keyring.
    Generate,
    /// The key in `$WENZHENG_DB_KEY` (not stored anywhere by the program).
    Env,
}

impl Service {
    /// Encrypts this service's plaintext database (administrators only). The key is stored
    /// first (nothing changes if that fails), the change is recorded in the history, the
    /// database is closed and exported into an encrypted file, which is verified
    /// (integrity, event chain, same number of events) before it replaces the original.
    /// The plaintext file is kept as `<name>.before-encrypt-<time>`, or overwritten and
    /// removed when `remove_plaintext`. Afterwards this service is closed.
    pub async fn encrypt(
        &self,
        ctx: &Ctx,
        source: KeySource,
        remove_plaintext: bool,
    ) -> Result<EncryptView> {
        auth::require(ctx.actor.role, Permission::Backup)?;
        let path = self.db.require_file("加密")?.to_path_buf();
        if !crypt::is_plaintext(&path) {
            return Err(Error::Invalid(format!(
                "数据库 {} 已经是加密的，不需要再加密",
                path.display()
            )));
        }
        let (key, key_location) = match source {
            KeySource::Env => {
                let text = std::env::var(crypt::KEY_ENV).map_err(|_| {
                    Error::Invalid(format!(
                        "使用了 --key-env，但环境变量 {} 未设置",
                        crypt::KEY_ENV
                    ))
                })?;
                (
                    Key::parse(&text)?,
                    format!("环境变量 {}（程序没有另存）", crypt::KEY_ENV),
                )
            }
            KeySource::Generate => {
                let key = Key::generate()?;
                crypt::store_in_keyring(&path, &key)?;
                (key, crypt::keyring_location(&path))
            }
        };
        let new = path.with_file_name(format!(
            "{}.encrypting",
            path.file_name().unwrap_or_default().to_string_lossy()
        ));
        if new.exists() {
            std::fs::remove_file(&new)?;
        }
        let mut tx = self.db.write().await?;
        event(
            &mut tx,
            ctx,
            None,
            "encrypt",
            "数据库改为加密保存（SQLCipher）",
            None,
            Some(json!({ "key_location": key_location })),
        )
        .await?;
        tx.commit().await?;
        let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
            .fetch_one(self.db.pool())
            .await?;
        crypt::export_encrypted(self.db.pool(), &key, &new).await?;
        self.db.clone().close().await;
        // sqlx may finish closing a connection after `close` returned; the last one to close
        // deletes `<name>-wal` by name, which after the swap would be the new file's log.
        let wal = sidecar(&path, "-wal");
        for _ in 0..250 {
            if !wal.exists() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }

        let checked = verify_encrypted(&new, &key, events).await;
        let checked = match checked {
            Ok(n) => n,
            Err(e) => {
                let _ = std::fs::remove_file(&new);
                return Err(e);
            }
        };
        let kept = crypt::kept_path(&path, &ctx.now.format("%Y%m%d-%H%M%S").to_string());
        std::fs::rename(&path, &kept)?;
        for suffix in ["-wal", "-shm"] {
            let side = sidecar(&path, suffix);
            if side.exists() {
                std::fs::rename(&side, sidecar(&kept, suffix))?;
            }
        }
        std::fs::rename(&new, &path)?;
        let removed = if remove_plaintext {
            crypt::overwrite_and_remove(&kept)?;
            for suffix in ["-wal", "-shm"] {
                let side = sidecar(&kept, suffix);
                if side.exists() {
                    crypt::overwrite_and_remove(&side)?;
                }
            }
            true
        } else {
            false
        };
        Ok(EncryptView {
            database: path.display().to_string(),
            key_location,
            key: (source == KeySource::Generate).then(|| key.hex().to_owned()),
            plaintext_kept_as: (!removed).then(|| kept.display().to_string()),
            plaintext_removed: removed,
            events_checked: checked,
        })
    }
}

fn sidecar(path: &Path, suffix: &str) -> std::path::PathBuf {
    path.with_file_name(format!(
        "{}{suffix}",
        path.file_name().unwrap_or_default().to_string_lossy()
    ))
}

/// Opens the new encrypted file with `key` (and only with it) and checks it.
async fn verify_encrypted(file: &Path, key: &Key, events: i64) -> Result<usize> {
    if crypt::is_plaintext(file) {
        return Err(Error::Corrupt(
            "加密后的文件仍是明文，未做任何更改".to_owned(),
        ));
    }
    let options = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .pragma("key", key.pragma_value());
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    let check = verify_pool(&pool).await;
    pool.close().await;
    let check = check?;
    if !check.ok || check.events_checked as i64 != events {
        return Err(Error::Corrupt(format!(
            "加密后的文件校验未通过，未做任何更改：{}",
            check.problems.join("；")
        )));
    }
    Ok(check.events_checked)
}
