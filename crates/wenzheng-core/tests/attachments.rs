//! Attachments: stored once by content, listed on the case, checked when read back.

mod common;

use common::{ctx_at, fresh, sqlite_only};
use wenzheng_core::service::NewCase;
use wenzheng_core::Error;

#[tokio::test]
async fn attachments_are_kept_by_hash_and_checked_on_the_way_out() {
    if sqlite_only(
        "attachments",
        "附件文件保存在数据库文件旁（服务器上存入数据库，由 pgmove 实现）",
    ) {
        return;
    }
    let (_dir, svc) = fresh().await;
    let ctx = ctx_at(&svc, "2026-11-27 09:00").await;
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
    let png = b"\x89PNG\r\n\x1a\n not really a picture, but bytes all the same".to_vec();
    let a = svc
        .attach(&ctx, &case.number, "平台截图.png", &png)
        .await
        .unwrap();
    let b = svc
        .attach(&ctx, &case.number, "同一张图.png", &png)
        .await
        .unwrap();
    assert_eq!(a.sha256, b.sha256);
    let stored: Vec<_> = walk(&svc.attachment_dir());
    assert_eq!(
        stored.len(),
        1,
        "the same content is stored once: {stored:?}"
    );

    let d = svc.case_detail(&ctx, &case.number).await.unwrap();
    let names: Vec<&str> = d.attachments.iter().map(|a| a.file_name.as_str()).collect();
    assert_eq!(names, ["平台截图.png", "同一张图.png"]);
    assert_eq!(d.events.last().unwrap().kind, "attach");

    let (_, path) = svc.attachment_file(&ctx, a.id).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), png);
    std::fs::write(&path, b"altered").unwrap();
    let err = svc.attachment_file(&ctx, a.id).await.unwrap_err();
    assert!(
        matches!(err, Error::Corrupt(_)) && err.to_string().contains("已被改动"),
        "{err}"
    );

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
