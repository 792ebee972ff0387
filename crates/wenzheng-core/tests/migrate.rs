//! `Service::migrate_to_server`: a SQLite office (demo data and attachment files) moved to
//! a fresh PostgreSQL database: every row, the derived tables, the event chain and the
//! attachments arrive; the register, the case list, the dashboard and a monthly report read
//! the same on both; the source file is untouched; a target with data of its own and a
//! source with a missing attachment are refused, writing nothing.

mod common;

use common::ctx_at;
use sha2::{Digest, Sha256};
use wenzheng_core::db::Location;
use wenzheng_core::service::{ListFilter, NewCase};
use wenzheng_core::{Error, Service};

/// A demo office in `dir`: 300 cases, three attachments (two distinct contents).
async fn office(dir: &std::path::Path) -> std::path::PathBuf {
    let file = dir.join("office.db");
    let svc = Service::open(&file).await.unwrap();
    let ctx = ctx_at(&svc, "2026-11-20 09:00").await;
    svc.seed_demo(&ctx, 300, 7).await.unwrap();
    let numbers: Vec<String> = svc
        .list_cases(&ctx, &ListFilter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.status != "archived")
        .map(|c| c.number)
        .take(2)
        .collect();
    let png = b"\x89PNG\r\n\x1a\n screenshot".to_vec();
    svc.attach(&ctx, &numbers[0], "截图.png", &png)
        .await
        .unwrap();
    svc.attach(&ctx, &numbers[1], "同图.png", &png)
        .await
        .unwrap();
    svc.attach(&ctx, &numbers[1], "说明.txt", "居民来电记录".as_bytes())
        .await
        .unwrap();
    svc.shutdown().await;
    file
}

/// The SHA-256 of every file in `dir`, by name; SQLite's transient `-wal` / `-shm`
/// companions (created and removed by readers too) left out.
fn files(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in walkdir(dir) {
        let name = e.display().to_string();
        if name.ends_with("-wal") || name.ends_with("-shm") {
            continue;
        }
        let bytes = std::fs::read(&e).unwrap();
        let sha: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        out.push((e.display().to_string(), sha));
    }
    out.sort();
    out
}

fn walkdir(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walkdir(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[tokio::test]
async fn an_office_moves_to_the_server_with_nothing_lost() {
    let Some(admin) = common::pg_admin_url("an_office_moves_to_the_server_with_nothing_lost")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = office(dir.path()).await;
    let before = files(dir.path());
    let db = common::PgDb::create_on(&admin).await;
    let to = Location::parse(&db.url());

    let report = Service::migrate_to_server(&file, &to).await.unwrap();
    assert!(report.ok, "{:?}", report.problems);
    assert!(
        !report.target.contains(":wenzheng@"),
        "password hidden: {}",
        report.target
    );
    for t in report.tables.iter().chain(&report.derived) {
        assert!(t.same && t.source_rows == t.target_rows, "{t:?}");
    }
    let rows = |name: &str| {
        report
            .tables
            .iter()
            .chain(&report.derived)
            .find(|t| t.table == name)
            .unwrap_or_else(|| panic!("{name} not compared"))
            .target_rows
    };
    assert_eq!(rows("cases"), 300);
    assert_eq!(rows("attachments"), 3);
    assert_eq!(rows("case_fts"), 300);
    assert!(rows("events") > 300 && rows("calendar_days") > 0);
    assert_eq!(report.attachments, 2);
    assert_eq!(report.events_checked, rows("events"));
    assert_eq!(
        files(dir.path()),
        before,
        "nothing is written to the source"
    );

    // Both stores answer the same.
    let lite = Service::open(&file).await.unwrap();
    let pg = Service::connect(&to).await.unwrap();
    let (cl, cp) = (
        ctx_at(&lite, "2026-11-27 09:00").await,
        ctx_at(&pg, "2026-11-27 09:00").await,
    );
    assert_eq!(
        lite.case_register(&cl).await.unwrap(),
        pg.case_register(&cp).await.unwrap()
    );
    let all = ListFilter {
        limit: Some(1000),
        ..Default::default()
    };
    assert_eq!(
        lite.list_cases(&cl, &all).await.unwrap(),
        pg.list_cases(&cp, &all).await.unwrap()
    );
    assert_eq!(
        lite.dashboard(&cl).await.unwrap(),
        pg.dashboard(&cp).await.unwrap()
    );
    let (vl, vp) = (lite.verify().await.unwrap(), pg.verify().await.unwrap());
    assert!(vl.ok && vp.ok);
    assert_eq!(vl.events_checked, vp.events_checked);
    assert_eq!(
        lite.monthly_report(&cl, "2026-10").await.unwrap(),
        pg.monthly_report(&cp, "2026-10").await.unwrap()
    );
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM attachments ORDER BY id")
        .fetch_all(pg.db().pool())
        .await
        .unwrap();
    for id in ids {
        assert_eq!(
            lite.attachment(&cl, id).await.unwrap(),
            pg.attachment(&cp, id).await.unwrap()
        );
    }

    // The server goes on where the file stopped: new ids and numbers do not collide.
    let last = lite
        .list_cases(&cl, &all)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .max()
        .unwrap();
    let new = pg
        .register(
            &cp,
            NewCase {
                title: "迁移后的第一件".into(),
                content: "服务器上登记".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(new.id, last + 1);
    let numbers: Vec<String> = lite
        .list_cases(&cl, &all)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.number)
        .collect();
    assert!(!numbers.contains(&new.number), "{}", new.number);
    assert!(pg.verify().await.unwrap().ok);
    lite.shutdown().await;
    pg.shutdown().await;

    // A target with data is refused, untouched.
    let err = Service::migrate_to_server(&file, &to).await.unwrap_err();
    assert!(
        matches!(err, Error::Invalid(_)) && err.to_string().contains("已有数据"),
        "{err}"
    );
    let pg = Service::connect(&to).await.unwrap();
    let cases: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
        .fetch_one(pg.db().pool())
        .await
        .unwrap();
    assert_eq!(cases, 301);
    pg.shutdown().await;
}

#[tokio::test]
async fn a_missing_attachment_file_stops_the_move_before_anything_is_written() {
    let Some(admin) = common::pg_admin_url("a_missing_attachment_file_stops_the_move") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = office(dir.path()).await;
    let stored = walkdir(&dir.path().join("attachments"));
    std::fs::remove_file(&stored[0]).unwrap();
    let db = common::PgDb::create_on(&admin).await;
    let to = Location::parse(&db.url());
    let err = Service::migrate_to_server(&file, &to).await.unwrap_err();
    assert!(
        matches!(err, Error::Corrupt(_)) && err.to_string().contains("不见了"),
        "{err}"
    );
    let pg = Service::connect(&to).await.unwrap();
    for table in ["cases", "events", "attachment_blobs"] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(pg.db().pool())
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    pg.shutdown().await;

    let err = Service::migrate_to_server(&dir.path().join("nope.db"), &to)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err}");
    let err = Service::migrate_to_server(&file, &Location::parse("/tmp/x.db"))
        .await
        .unwrap_err();
    assert!(
        err.is_refusal() && err.to_string().contains("postgres://"),
        "{err}"
    );
}
