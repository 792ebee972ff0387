//! The in-app bell and the desktop bookkeeping of the deadline watch, on real SQLite files:
//! every decided notice is in the bell at once, read state is per user, the desktop is
//! tried again for what it did not take, and the flood threshold is a setting.

mod common;

use common::{ctx_at, fresh};
use wenzheng_core::service::notify::ThresholdsPatch;
use wenzheng_core::service::{NewCase, NewUser};
use wenzheng_core::{Ctx, Error};

async fn register(svc: &wenzheng_core::Service, ctx: &Ctx, title: &str) -> String {
    svc.register(
        ctx,
        NewCase {
            title: title.into(),
            content: "内容".into(),
            ..NewCase::default()
        },
    )
    .await
    .unwrap()
    .number
}

#[tokio::test]
async fn the_bell_lists_what_was_decided_and_keeps_read_state_per_user() {
    let (_dir, svc) = fresh().await;
    let reg = ctx_at(&svc, "2026-11-26 12:00").await;
    let n1 = register(&svc, &reg, "村道路灯损坏").await;
    let clerk = svc
        .add_user(
            &reg,
            NewUser {
                login: "wang".into(),
                display_name: "王小明".into(),
                role: "clerk".into(),
                unit: None,
                password: None,
            },
        )
        .await
        .unwrap();
    let morning = ctx_at(&svc, "2026-11-27 09:30").await;
    let report = svc.due_report(&morning).await.unwrap();
    assert_eq!(report.notices.len(), 2, "{:?}", report.notices);
    svc.record_notified(&morning, &report.notices)
        .await
        .unwrap();

    // In the bell at once, before any desktop took them.
    let bell = svc.bell(&morning).await.unwrap();
    assert_eq!(bell.unread, 2);
    let lines: Vec<(&str, Option<&str>, bool)> = bell
        .items
        .iter()
        .map(|i| (i.summary.as_str(), i.case_number.as_deref(), i.read))
        .collect();
    assert_eq!(
        lines,
        [
            ("今日到期 1 件，已超期 0 件，待受理 1 件", None, false),
            (
                format!("案件 {n1} 将于今日 12:00 前到期未受理").as_str(),
                Some(n1.as_str()),
                false
            ),
        ]
    );
    assert_eq!(bell.items[0].sent_at, "2026-11-27T09:30:00+08:00");

    // The administrator reads the case's notice; the clerk still has both unread.
    let key = bell.items[1].key.clone();
    let bell = svc.bell_read(&morning, Some(&key)).await.unwrap();
    assert_eq!(bell.unread, 1);
    assert!(bell.items[1].read && !bell.items[0].read);
    let wang = Ctx {
        actor: svc.actor(Some(&clerk.login)).await.unwrap(),
        now: morning.now,
    };
    assert_eq!(svc.bell(&wang).await.unwrap().unread, 2);

    // Later notices come first; 全部已读 marks everything for this user only.
    let noon = ctx_at(&svc, "2026-11-27 12:01").await;
    let report = svc.due_report(&noon).await.unwrap();
    svc.record_notified(&noon, &report.notices).await.unwrap();
    let bell = svc.bell(&wang).await.unwrap();
    assert_eq!(bell.unread, 3);
    assert_eq!(
        bell.items[0].summary,
        format!("案件 {n1} 已超过受理期限，尚未受理")
    );
    let bell = svc.bell_read(&wang, None).await.unwrap();
    assert_eq!(bell.unread, 0);
    assert!(bell.items.iter().all(|i| i.read));
    assert_eq!(svc.bell(&noon).await.unwrap().unread, 2);

    // An unknown key is refused in Chinese.
    match svc.bell_read(&wang, Some("nothing:1")).await {
        Err(Error::NotFound(m)) => assert!(m.contains("没有这条提醒"), "{m}"),
        other => panic!("{other:?}"),
    }
    svc.shutdown().await;
}

#[tokio::test]
async fn what_the_desktop_did_not_take_is_tried_again_for_a_day() {
    let (_dir, svc) = fresh().await;
    let reg = ctx_at(&svc, "2026-11-26 12:00").await;
    register(&svc, &reg, "村道路灯损坏").await;
    let morning = ctx_at(&svc, "2026-11-27 09:30").await;
    let report = svc.due_report(&morning).await.unwrap();
    svc.record_notified(&morning, &report.notices)
        .await
        .unwrap();
    // Recorded: the watch does not decide them again…
    assert!(svc.due_report(&morning).await.unwrap().notices.is_empty());
    // …but they wait for the desktop, in order.
    let waiting = svc.undelivered(&morning).await.unwrap();
    assert_eq!(waiting, report.notices);
    let first = vec![waiting[0].key.clone()];
    assert_eq!(svc.claim_delivery(&morning, &first).await.unwrap(), first);
    assert!(svc
        .claim_delivery(&morning, &first)
        .await
        .unwrap()
        .is_empty());
    let waiting = svc.undelivered(&morning).await.unwrap();
    assert_eq!(waiting, report.notices[1..]);
    // A day later it is no longer tried (it stays in the bell).
    let next_day = ctx_at(&svc, "2026-11-28 09:31").await;
    assert!(svc.undelivered(&next_day).await.unwrap().is_empty());
    assert_eq!(svc.bell(&next_day).await.unwrap().items.len(), 2);
    svc.shutdown().await;
}

#[tokio::test]
async fn the_flood_threshold_is_a_setting() {
    let (_dir, svc) = fresh().await;
    let admin = ctx_at(&svc, "2026-11-27 09:00").await;
    assert_eq!(svc.notify_settings().await.unwrap().flood_limit, 5);
    let t = svc
        .set_notify_settings(
            &admin,
            ThresholdsPatch {
                flood_limit: Some(8),
                ..ThresholdsPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(t.flood_limit, 8);
    assert_eq!(svc.notify_settings().await.unwrap().flood_limit, 8);
    match svc
        .set_notify_settings(
            &admin,
            ThresholdsPatch {
                flood_limit: Some(0),
                ..ThresholdsPatch::default()
            },
        )
        .await
    {
        Err(Error::Invalid(m)) => assert_eq!(m, "一次合并提醒的条数应在 1–50 之间，现为 0"),
        other => panic!("{other:?}"),
    }
    svc.shutdown().await;
}
