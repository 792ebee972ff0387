//! Faults give a clear Chinese message and do no damage: a corrupted file, a database from
//! a newer version, a full disk and a read-only database.

mod common;

use common::{ctx_at, dump, fresh, sqlite_only};
use sqlx::AnyConnection;
use wenzheng_core::db::{Backend, Location};
use wenzheng_core::{Error, Service};

#[tokio::test]
async fn a_corrupted_file_is_refused_untouched() {
    if sqlite_only("a_corrupted_file", "损坏的数据库文件") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.db");
    let junk: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&path, &junk).unwrap();
    let err = Service::open(&path).await.unwrap_err();
    assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("已损坏") && msg.contains("wenzheng restore"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        junk,
        "the damaged file is left as it was"
    );
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_not_opened() {
    let (db, svc) = fresh().await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (29991231000000, 'from the future', $1, $2, 0)",
    )
    .bind(true)
    .bind(vec![0u8])
    .execute(svc.db().pool())
    .await
    .unwrap();
    let before = dump(&svc).await;
    svc.shutdown().await;
    let err = Service::connect(&db.location()).await.unwrap_err();
    assert!(
        matches!(err, Error::NewerVersion(29991231000000)),
        "{err:?}"
    );
    assert!(err.to_string().contains("更新版本的程序"), "{err}");
    // Still intact: a raw look shows the same rows.
    let url = match db.location() {
        Location::File(path) => format!("sqlite://{}", path.display()),
        Location::Server(url) => url,
    };
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert_eq!(
        n as usize,
        before
            .iter()
            .filter(|r| r.starts_with("_sqlx_migrations"))
            .count()
    );
}

#[tokio::test]
async fn a_full_disk_and_a_read_only_file_say_so_and_roll_back() {
    let (_dir, svc) = fresh().await;
    let ctx = ctx_at(&svc, "2026-11-27 09:00").await;
    svc.add_unit(&ctx, "甲办").await.unwrap();
    let before = dump(&svc).await;
    let mut conn = svc.db().pool().acquire().await.unwrap();
    if svc.db().backend() == Backend::Postgres {
        // A server cannot be filled from a test; a read-only one (a standby, or one set
        // read-only by its administrator) answers SQLSTATE 25006, told as ReadOnly.
        eprintln!("跳过磁盘已满的检查（仅 SQLite）：测试无法填满服务器的磁盘");
        sqlx::query("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            .execute(&mut *conn)
            .await
            .unwrap();
    } else {
        full_disk(&mut conn).await;
        sqlx::query("PRAGMA query_only = 1")
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    let err: Error = sqlx::query("INSERT INTO units (name, created_at) VALUES ('乙办', 'x')")
        .execute(&mut *conn)
        .await
        .unwrap_err()
        .into();
    assert!(matches!(err, Error::ReadOnly), "{err:?}");
    assert_eq!(err.code(), "read_only");
    drop(conn.detach());
    assert_eq!(dump(&svc).await, before, "nothing was written");
}

/// SQLite reports a full disk when the page limit is reached: the same error path.
async fn full_disk(conn: &mut AnyConnection) {
    let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    sqlx::query(&format!("PRAGMA max_page_count = {pages}"))
        .execute(&mut *conn)
        .await
        .unwrap();
    let big = "满".repeat(200_000);
    let err: Error = sqlx::query(
        "INSERT INTO units (name, created_at) VALUES ($1, '2026-11-27T09:00:00+08:00')",
    )
    .bind(&big)
    .execute(&mut *conn)
    .await
    .unwrap_err()
    .into();
    assert!(matches!(err, Error::DiskFull), "{err:?}");
    assert!(err.to_string().starts_with("磁盘空间已满"), "{err}");
}
