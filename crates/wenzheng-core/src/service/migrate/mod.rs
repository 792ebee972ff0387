//! Moving an office from its SQLite file to a PostgreSQL server (`wenzheng migrate`).
//!
//! The source file is opened read-only (nothing is written to it) and read in one read
//! transaction, so the copy is one snapshot of it. The target is migrated
//! with the PostgreSQL migrations, must hold no user data, and receives everything in ONE
//! transaction (holding the writers' lock): the seed rows its migrations wrote are replaced
//! by the source's rows, table by table in foreign-key order with their ids, in batches;
//! the attachment files beside the source become rows of `attachment_blobs`; the identity
//! sequences continue after the largest id. Before the commit every table is compared
//! (row count and an order-independent digest of its content), and so are the derived
//! tables the target's triggers rebuilt; after it, the event chain and every attachment
//! are verified on the target.

mod rows;

use std::collections::BTreeMap;
use std::path::Path;

use futures_util::TryStreamExt;
use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::SqliteConnection;
use sqlx::{Any, Transaction};

use self::rows::{batch_rows, insert_batch, target_tables, Table, TableDigest, Value};
use super::attachments::{attachment_dir_of, sha256_hex};
use super::integrity::verify_pool;
use super::Service;
use crate::db::{Location, MIGRATOR};
use crate::error::{Error, Result};

/// Tables never copied (besides the migrations' own bookkeeping): the tables derived by
/// triggers (compared instead), and the attachment contents (filled from the files).
const NOT_COPIED: [&str; 6] = [
    "case_fts",
    "case_histories",
    "case_status_counts",
    "cases_awaiting_feedback",
    "calendar_version",
    "attachment_blobs",
];

/// The derived tables and how both stores are read to compare them. `case_status_counts`
/// keeps a status at 0 once its last case left it; the copy only ever adds, so zeros are
/// left out of the comparison.
const DERIVED: [(&str, &str); 5] = [
    (
        "case_status_counts",
        "SELECT status, n FROM case_status_counts WHERE n <> 0",
    ),
    (
        "cases_awaiting_feedback",
        "SELECT case_id FROM cases_awaiting_feedback",
    ),
    (
        "case_fts",
        "SELECT rowid, title, content, replies FROM case_fts",
    ),
    (
        "calendar_version",
        "SELECT id, version FROM calendar_version",
    ),
    (
        "case_histories",
        "SELECT case_id, counted_at, entries FROM case_histories",
    ),
];

/// What `wenzheng migrate` did and found.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MigrateReport {
    /// The source file.
    pub source: String,
    /// The target server, password hidden.
    pub target: String,
    /// Every table copied: rows on each side and whether the contents are equal.
    pub tables: Vec<TableCheck>,
    /// The derived tables, rebuilt by the target's triggers: equal to the source's?
    pub derived: Vec<TableCheck>,
    /// Distinct attachment contents copied into `attachment_blobs`.
    pub attachments: usize,
    /// Events whose hash chain was verified on the target.
    pub events_checked: usize,
    /// Everything equal and verified.
    pub ok: bool,
    /// What is not, in Chinese.
    pub problems: Vec<String>,
}

/// One table compared.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TableCheck {
    /// Table name.
    pub table: String,
    /// Rows in the source.
    pub source_rows: usize,
    /// Rows in the target.
    pub target_rows: usize,
    /// Same rows (as a multiset of values).
    pub same: bool,
}

impl Service {
    /// Copies the SQLite database `from` (and its attachment files) into the PostgreSQL
    /// database at `to`, which must hold no user data, then verifies the copy. Nothing is
    /// written to `from`; if anything fails before the commit, nothing is written to `to`
    /// either (beyond its migrations).
    pub async fn migrate_to_server(from: &Path, to: &Location) -> Result<MigrateReport> {
        let Location::Server(url) = to else {
            return Err(Error::Invalid(
                "迁移的目标必须是数据库服务器地址（postgres://用户:密码@服务器/库）".into(),
            ));
        };
        let source = open_source(from).await?;
        let result = copy_and_verify(&source, from, to, url).await;
        source.close().await;
        result
    }
}

/// The source, read-only, after checking that its schema is this program's and its
/// history sound.
async fn open_source(from: &Path) -> Result<SqlitePool> {
    if !from.is_file() {
        return Err(Error::NotFound(format!(
            "源数据库文件 {} 不存在",
            from.display()
        )));
    }
    let options = SqliteConnectOptions::new().filename(from).read_only(true);
    // An encrypted file (feature `encryption`) is read with its key, found as when opening it.
    #[cfg(feature = "encryption")]
    let key = crate::crypt::key_for(from, from)?;
    #[cfg(feature = "encryption")]
    let options = match &key {
        Some(k) => options.pragma("key", k.pragma_value()),
        None => options,
    };
    #[cfg(feature = "encryption")]
    let explain = |e: sqlx::Error| crate::crypt::explain(e, key.is_some(), from);
    #[cfg(not(feature = "encryption"))]
    let explain = Error::from;
    let pool = SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await
        .map_err(explain)?;
    // A file that is not a database, or a wrong key, is told here, before anything else.
    sqlx::query("SELECT count(*) FROM sqlite_master")
        .execute(&pool)
        .await
        .map_err(explain)?;
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&pool)
            .await
            .map_err(|_| {
                Error::Invalid(format!(
                    "{} 不是本程序的数据库（没有升级记录）",
                    from.display()
                ))
            })?;
    let known: Vec<i64> = MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| m.version)
        .collect();
    if let Some(v) = applied.iter().find(|v| !known.contains(v)) {
        return Err(Error::NewerVersion(*v));
    }
    if applied != known {
        return Err(Error::Invalid(format!(
            "源数据库 {} 是旧版本程序的，请先用本版本程序打开它一次完成升级（例如 wenzheng --db {} verify），再迁移",
            from.display(),
            from.display()
        )));
    }
    let verify = verify_pool(&pool).await?;
    if !verify.ok {
        return Err(Error::Corrupt(format!(
            "源数据库校验未通过，未迁移：{}",
            verify.problems.join("；")
        )));
    }
    Ok(pool)
}

async fn copy_and_verify(
    source: &SqlitePool,
    from: &Path,
    to: &Location,
    url: &str,
) -> Result<MigrateReport> {
    let target = Service::connect(to).await?;
    let copied = copy(source, from, &target).await;
    let report = match copied {
        Ok(report) => finish(&target, report).await,
        Err(e) => Err(e),
    };
    target.shutdown().await;
    report.map(|mut r| {
        r.source = from.display().to_string();
        r.target = crate::db::redact(url);
        r
    })
}

/// Everything up to the commit.
async fn copy(source: &SqlitePool, from: &Path, target: &Service) -> Result<MigrateReport> {
    // Every read of the source in one read transaction: one snapshot of the file, even if
    // a program still had it open and wrote to it meanwhile.
    let mut snapshot = source.begin().await?;
    let source = &mut *snapshot;
    let mut tx = target.db.write().await?;
    refuse_user_data(&mut tx).await?;
    let tables = target_tables(&mut tx, &NOT_COPIED).await?;
    // The target's seed rows (built-in administrator, settings, templates, calendar) give
    // way to the source's; the events table refuses DELETE, but it is empty here.
    for t in tables.iter().rev() {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM \"{}\"", t.name))
            .fetch_one(&mut *tx)
            .await?;
        if n > 0 {
            sqlx::query(&format!("DELETE FROM \"{}\"", t.name))
                .execute(&mut *tx)
                .await?;
        }
    }
    let mut checks = Vec::new();
    for t in &tables {
        checks.push(copy_table(&mut *source, &mut tx, t).await?);
    }
    let attachments = copy_attachments(&mut *source, from, &mut tx).await?;
    let version: i64 = sqlx::query_scalar("SELECT version FROM calendar_version WHERE id = 1")
        .fetch_one(&mut *source)
        .await?;
    sqlx::query("UPDATE calendar_version SET version = $1 WHERE id = 1")
        .bind(version)
        .execute(&mut *tx)
        .await?;
    reset_sequences(&mut tx).await?;
    let mut derived = Vec::new();
    for (name, sql) in DERIVED {
        derived.push(compare_derived(&mut *source, &mut tx, name, sql).await?);
    }
    let problems: Vec<String> = checks
        .iter()
        .chain(&derived)
        .filter(|c| !c.same)
        .map(|c| {
            format!(
                "表 {} 不一致（源 {} 行，目标 {} 行）",
                c.table, c.source_rows, c.target_rows
            )
        })
        .collect();
    if !problems.is_empty() {
        tx.rollback().await?;
        return Err(Error::Corrupt(format!(
            "迁移后核对不一致，已全部撤销，目标数据库没有写入数据：{}",
            problems.join("；")
        )));
    }
    tx.commit().await?;
    snapshot.rollback().await?;
    Ok(MigrateReport {
        source: String::new(),
        target: String::new(),
        tables: checks,
        derived,
        attachments,
        events_checked: 0,
        ok: true,
        problems,
    })
}

/// After the commit: the chain and the attachments, read back from the target.
async fn finish(target: &Service, mut report: MigrateReport) -> Result<MigrateReport> {
    let verify = target.verify().await?;
    report.events_checked = verify.events_checked;
    report.problems.extend(verify.problems);
    let check = target.check_attachments().await?;
    if check.checked != report.attachments {
        report.problems.push(format!(
            "目标数据库的附件内容有 {} 份，应为 {} 份",
            check.checked, report.attachments
        ));
    }
    report.problems.extend(check.problems);
    report.ok = report.problems.is_empty();
    Ok(report)
}

/// A target that holds cases, history, units or users of its own is not overwritten.
async fn refuse_user_data(tx: &mut Transaction<'static, Any>) -> Result<()> {
    let mut found = Vec::new();
    for (what, sql) in [
        ("案件", "SELECT COUNT(*) FROM cases"),
        ("历史记录", "SELECT COUNT(*) FROM events"),
        ("承办单位", "SELECT COUNT(*) FROM units"),
        (
            "用户",
            "SELECT COUNT(*) FROM users WHERE login <> 'admin' OR password_hash IS NOT NULL",
        ),
        ("附件", "SELECT COUNT(*) FROM attachment_blobs"),
    ] {
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut **tx).await?;
        if n > 0 {
            found.push(format!("{what} {n}"));
        }
    }
    if found.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "目标数据库已有数据（{}），迁移只写入空的数据库，没有做任何修改。请在服务器上新建一个空数据库后再迁移",
            found.join("、")
        )))
    }
}

/// Copies one table in batches and compares it.
async fn copy_table(
    source: &mut SqliteConnection,
    tx: &mut Transaction<'static, Any>,
    table: &Table,
) -> Result<TableCheck> {
    let select = format!("SELECT {} FROM \"{}\"", table.column_list(), table.name);
    let mut rows = sqlx::query(&select).fetch(&mut *source);
    let mut digest = TableDigest::default();
    let mut batch: Vec<Vec<Value>> = Vec::new();
    let size = batch_rows(table.columns.len());
    while let Some(row) = rows.try_next().await.map_err(|e| {
        Error::Invalid(format!(
            "读取源数据库的表 {} 失败（与本程序的表结构不同？）：{e}",
            table.name
        ))
    })? {
        let values = table.read_sqlite(&row)?;
        digest.add(&values);
        batch.push(values);
        if batch.len() == size {
            insert_batch(tx, table, &batch).await?;
            batch.clear();
        }
    }
    insert_batch(tx, table, &batch).await?;
    let source_rows = digest.count();
    let source_digest = digest.finish();
    let (target_rows, target_digest) = target_digest(tx, table, &select).await?;
    Ok(TableCheck {
        table: table.name.clone(),
        source_rows,
        target_rows,
        same: source_rows == target_rows && source_digest == target_digest,
    })
}

/// Rows and digest of a table as the target holds it.
async fn target_digest(
    tx: &mut Transaction<'static, Any>,
    table: &Table,
    select: &str,
) -> Result<(usize, String)> {
    let mut digest = TableDigest::default();
    let mut rows = sqlx::query(select).fetch(&mut **tx);
    while let Some(row) = rows.try_next().await? {
        digest.add(&table.read_any(&row)?);
    }
    Ok((digest.count(), digest.finish()))
}

/// Compares a derived table on both stores.
async fn compare_derived(
    source: &mut SqliteConnection,
    tx: &mut Transaction<'static, Any>,
    name: &str,
    sql: &str,
) -> Result<TableCheck> {
    let full = target_tables(tx, &[]).await?;
    let table = full
        .into_iter()
        .find(|t| t.name == name)
        .ok_or_else(|| Error::Invalid(format!("目标数据库没有表 {name}")))?;
    // The columns the query reads, in its order.
    let wanted: Vec<&str> = sql["SELECT ".len()..sql.find(" FROM").unwrap_or(sql.len())]
        .split(", ")
        .collect();
    let kinds: BTreeMap<&str, rows::Kind> = table
        .columns
        .iter()
        .map(|(c, k)| (c.as_str(), *k))
        .collect();
    let view = Table {
        name: table.name.clone(),
        columns: wanted.iter().map(|c| (c.to_string(), kinds[c])).collect(),
    };
    let mut digest = TableDigest::default();
    let mut rows = sqlx::query(sql).fetch(&mut *source);
    while let Some(row) = rows.try_next().await? {
        digest.add(&view.read_sqlite(&row)?);
    }
    let source_rows = digest.count();
    let source_digest = digest.finish();
    let (target_rows, target_digest) = target_digest(tx, &view, sql).await?;
    Ok(TableCheck {
        table: name.to_owned(),
        source_rows,
        target_rows,
        same: source_rows == target_rows && source_digest == target_digest,
    })
}

/// Copies each distinct attachment content from the files beside the source into
/// `attachment_blobs`, checking each against its recorded SHA-256 first.
async fn copy_attachments(
    source: &mut SqliteConnection,
    from: &Path,
    tx: &mut Transaction<'static, Any>,
) -> Result<usize> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT sha256, MIN(stored_path), MIN(file_name) FROM attachments
         GROUP BY sha256 ORDER BY sha256",
    )
    .fetch_all(&mut *source)
    .await?;
    let dir = attachment_dir_of(from);
    for (sha, stored, name) in &rows {
        let path = dir.join(stored);
        let bytes = tokio::fs::read(&path).await.map_err(|_| {
            Error::Corrupt(format!(
                "附件“{name}”的文件 {} 不见了，未迁移（目标数据库没有写入数据）",
                path.display()
            ))
        })?;
        if sha256_hex(&bytes) != *sha {
            return Err(Error::Corrupt(format!(
                "附件“{name}”的文件 {} 内容已被改动，未迁移（目标数据库没有写入数据）",
                path.display()
            )));
        }
        sqlx::query("INSERT INTO attachment_blobs (sha256, content) VALUES ($1, $2)")
            .bind(sha.as_str())
            .bind(bytes)
            .execute(&mut **tx)
            .await?;
    }
    Ok(rows.len())
}

/// Sets every identity column's sequence after the largest id copied.
async fn reset_sequences(tx: &mut Transaction<'static, Any>) -> Result<()> {
    let identities: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND is_identity = 'YES'",
    )
    .fetch_all(&mut **tx)
    .await?;
    for (table, column) in identities {
        let sql = format!(
            "SELECT CAST(setval(pg_get_serial_sequence($1, $2),
                    COALESCE((SELECT MAX(\"{column}\") FROM \"{table}\"), 0) + 1, false) AS BIGINT)"
        );
        let _: i64 = sqlx::query_scalar(&sql)
            .bind(format!("\"{table}\""))
            .bind(column.as_str())
            .fetch_one(&mut **tx)
            .await?;
    }
    Ok(())
}
