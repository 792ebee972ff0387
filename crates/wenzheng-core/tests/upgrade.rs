//! Upgrading a database written by the previous version: a `VACUUM INTO` copy is written
//! before the pending migrations run, every case survives, and nothing is copied when
//! there is nothing to upgrade (a new file, a current one, or one from a newer program).

mod common;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use common::{ctx_at, sqlite_only, sqlite_pool};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use wenzheng_core::db::{upgrade_backup_path, MIGRATOR};
use wenzheng_core::service::ListFilter;
use wenzheng_core::{Error, Service};

/// The titles the previous version's database holds.
const TITLES: [&str; 3] = ["村道路灯损坏", "学校门口积水", "菜市场噪音扰民"];

/// A database as the previous program left it: every migration but the newest applied,
/// and three cases registered (written with the schema of that time).
async fn previous_version_db(path: &Path) -> usize {
    let older: Vec<_> = MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .cloned()
        .collect();
    let applied = older.len() - 1;
    let migrator = Migrator {
        migrations: Cow::Owned(older[..applied].to_vec()),
        ..Migrator::DEFAULT
    };
    let pool = sqlite_pool(path).await;
    migrator.run(&pool).await.unwrap();
    for (i, title) in TITLES.iter().enumerate() {
        sqlx::query(
            "INSERT INTO cases (number, source, title, content, category, complexity, status,
                    received_at, registered_at, registered_by, ack_due, reply_due,
                    working_days, calendar_complete)
             VALUES ($1, '网络问政平台', $2, '内容', '民生', 'ordinary', 'pending',
                     '2026-11-02T09:00:00+08:00', '2026-11-02T09:30:00+08:00', 1,
                     '2026-11-03T09:30:00+08:00', '2026-11-11', 7, 1)",
        )
        .bind(format!("WZ-2026-{:06}", i + 1))
        .bind(title)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;
    applied
}

async fn count(path: &Path, sql: &str) -> i64 {
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    let n = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

fn copies(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".before-upgrade-"))
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn an_upgrade_copies_the_old_file_first_and_keeps_every_case() {
    if sqlite_only(
        "an_upgrade_copies_the_old_file_first_and_keeps_every_case",
        "升级前在文件旁写副本（服务器由管理员用 pg_dump 备份）",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wenzheng.db");
    let applied = previous_version_db(&path).await;

    let svc = Service::open(&path).await.unwrap();
    let copy = dir.path().join(format!(
        "wenzheng.db.before-upgrade-{}.db",
        env!("CARGO_PKG_VERSION")
    ));
    assert_eq!(svc.db().upgrade_backup(), Some(copy.as_path()));
    assert_eq!(copies(dir.path()), vec![copy.clone()]);

    // The copy is the database as it was: the old migrations and the cases.
    assert_eq!(
        count(&copy, "SELECT COUNT(*) FROM _sqlx_migrations").await,
        applied as i64
    );
    assert_eq!(count(&copy, "SELECT COUNT(*) FROM cases").await, 3);

    // The upgraded database has every migration and every case, readable by the services.
    let ctx = ctx_at(&svc, "2026-11-27 09:00").await;
    let mut titles: Vec<String> = svc
        .list_cases(&ctx, &ListFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.title)
        .collect();
    titles.sort();
    let mut expected: Vec<String> = TITLES.iter().map(|t| t.to_string()).collect();
    expected.sort();
    assert_eq!(titles, expected);
    let case = svc.case(&ctx, "WZ-2026-000002").await.unwrap();
    assert_eq!(case.title, "学校门口积水");
    svc.shutdown().await;
    assert_eq!(
        count(&path, "SELECT COUNT(*) FROM _sqlx_migrations").await,
        applied as i64 + 1
    );

    // Opening the now current file again copies nothing.
    let svc = Service::open(&path).await.unwrap();
    assert_eq!(svc.db().upgrade_backup(), None);
    svc.shutdown().await;
    assert_eq!(copies(dir.path()), vec![copy]);
}

#[tokio::test]
async fn a_new_database_is_not_copied() {
    if sqlite_only(
        "a_new_database_is_not_copied",
        "升级前在文件旁写副本（服务器由管理员用 pg_dump 备份）",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let svc = Service::open(&dir.path().join("new.db")).await.unwrap();
    assert_eq!(svc.db().upgrade_backup(), None);
    svc.shutdown().await;
    assert!(copies(dir.path()).is_empty());
}

#[tokio::test]
async fn a_second_copy_of_the_same_version_gets_a_new_name() {
    if sqlite_only(
        "a_second_copy_of_the_same_version_gets_a_new_name",
        "升级前在文件旁写副本（服务器由管理员用 pg_dump 备份）",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wenzheng.db");
    let first = upgrade_backup_path(&path);
    std::fs::write(&first, b"earlier copy").unwrap();
    previous_version_db(&path).await;
    let svc = Service::open(&path).await.unwrap();
    let second = svc.db().upgrade_backup().unwrap().to_path_buf();
    svc.shutdown().await;
    assert_eq!(
        second.file_name().unwrap().to_string_lossy(),
        format!(
            "wenzheng.db.before-upgrade-{}-2.db",
            env!("CARGO_PKG_VERSION")
        )
    );
    assert_eq!(
        std::fs::read(&first).unwrap(),
        b"earlier copy",
        "an earlier copy is never overwritten"
    );
    assert_eq!(count(&second, "SELECT COUNT(*) FROM cases").await, 3);
}

#[tokio::test]
async fn a_database_from_a_newer_program_is_neither_copied_nor_opened() {
    if sqlite_only(
        "a_database_from_a_newer_program_is_neither_copied_nor_opened",
        "升级前在文件旁写副本（服务器由管理员用 pg_dump 备份）",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wenzheng.db");
    previous_version_db(&path).await;
    let pool = sqlite_pool(&path).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (29991231000000, 'from the future', 1, x'00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let err = Service::open(&path).await.unwrap_err();
    assert!(
        matches!(err, Error::NewerVersion(29991231000000)),
        "{err:?}"
    );
    assert!(copies(dir.path()).is_empty());
}
