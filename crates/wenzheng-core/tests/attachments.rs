//! Attachments: stored once by content, listed on the case, checked when read back; as
//! files beside a SQLite database, as rows of `attachment_blobs` on a PostgreSQL server.

mod common;

use common::{ctx_at, fresh};
use wenzheng_core::db::Location;
use wenzheng_core::service::NewCase;
use wenzheng_core::{Error, Service};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n not really a picture, but bytes all the same";

#[tokio::test]
async fn attachments_are_kept_by_hash_and_checked_on_the_way_out() {
    if common::sqlite_only(
        "attachments_are_kept_by_hash_and_checked_on_the_way_out",
        "files beside the SQLite file; on a server the next test checks the rows",
    ) {
        return;
    }
    let (_dir, svc) = fresh().await;
    let a = attach_twice_and_read_back(&svc).await;
    let stored: Vec<_> = walk(&svc.attachment_dir().unwrap());
    assert_eq!(
        stored.len(),
        1,
        "the same content is stored once: {stored:?}"
    );
    std::fs::write(&stored[0], b"altered").unwrap();
    expect_altered(&svc, a).await;
    refusals(&svc).await;
}

#[tokio::test]
async fn on_a_server_attachments_are_rows_every_pc_sees() {
    let Some(admin) = common::pg_admin_url("on_a_server_attachments_are_rows_every_pc_sees") else {
        return;
    };
    let db = common::PgDb::create_on(&admin).await;
    let svc = Service::connect(&Location::parse(&db.url())).await.unwrap();
    assert_eq!(svc.attachment_dir(), None);
    let a = attach_twice_and_read_back(&svc).await;
    let pool = svc.db().pool();
    let blobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachment_blobs")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(blobs, 1, "the same content is stored once");

    // A second PC: another connection to the same server reads the same bytes.
    let other = Service::connect(&Location::parse(&db.url())).await.unwrap();
    let ctx = ctx_at(&other, "2026-11-27 10:00").await;
    assert_eq!(other.attachment(&ctx, a).await.unwrap().1, PNG);
    assert_eq!(other.check_attachments().await.unwrap().problems.len(), 0);
    other.shutdown().await;

    sqlx::query("UPDATE attachment_blobs SET content = $1")
        .bind(b"altered".to_vec())
        .execute(pool)
        .await
        .unwrap();
    expect_altered(&svc, a).await;
    refusals(&svc).await;
    svc.shutdown().await;
}

/// Attaches the same bytes under two names; returns the first attachment's id.
async fn attach_twice_and_read_back(svc: &Service) -> i64 {
    let ctx = ctx_at(svc, "2026-11-27 09:00").await;
    let case = svc
        .register(
            &ctx,
            NewCase {
                title: "截图".into(),
                content: "见附件".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let a = svc
        .attach(&ctx, &case.number, "平台截图.png", PNG)
        .await
        .unwrap();
    let b = svc
        .attach(&ctx, &case.number, "同一张图.png", PNG)
        .await
        .unwrap();
    assert_eq!(a.sha256, b.sha256);
    let d = svc.case_detail(&ctx, &case.number).await.unwrap();
    let names: Vec<&str> = d.attachments.iter().map(|a| a.file_name.as_str()).collect();
    assert_eq!(names, ["平台截图.png", "同一张图.png"]);
    assert_eq!(d.events.last().unwrap().kind, "attach");
    let (view, bytes) = svc.attachment(&ctx, a.id).await.unwrap();
    assert_eq!(
        (view.file_name.as_str(), bytes.as_slice()),
        ("平台截图.png", PNG)
    );
    let check = svc.check_attachments().await.unwrap();
    assert_eq!((check.checked, check.problems.len()), (1, 0));
    a.id
}

/// The content was altered behind the program's back: reading it and checking all say so.
async fn expect_altered(svc: &Service, id: i64) {
    let ctx = ctx_at(svc, "2026-11-27 11:00").await;
    let err = svc.attachment(&ctx, id).await.unwrap_err();
    assert!(
        matches!(err, Error::Corrupt(_)) && err.to_string().contains("已被改动"),
        "{err}"
    );
    let check = svc.check_attachments().await.unwrap();
    assert_eq!(check.problems.len(), 1, "{check:?}");
}

async fn refusals(svc: &Service) {
    let ctx = ctx_at(svc, "2026-11-27 12:00").await;
    let case = svc
        .register(
            &ctx,
            NewCase {
                title: "另一件".into(),
                content: "内容".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for (name, bytes, want) in [
        ("../../etc/passwd", &b"x"[..], "不能包含路径"),
        ("空.png", &b""[..], "空文件"),
        ("", &b"x"[..], "附件文件名不能为空"),
    ] {
        let err = svc
            .attach(&ctx, &case.number, name, bytes)
            .await
            .unwrap_err();
        assert!(err.is_refusal() && err.to_string().contains(want), "{err}");
    }
    let big = vec![0u8; 20 * 1024 * 1024 + 1];
    let err = svc
        .attach(&ctx, &case.number, "大.bin", &big)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("超过 20 MB"), "{err}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}
