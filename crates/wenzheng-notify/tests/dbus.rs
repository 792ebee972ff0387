//! The watch's pass against a real session D-Bus: a private `dbus-daemon`, a recording
//! `org.freedesktop.Notifications` server on it (zbus), a real SQLite file, and the real
//! notify-rust calls of `wenzheng_notify::run_once`. Checks the Chinese texts that arrive,
//! that a restart raises nothing again, that a changed situation is raised, that a
//! notification the desktop could not take is in the bell at once and tried again rather
//! than lost, that a flood is folded into one notification, that clicking a
//! notification (the server's `ActionInvoked` signal) calls back with its case, and that a
//! user signed in on two PCs gets each notification once.

use std::sync::{Arc, Mutex};

use wenzheng_core::clock::parse_local;
use wenzheng_core::service::{Assignment, NewCase};
use wenzheng_core::{Ctx, Service};
use wenzheng_notify::{run_once, OnOpen, APP_NAME};

#[path = "support/session_bus.rs"]
mod session_bus;
use session_bus::{notification_server, Bus, Log};

fn ctx(actor: &wenzheng_core::Actor, t: &str) -> Ctx {
    Ctx {
        actor: actor.clone(),
        now: parse_local(t).unwrap(),
    }
}

fn summaries(got: &Log) -> Vec<String> {
    got.lock()
        .unwrap()
        .iter()
        .map(|r| r.summary.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_arrive_once_across_restarts() {
    let bus = Bus::start();
    // The only test in this binary: notify-rust connects to the session bus named here.
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &bus.address);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("watch.db");
    let svc = Service::open(&path).await.unwrap();
    let admin = svc.actor(None).await.unwrap();

    // Case 1: registered Thursday 26 Nov 2026 12:00, acknowledgment due Friday 12:00.
    let c1 = svc
        .register(
            &ctx(&admin, "2026-11-26 12:00"),
            NewCase {
                title: "村道路灯损坏".into(),
                content: "主干道路灯已坏一个月".into(),
                ..NewCase::default()
            },
        )
        .await
        .unwrap();
    // Case 2: received Tuesday 17 Nov, 7 working days → due Thursday 26 Nov; assigned,
    // so on Friday 27 Nov it has just become overdue. A leader wrote on it that morning.
    let early = ctx(&admin, "2026-11-17 10:00");
    let c2 = svc
        .register(
            &early,
            NewCase {
                title: "小区垃圾无人清运".into(),
                content: "垃圾堆放一周".into(),
                ..NewCase::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(c2.reply_due, "2026-11-26");
    svc.acknowledge(&early, &c2.number, None).await.unwrap();
    svc.add_unit(&early, "镇环卫所").await.unwrap();
    svc.assign(
        &early,
        &c2.number,
        Assignment {
            units: vec!["镇环卫所".into()],
            lead: None,
            requirements: None,
        },
    )
    .await
    .unwrap();
    svc.instruct(
        &ctx(&admin, "2026-11-27 08:50"),
        &c2.number,
        "张镇长",
        "请环卫所今日清运完毕",
    )
    .await
    .unwrap();

    let morning = ctx(&admin, "2026-11-27 09:30");
    let opened: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let on_open: OnOpen = {
        let opened = opened.clone();
        Arc::new(move |case| opened.lock().unwrap().push(case))
    };

    // No notification service on the bus yet: nothing is shown, but everything is
    // recorded — the bell has it — and waits for the desktop.
    let pass = run_once(&svc, &morning, Some(on_open.clone()))
        .await
        .unwrap();
    assert!(pass.shown.is_empty());
    assert_eq!(pass.recorded.len(), 4);
    assert!(
        pass.failed.is_some(),
        "a missing notification service is reported"
    );
    assert_eq!(svc.bell(&morning).await.unwrap().unread, 4);
    assert!(svc.due_report(&morning).await.unwrap().notices.is_empty());
    assert_eq!(svc.undelivered(&morning).await.unwrap().len(), 4);

    // Now a notification server takes the name.
    let (server, got) = notification_server(&bus).await;

    let pass = run_once(&svc, &morning, Some(on_open.clone()))
        .await
        .unwrap();
    assert_eq!(pass.failed, None);
    assert!(pass.recorded.is_empty());
    assert_eq!(pass.shown.len(), 4);
    assert_eq!(
        (
            pass.counts.due_today,
            pass.counts.overdue,
            pass.counts.pending
        ),
        (1, 1, 1)
    );
    let n1 = &c1.number;
    let n2 = &c2.number;
    let texts: Vec<(String, String, String)> = got
        .lock()
        .unwrap()
        .iter()
        .map(|r| (r.app.clone(), r.summary.clone(), r.body.clone()))
        .collect();
    assert_eq!(
        texts,
        vec![
            (
                APP_NAME.to_string(),
                "今日到期 1 件，已超期 1 件，待受理 1 件".to_string(),
                format!("2026年11月27日，请及时处理。\n超期案件：{n2}"),
            ),
            (
                APP_NAME.to_string(),
                format!("案件 {n2} 已超过答复期限，尚未答复"),
                "小区垃圾无人清运\n答复期限：2026年11月26日 24:00\n承办单位：镇环卫所".to_string(),
            ),
            (
                APP_NAME.to_string(),
                format!("案件 {n1} 将于今日 12:00 前到期未受理"),
                "村道路灯损坏\n受理期限：今日 12:00（登记后 24 小时）".to_string(),
            ),
            (
                APP_NAME.to_string(),
                format!("案件 {n2} 有新的领导批示"),
                "张镇长批示：请环卫所今日清运完毕".to_string(),
            ),
        ]
    );
    // Each offers the default action: clicking it opens the case (or the workbench).
    let actions: Vec<Vec<String>> = got.lock().unwrap()[..2]
        .iter()
        .map(|r| r.actions.clone())
        .collect();
    assert_eq!(
        actions,
        [
            vec!["default".to_string(), "打开工作台".to_string()],
            vec!["default".to_string(), "打开案件".to_string()],
        ]
    );

    // The user clicks the second notification (id 2, case 2): the server emits
    // ActionInvoked, and the callback gets the case. (Sent until it arrives: the waiting
    // task subscribes right after the notification was shown.)
    click(&server, 2, &opened).await;
    assert_eq!(*opened.lock().unwrap(), [Some(c2.number.clone())]);

    // Restart: a new process opens the same file and looks again a little later.
    svc.shutdown().await;
    let svc = Service::open(&path).await.unwrap();
    let pass = run_once(&svc, &ctx(&admin, "2026-11-27 09:45"), None)
        .await
        .unwrap();
    assert!(
        pass.recorded.is_empty() && pass.shown.is_empty(),
        "repeated after restart: {pass:?}"
    );
    assert_eq!(got.lock().unwrap().len(), 4);

    // The situation changes: at 12:01 case 1 is overdue — raised once.
    let noon = ctx(&admin, "2026-11-27 12:01");
    run_once(&svc, &noon, None).await.unwrap();
    run_once(&svc, &noon, None).await.unwrap();
    let all = summaries(&got);
    assert_eq!(all.len(), 5, "{all:?}");
    assert_eq!(all[4], format!("案件 {n1} 已超过受理期限，尚未受理"));

    // What was raised is on record in the file: a fresh look raises nothing.
    let report = svc
        .due_report(&ctx(&admin, "2026-11-27 12:05"))
        .await
        .unwrap();
    assert!(report.notices.is_empty(), "{:?}", report.notices);

    // A flood: six messages registered the evening before, all due for acknowledgment
    // by 20:00. At 16:30 one pass has six new notices (more than the threshold of 5):
    // one folded notification, all six in the bell.
    let evening = ctx(&admin, "2026-11-26 20:00");
    for n in 1..=6 {
        svc.register(
            &evening,
            NewCase {
                title: format!("留言{n}"),
                content: "内容".into(),
                ..NewCase::default()
            },
        )
        .await
        .unwrap();
    }
    let later = ctx(&admin, "2026-11-27 16:30");
    let pass = run_once(&svc, &later, Some(on_open.clone())).await.unwrap();
    assert_eq!(pass.recorded.len(), 6);
    assert_eq!(pass.shown.len(), 1);
    let all = summaries(&got);
    assert_eq!(all.len(), 6, "{all:?}");
    assert_eq!(all[5], "另有 6 件案件需要处理，请在工作台查看");
    assert!(svc.undelivered(&later).await.unwrap().is_empty());
    assert_eq!(svc.bell(&later).await.unwrap().unread, 11);
    // Clicking the folded one opens the workbench (no case).
    click(&server, 6, &opened).await;
    assert_eq!(*opened.lock().unwrap(), [Some(c2.number.clone()), None]);

    // Several PCs on one store: notifications are raised per user. 李四 is signed in on
    // two other PCs (two more Services on the same file) whose watches run at once: he
    // gets what was raised today once — on one of them, not on both.
    svc.add_user(
        &later,
        wenzheng_core::service::NewUser {
            login: "lisi".into(),
            display_name: "李四".into(),
            role: "clerk".into(),
            unit: None,
            password: None,
        },
    )
    .await
    .unwrap();
    let li = svc.actor(Some("lisi")).await.unwrap();
    let (pc2, pc3) = (
        Service::open(&path).await.unwrap(),
        Service::open(&path).await.unwrap(),
    );
    let before = got.lock().unwrap().len();
    let at = ctx(&li, "2026-11-27 16:31");
    let (first, second) = tokio::join!(run_once(&pc2, &at, None), run_once(&pc3, &at, None));
    let shown = [first.unwrap().shown.len(), second.unwrap().shown.len()];
    assert!(
        shown.contains(&0) && shown.iter().sum::<usize>() > 0,
        "raised on both PCs of one user: {shown:?}"
    );
    assert_eq!(
        got.lock().unwrap().len(),
        before + shown.iter().sum::<usize>()
    );
    assert!(pc2.undelivered(&at).await.unwrap().is_empty());
    assert!(run_once(&pc3, &at, None).await.unwrap().shown.is_empty());
    // The administrator's were not touched by 李四's.
    assert!(svc.undelivered(&later).await.unwrap().is_empty());
    pc2.shutdown().await;
    pc3.shutdown().await;
    svc.shutdown().await;
}

/// Emits `ActionInvoked(id, "default")` from the server until the callback has run once
/// more (at most 10 s).
async fn click(server: &zbus::Connection, id: u32, opened: &Arc<Mutex<Vec<Option<String>>>>) {
    let before = opened.lock().unwrap().len();
    for _ in 0..100 {
        server
            .emit_signal(
                None::<()>,
                "/org/freedesktop/Notifications",
                "org.freedesktop.Notifications",
                "ActionInvoked",
                &(id, "default"),
            )
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if opened.lock().unwrap().len() > before {
            return;
        }
    }
    panic!("the click on notification {id} never reached the callback");
}
