//! Encryption at rest (cargo feature `encryption`): the database file is a SQLCipher file,
//! opened with a 256-bit raw key set by `PRAGMA key` first on every connection.
//!
//! The key of a database comes from `$WENZHENG_DB_KEY` (an explicit override for scripts
//! and CI) or else from the OS keyring (service `cn.gov.wenzheng`, account = the
//! database's absolute path). A file that starts with SQLite's plaintext header is opened
//! without a key, so an office that has not turned encryption on works as before.

use std::path::{Path, PathBuf};

use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::SqlitePool;

use crate::db::APP_ID;
use crate::error::{Error, Result};

/// Environment variable holding a database key (64 hexadecimal digits); when set it is
/// used instead of the keyring.
pub const KEY_ENV: &str = "WENZHENG_DB_KEY";

/// The first 16 bytes of every plaintext SQLite file.
const PLAINTEXT_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// A 256-bit database key, kept as 64 lowercase hexadecimal digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Key(String);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    /// A new random key from the OS random source.
    pub fn generate() -> Result<Key> {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes)
            .map_err(|e| Error::Key(format!("无法生成随机密钥：{e}")))?;
        Ok(Key(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    /// Parses a key written as 64 hexadecimal digits (spaces and dashes ignored, so a
    /// key copied from paper in groups is accepted).
    pub fn parse(text: &str) -> Result<Key> {
        let hex: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_ascii_lowercase();
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Error::Key(
                "数据库密钥格式不对：应为 64 位十六进制数字（0-9、a-f）".to_owned(),
            ));
        }
        Ok(Key(hex))
    }

    /// The key as 64 hexadecimal digits (for the keyring and the sealed paper copy).
    pub fn hex(&self) -> &str {
        &self.0
    }

    /// SQLCipher's raw-key literal `x'…'` (used as a value: no key derivation).
    fn literal(&self) -> String {
        format!("x'{}'", self.0)
    }

    /// The value of `PRAGMA key = …` (sqlx writes it as is, so it is quoted here).
    pub(crate) fn pragma_value(&self) -> String {
        format!("\"{}\"", self.literal())
    }
}

/// True when `path` is an existing file with SQLite's plaintext header.
pub fn is_plaintext(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .map(|()| &head == PLAINTEXT_HEADER)
        .unwrap_or(false)
}

/// The keyring account of a database: its absolute path.
pub fn keyring_account(db: &Path) -> String {
    std::path::absolute(db)
        .unwrap_or_else(|_| db.to_path_buf())
        .display()
        .to_string()
}

fn keyring_entry(db: &Path) -> Result<keyring::Entry> {
    keyring::Entry::new(APP_ID, &keyring_account(db))
        .map_err(|e| Error::Key(format!("无法使用系统密钥环：{e}")))
}

/// Where a key was found or stored, in words for the user.
pub fn keyring_location(db: &Path) -> String {
    format!("系统密钥环（服务 {APP_ID}，账户 {}）", keyring_account(db))
}

/// The key to open `db` (or a backup of it) with: `None` for a plaintext file, and for a
/// new file unless `$WENZHENG_DB_KEY` is set. An encrypted file without a key available
/// is refused in Chinese.
pub fn key_for(file: &Path, db: &Path) -> Result<Option<Key>> {
    if is_plaintext(file) {
        return Ok(None);
    }
    if let Some(text) = std::env::var_os(KEY_ENV).filter(|v| !v.is_empty()) {
        return Key::parse(&text.to_string_lossy()).map(Some);
    }
    if !file.exists()
        || std::fs::metadata(file)
            .map(|m| m.len() == 0)
            .unwrap_or(true)
    {
        return Ok(None);
    }
    match keyring_entry(db)?.get_password() {
        Ok(text) => Key::parse(&text).map(Some),
        Err(keyring::Error::NoEntry) => Err(Error::Key(format!(
            "数据库 {} 已加密，但{}中没有它的密钥，环境变量 {KEY_ENV} 也未设置。\
             请用密封保存的纸质密钥设置 {KEY_ENV} 后再打开",
            file.display(),
            keyring_location(db)
        ))),
        Err(e) => Err(Error::Key(format!(
            "数据库 {} 已加密，但无法从系统密钥环读取密钥（{e}）。请确认已登录桌面（密钥环已解锁），\
             或用密封保存的纸质密钥设置环境变量 {KEY_ENV}",
            file.display()
        ))),
    }
}

/// Connects `pool` to `file` with `options`, setting the key of `db` first (sqlx runs
/// `PRAGMA key` before every other statement on each new connection) when the file is
/// encrypted. A wrong key is refused in Chinese.
pub(crate) async fn connect(
    pool: SqlitePoolOptions,
    options: SqliteConnectOptions,
    file: &Path,
    db: &Path,
) -> Result<SqlitePool> {
    let key = key_for(file, db)?;
    let options = match &key {
        Some(key) => options.pragma("key", key.pragma_value()),
        None => options,
    };
    let keyed = key.is_some();
    let pool = pool
        .connect_with(options)
        .await
        .map_err(|e| explain(e, keyed, file))?;
    if keyed {
        // A read-only open sets no PRAGMA that reads the file: read it once here, so a
        // wrong key is told as such rather than as a damaged file later.
        sqlx::query("SELECT count(*) FROM sqlite_master")
            .execute(&pool)
            .await
            .map_err(|e| explain(e, keyed, file))?;
    }
    Ok(pool)
}

/// Turns SQLite's "file is not a database" on a keyed open into a wrong-key message.
pub(crate) fn explain(e: sqlx::Error, keyed: bool, file: &Path) -> Error {
    let not_a_db = e
        .as_database_error()
        .and_then(|d| d.code())
        .and_then(|c| c.parse::<i32>().ok())
        .is_some_and(|c| c & 0xff == 26);
    if keyed && not_a_db {
        Error::Key(format!(
            "数据库密钥不正确（或加密的文件已损坏），无法打开 {}，文件未被修改。请检查系统密钥环中的密钥或环境变量 {KEY_ENV}",
            file.display()
        ))
    } else {
        Error::from(e)
    }
}

/// Writes a copy of the open plaintext database `pool` to `out`, encrypted with `key`,
/// with `sqlcipher_export` (`VACUUM INTO` would write plaintext from a plaintext database;
/// from an encrypted one it writes a copy encrypted with the same key, which is what
/// backups use).
pub(crate) async fn export_encrypted(pool: &sqlx::AnyPool, key: &Key, out: &Path) -> Result<()> {
    let out_text = out.to_string_lossy().into_owned();
    let mut conn = pool.acquire().await?;
    sqlx::query("ATTACH DATABASE $1 AS wz_copy KEY $2")
        .bind(out_text)
        .bind(key.literal())
        .execute(&mut *conn)
        .await?;
    let exported = sqlx::query("SELECT sqlcipher_export('wz_copy')")
        .execute(&mut *conn)
        .await;
    let detached = sqlx::query("DETACH DATABASE wz_copy")
        .execute(&mut *conn)
        .await;
    exported?;
    detached?;
    Ok(())
}

/// What `wenzheng encrypt` did.
#[derive(Debug, Clone, Serialize)]
pub struct EncryptView {
    /// The database, now encrypted.
    pub database: String,
    /// Where the key is kept, in words.
    pub key_location: String,
    /// The generated key (64 hexadecimal digits), shown once for the sealed paper copy;
    /// absent when the key came from the environment.
    pub key: Option<String>,
    /// The plaintext database, kept beside it (absent when it was removed).
    pub plaintext_kept_as: Option<String>,
    /// True when the plaintext file was overwritten and deleted at the administrator's request.
    pub plaintext_removed: bool,
    /// Events whose chain was checked in the encrypted copy.
    pub events_checked: usize,
}

/// Where the plaintext file goes: `<name>.before-encrypt-<time>`.
pub fn kept_path(db: &Path, stamp: &str) -> PathBuf {
    let name = db
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "wenzheng.db".to_owned());
    db.with_file_name(format!("{name}.before-encrypt-{stamp}"))
}

/// Stores `key` as the key of `db` in the OS keyring.
pub fn store_in_keyring(db: &Path, key: &Key) -> Result<()> {
    keyring_entry(db)?.set_password(key.hex()).map_err(|e| {
        Error::Key(format!(
            "无法把密钥存入系统密钥环（{e}），数据库未做任何更改。没有密钥环的电脑可用 --key-env 从环境变量 {KEY_ENV} 取密钥"
        ))
    })
}

/// Overwrites `path` with zeros, flushes it to disk and deletes it. (On SSDs and
/// copy-on-write file systems old blocks may survive; whole-disk encryption covers that.)
pub fn overwrite_and_remove(path: &Path) -> Result<()> {
    use std::io::Write;
    let len = std::fs::metadata(path)?.len();
    let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
    let zeros = vec![0u8; 1 << 16];
    let mut left = len;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        f.write_all(&zeros[..n])?;
        left -= n as u64;
    }
    f.sync_all()?;
    drop(f);
    std::fs::remove_file(path)?;
    Ok(())
}
