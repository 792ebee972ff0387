//! The hostile-input corpus (`tests/hostile/strings.json`, 500+ entries: script and HTML
//! injections, SQL-like strings, control characters and NUL, emoji, rare CJK of
//! Extensions B–G, right-to-left text, malformed dates, long texts) through the services:
//! nothing crashes, each refusal is a clear Chinese message, and what was stored comes back
//! byte-identical.

mod common;

use common::{ctx_at, dump, fresh};
use serde::Deserialize;
use wenzheng_core::service::{Assignment, NewCase};
use wenzheng_core::Error;

#[derive(Deserialize)]
struct Entry {
    kind: String,
    text: String,
}

fn corpus() -> Vec<Entry> {
    serde_json::from_str(include_str!("../../../tests/hostile/strings.json")).unwrap()
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn check_refusal(e: &Error, what: &str) {
    assert!(
        e.is_refusal(),
        "{what}: failed instead of being refused: {e:?}"
    );
    assert!(
        has_chinese(&e.to_string()),
        "{what}: message not in Chinese: {e}"
    );
}

#[tokio::test]
async fn the_corpus_is_stored_verbatim_or_refused_in_chinese() {
    let corpus = corpus();
    assert!(
        corpus.len() >= 500,
        "the corpus has {} entries",
        corpus.len()
    );
    let (_dir, svc) = fresh().await;
    let ctx = ctx_at(&svc, "2026-11-27 09:00").await;
    svc.add_unit(&ctx, "甲办").await.unwrap();
    let (mut stored, mut refused) = (0, 0);
    for (i, e) in corpus.iter().enumerate() {
        let what = format!(
            "#{i} {} {:?}",
            e.kind,
            e.text.chars().take(40).collect::<String>()
        );
        let input = if e.kind == "date" {
            NewCase {
                title: "日期测试".into(),
                content: "内容".into(),
                received_at: Some(e.text.clone()),
                ..Default::default()
            }
        } else {
            NewCase {
                title: e.text.chars().take(200).collect(),
                content: e.text.clone(),
                poster: Some(e.text.chars().take(100).collect()),
                source: Some(e.text.chars().take(100).collect()),
                ..Default::default()
            }
        };
        let before = dump(&svc).await;
        match svc.register(&ctx, input.clone()).await {
            Ok(v) => {
                stored += 1;
                let d = svc.case_detail(&ctx, &v.number).await.unwrap();
                if e.kind != "date" {
                    assert_eq!(d.case.title, input.title.trim(), "{what}");
                    assert_eq!(d.case.content, input.content.trim(), "{what}");
                    assert_eq!(
                        d.case.poster.as_deref(),
                        input
                            .poster
                            .as_deref()
                            .map(str::trim)
                            .filter(|p| !p.is_empty()),
                        "{what}"
                    );
                }
                // The same text through the steps that take text.
                if let Err(err) = svc.acknowledge(&ctx, &v.number, Some(&e.text)).await {
                    check_refusal(&err, &what);
                    svc.acknowledge(&ctx, &v.number, None).await.unwrap();
                }
                match svc.instruct(&ctx, &v.number, "镇长", &e.text).await {
                    Ok(_) => {
                        let d = svc.case_detail(&ctx, &v.number).await.unwrap();
                        assert_eq!(d.instructions[0].text, e.text.trim(), "{what}");
                    }
                    Err(err) => check_refusal(&err, &what),
                }
            }
            Err(err) => {
                refused += 1;
                check_refusal(&err, &what);
                assert_eq!(dump(&svc).await, before, "{what}: refused but wrote");
            }
        }
    }
    assert!(
        stored > 300 && refused > 50,
        "stored {stored}, refused {refused}"
    );
    let report = svc.verify().await.unwrap();
    assert!(report.ok, "{:?}", report.problems);
}

#[tokio::test]
async fn a_megabyte_text_is_refused_cleanly() {
    let (_dir, svc) = fresh().await;
    let ctx = ctx_at(&svc, "2026-11-27 09:00").await;
    let mb = "网".repeat(350_000); // about 1 MB of UTF-8
    let err = svc
        .register(
            &ctx,
            NewCase {
                title: "长文".into(),
                content: mb.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "留言内容不能超过 20000 个字（现有 350000 个字）"
    );
    let err = svc
        .assign(
            &ctx,
            "1",
            Assignment {
                units: vec![mb],
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    check_refusal(&err, "unit name");
}

#[tokio::test]
async fn malformed_schedule_files_are_refused() {
    let (_dir, svc) = fresh().await;
    let ctx = ctx_at(&svc, "2026-11-27 09:00").await;
    let before = dump(&svc).await;
    for bad in [
        "", "{", "[]", "null", "{\"year\":2027}", "{\"year\":\"2027\",\"papers\":[],\"days\":[]}",
        "{\"year\":2027,\"papers\":[],\"days\":[{\"name\":\"元旦\",\"date\":\"2027-13-01\",\"isOffDay\":true}]}",
        "{\"year\":2027,\"papers\":[],\"days\":[{\"name\":\"元旦\",\"date\":\"2027-01-01\",\"isOffDay\":\"yes\"}]}",
        "{\"year\":99999,\"papers\":[],\"days\":[{\"name\":\"x\",\"date\":\"2027-01-01\",\"isOffDay\":true}]}",
        "{\"year\":2027,\"papers\":[],\"days\":[{\"name\":\"\",\"date\":\"2027-01-01\",\"isOffDay\":true}]}",
        "\u{0}\u{0}\u{0}", "<script>alert(1)</script>",
    ] {
        let err = svc.import_calendar(&ctx, bad, "test").await.unwrap_err();
        check_refusal(&err, bad);
    }
    assert_eq!(dump(&svc).await, before);
}
