//! Several clients on one store at once: many `Service`s (each its own connection pool,
//! as several PCs or app instances would have) on one SQLite file and on one PostgreSQL
//! database. Case and document numbers stay unique and dense, the event chain stays one
//! chain, a clerk acting on a stale view of a case gets a conflict and writes nothing, and
//! each user claims each desktop notification once however many PCs they run.
//!
//! The PostgreSQL half runs when `WENZHENG_TEST_PG_URL` names a test server's admin URL
//! (`scripts/pg-test-server start` prints it); each test creates a fresh database there and
//! drops it afterwards. Without it, that half is skipped with a notice.

mod common;

use std::collections::{BTreeSet, HashSet};

use tempfile::TempDir;
use wenzheng_core::db::{Backend, Location};
use wenzheng_core::due::{Notice, NoticeKind};
use wenzheng_core::service::documents::DocKind;
use wenzheng_core::service::{Assignment, CaseRef, NewCase, NewUser};
use wenzheng_core::{Actor, Ctx, Error, Service};

use common::at;

/// Clients at once.
const CLIENTS: usize = 8;
/// Registrations per client.
const REGISTRATIONS: usize = 25;
/// Each client issues a document after this many registrations.
const DOCUMENT_EVERY: usize = 5;

/// A store for one test: a temporary SQLite file, or a fresh database on the test server
/// (dropped when this goes out of scope, also when the test fails).
enum Store {
    File(TempDir),
    Server(Box<common::PgDb>),
}

impl Store {
    fn file() -> Store {
        Store::File(tempfile::tempdir().unwrap())
    }

    /// A fresh PostgreSQL database, or `None` (with a notice) without a test server.
    async fn server(test: &str) -> Option<Store> {
        let admin = common::pg_admin_url(test)?;
        Some(Store::Server(Box::new(
            common::PgDb::create_on(&admin).await,
        )))
    }

    fn location(&self) -> Location {
        match self {
            Store::File(dir) => Location::File(dir.path().join("office.db")),
            Store::Server(db) => Location::Server(db.url()),
        }
    }

    /// A client: a `Service` with its own pool.
    async fn client(&self) -> Service {
        Service::connect(&self.location()).await.unwrap()
    }
}

/// The stores to run a test on: the SQLite file always, the server when configured.
async fn stores(test: &str) -> Vec<Store> {
    let mut all = vec![Store::file()];
    all.extend(Store::server(test).await);
    all
}

fn ctx(actor: &Actor, t: &str) -> Ctx {
    Ctx {
        actor: actor.clone(),
        now: at(t),
    }
}

/// Adds a 办公室 clerk (may do every step of a case).
async fn clerk(svc: &Service, login: &str, name: &str) -> Actor {
    let admin = svc.actor(None).await.unwrap();
    svc.add_user(
        &ctx(&admin, "2026-11-27 08:00"),
        NewUser {
            login: login.into(),
            display_name: name.into(),
            role: "clerk".into(),
            unit: None,
            password: None,
        },
    )
    .await
    .unwrap();
    svc.actor(Some(login)).await.unwrap()
}

/// The trailing number of a case number (`WZ-2026-000123`) or document number
/// (`…〔2026〕12号`).
fn seq_of(number: &str) -> i64 {
    let digits: String = number
        .trim_end_matches('号')
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_clients_at_once_keep_numbers_unique_and_dense_and_one_event_chain() {
    for store in stores("many_clients").await {
        let first = store.client().await;
        let backend = first.db().backend();
        let admin = first.actor(None).await.unwrap();
        let mut tasks = Vec::new();
        for client in 0..CLIENTS {
            let svc = store.client().await;
            let admin = admin.clone();
            tasks.push(tokio::spawn(async move {
                let ctx = ctx(&admin, "2026-11-27 09:00");
                let mut cases = Vec::new();
                let mut documents = Vec::new();
                for n in 0..REGISTRATIONS {
                    let view = svc
                        .register(
                            &ctx,
                            NewCase {
                                title: format!("第{client}台电脑的第{n}件留言"),
                                content: "路灯不亮".into(),
                                important: true,
                                ..NewCase::default()
                            },
                        )
                        .await
                        .unwrap();
                    if (n + 1) % DOCUMENT_EVERY == 0 {
                        let doc = svc
                            .issue_document(&ctx, &view.number, DocKind::Brief)
                            .await
                            .unwrap();
                        documents.push(doc.number);
                    }
                    cases.push(view.number);
                }
                svc.shutdown().await;
                (cases, documents)
            }));
        }
        let mut cases = Vec::new();
        let mut documents = Vec::new();
        for t in tasks {
            let (c, d) = t.await.unwrap();
            cases.extend(c);
            documents.extend(d);
        }
        let total = CLIENTS * REGISTRATIONS;
        let docs = CLIENTS * (REGISTRATIONS / DOCUMENT_EVERY);
        let unique: HashSet<&String> = cases.iter().collect();
        assert_eq!(unique.len(), total, "{backend:?}: duplicate case numbers");
        let seqs: BTreeSet<i64> = cases.iter().map(|n| seq_of(n)).collect();
        assert_eq!(
            seqs,
            (1..=total as i64).collect::<BTreeSet<_>>(),
            "{backend:?}: case numbers not dense"
        );
        let unique: HashSet<&String> = documents.iter().collect();
        assert_eq!(
            unique.len(),
            docs,
            "{backend:?}: duplicate document numbers"
        );
        let seqs: BTreeSet<i64> = documents.iter().map(|n| seq_of(n)).collect();
        assert_eq!(
            seqs,
            (1..=docs as i64).collect::<BTreeSet<_>>(),
            "{backend:?}: document numbers not dense"
        );
        let counted: (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM documents),
                    (SELECT COUNT(*) FROM events WHERE kind IN ('register', 'document'))",
        )
        .fetch_one(first.db().pool())
        .await
        .unwrap();
        assert_eq!(counted, (total as i64, docs as i64, (total + docs) as i64));
        let verified = first.verify().await.unwrap();
        assert!(verified.ok, "{backend:?}: {:?}", verified.problems);
        first.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_writer_holding_the_lock_queues_other_writers_but_not_readers() {
    for store in stores("writer_lock").await {
        let a = store.client().await;
        let b = store.client().await;
        let admin = a.actor(None).await.unwrap();
        let c = ctx(&admin, "2026-11-27 09:00");
        let case = a
            .register(
                &c,
                NewCase {
                    title: "村道路灯损坏".into(),
                    content: "三组路灯不亮".into(),
                    ..NewCase::default()
                },
            )
            .await
            .unwrap();

        // A opens a write transaction and holds it.
        let held = a.db().write().await.unwrap();
        // Readers go on: B reads the case and lists cases meanwhile.
        assert_eq!(b.case(&c, &case.number).await.unwrap().version, 1);
        assert_eq!(
            b.list_cases(&c, &Default::default()).await.unwrap().len(),
            1
        );
        // A writer waits for A's turn to end.
        let writer = {
            let b = b.clone();
            let c = c.clone();
            let number = case.number.clone();
            tokio::spawn(async move { b.acknowledge(&c, &number, None).await })
        };
        if b.db().backend() == Backend::Postgres {
            // The server shows B waiting on the advisory lock that A holds. Other tests
            // run at the same time on their own databases, so count this database only.
            let mut waiting: i64 = 0;
            while waiting == 0 {
                waiting = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                )
                .fetch_one(b.db().pool())
                .await
                .unwrap();
                tokio::task::yield_now().await;
            }
            assert_eq!(waiting, 1);
        } else {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
        assert!(
            !writer.is_finished(),
            "a writer ran while another held the lock"
        );
        held.commit().await.unwrap();
        let done = writer.await.unwrap().unwrap();
        assert_eq!(done.status, "acknowledged");
        assert_eq!(done.version, 2);
        a.shutdown().await;
        b.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clerks_on_one_case_the_second_gets_a_conflict_and_writes_nothing() {
    for store in stores("two_clerks").await {
        let pc_a = store.client().await;
        let pc_b = store.client().await;
        let zhang = clerk(&pc_a, "zhangsan", "张三").await;
        let li = clerk(&pc_a, "lisi", "李四").await;
        let admin = pc_a.actor(None).await.unwrap();
        pc_a.add_unit(&ctx(&admin, "2026-11-27 08:00"), "城管局")
            .await
            .unwrap();
        let case = pc_a
            .register(
                &ctx(&zhang, "2026-11-27 09:00"),
                NewCase {
                    title: "小区垃圾无人清运".into(),
                    content: "已经三天没有清运".into(),
                    ..NewCase::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(case.version, 1);

        // Both clerks open the case.
        let seen_a = pc_a
            .case(&ctx(&zhang, "2026-11-27 14:00"), &case.number)
            .await
            .unwrap();
        let seen_b = pc_b
            .case(&ctx(&li, "2026-11-27 14:01"), &case.number)
            .await
            .unwrap();
        assert_eq!((seen_a.version, seen_b.version), (1, 1));

        // 张三 acknowledges first.
        let after_a = pc_a
            .acknowledge(
                &ctx(&zhang, "2026-11-27 14:03"),
                CaseRef::seen(&case.number, seen_a.version),
                Some("您好，您的留言已收到，我们将尽快办理。"),
            )
            .await
            .unwrap();
        assert_eq!(after_a.version, 2);

        // 李四, on the page he opened before, acknowledges too: refused, nothing written.
        let events_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(pc_b.db().pool())
            .await
            .unwrap();
        let refused = pc_b
            .acknowledge(
                &ctx(&li, "2026-11-27 14:05"),
                CaseRef::seen(&case.number, seen_b.version),
                Some("李四写的受理回复"),
            )
            .await;
        let message = match refused {
            Err(Error::Conflict(m)) => m,
            other => panic!("expected a conflict, got {other:?}"),
        };
        assert!(
            message.starts_with(&format!(
                "案件 {} 已被 张三 于 11月27日 14:03 修改（受理",
                case.number
            )),
            "{message}"
        );
        assert!(
            message.ends_with("您的修改没有保存，请刷新后重做"),
            "{message}"
        );
        let events_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(pc_b.db().pool())
            .await
            .unwrap();
        assert_eq!(events_after, events_before);
        let replies: Vec<String> =
            sqlx::query_scalar("SELECT text FROM replies WHERE case_id = $1")
                .bind(case.id)
                .fetch_all(pc_b.db().pool())
                .await
                .unwrap();
        assert_eq!(replies, ["您好，您的留言已收到，我们将尽快办理。"]);

        // Any step on the stale view is refused the same way, whatever the state allows.
        let stale_assign = pc_b
            .assign(
                &ctx(&li, "2026-11-27 14:06"),
                CaseRef::seen(&case.number, seen_b.version),
                Assignment {
                    units: vec!["城管局".into()],
                    ..Assignment::default()
                },
            )
            .await;
        assert!(
            matches!(stale_assign, Err(Error::Conflict(_))),
            "{stale_assign:?}"
        );

        // 李四 reloads, sees 张三's acknowledgment, and acts again: accepted.
        let reloaded = pc_b
            .case(&ctx(&li, "2026-11-27 14:07"), &case.number)
            .await
            .unwrap();
        assert_eq!(reloaded.version, 2);
        assert_eq!(reloaded.status, "acknowledged");
        let assigned = pc_b
            .assign(
                &ctx(&li, "2026-11-27 14:08"),
                CaseRef::seen(&case.number, reloaded.version),
                Assignment {
                    units: vec!["城管局".into()],
                    ..Assignment::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(assigned.version, 3);
        assert_eq!(assigned.status, "assigned");

        // Only logging leaves the version: revealing the phone, numbering a document.
        pc_a.reveal_phone(&ctx(&admin, "2026-11-27 14:09"), &case.number)
            .await
            .unwrap();
        pc_a.issue_document(
            &ctx(&admin, "2026-11-27 14:10"),
            &case.number,
            DocKind::Notice,
        )
        .await
        .unwrap();
        let now = pc_a
            .case(&ctx(&admin, "2026-11-27 14:11"), &case.number)
            .await
            .unwrap();
        assert_eq!(now.version, 3);
        // Without a version (the CLI without --expect-version) nothing is checked.
        let urged = pc_a
            .urge(
                &ctx(&admin, "2026-11-27 14:12"),
                &case.number,
                "城管局",
                None,
                None,
            )
            .await
            .unwrap();
        assert_eq!(urged.version, 4);
        let verified = pc_a.verify().await.unwrap();
        assert!(verified.ok, "{:?}", verified.problems);
        pc_a.shutdown().await;
        pc_b.shutdown().await;
    }
}

fn notice(key: &str) -> Notice {
    Notice {
        key: key.into(),
        kind: NoticeKind::AckSoon,
        case_id: None,
        case_number: None,
        summary: format!("提醒 {key}"),
        body: "请及时处理".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_user_claims_each_notification_once_however_many_pcs_run_the_watch() {
    for store in stores("notifications_per_user").await {
        let pcs: Vec<Service> = {
            let mut v = Vec::new();
            for _ in 0..4 {
                v.push(store.client().await);
            }
            v
        };
        let zhang = clerk(&pcs[0], "zhangsan", "张三").await;
        let li = clerk(&pcs[0], "lisi", "李四").await;
        let notices: Vec<Notice> = (1..=12).map(|n| notice(&format!("ack_soon:{n}"))).collect();
        let keys: Vec<String> = notices.iter().map(|n| n.key.clone()).collect();

        // Every PC's watch records the same notices at once: each is recorded once.
        let mut recording = Vec::new();
        for pc in &pcs {
            let (pc, zhang, notices) = (pc.clone(), zhang.clone(), notices.clone());
            recording.push(tokio::spawn(async move {
                pc.record_notified(&ctx(&zhang, "2026-11-27 09:30"), &notices)
                    .await
                    .unwrap()
            }));
        }
        let mut added = 0;
        for r in recording {
            added += r.await.unwrap();
        }
        assert_eq!(added, 12);

        // 张三 is signed in on PCs 0–2, 李四 on PC 3. Each PC claims what waits for its user.
        let mut claiming = Vec::new();
        for (i, pc) in pcs.iter().enumerate() {
            let user = if i < 3 { zhang.clone() } else { li.clone() };
            let pc = pc.clone();
            claiming.push(tokio::spawn(async move {
                let c = ctx(&user, "2026-11-27 09:31");
                let waiting = pc.undelivered(&c).await.unwrap();
                let keys: Vec<String> = waiting.into_iter().map(|n| n.key).collect();
                (i, pc.claim_delivery(&c, &keys).await.unwrap())
            }));
        }
        let mut zhang_got: Vec<String> = Vec::new();
        let mut li_got: Vec<String> = Vec::new();
        for c in claiming {
            let (i, claimed) = c.await.unwrap();
            if i < 3 {
                zhang_got.extend(claimed);
            } else {
                li_got.extend(claimed);
            }
        }
        zhang_got.sort();
        li_got.sort();
        let mut all = keys.clone();
        all.sort();
        assert_eq!(zhang_got, all, "张三 gets each one exactly once");
        assert_eq!(li_got, all, "李四 gets each one too");
        for (pc, user) in [(&pcs[1], &zhang), (&pcs[3], &li)] {
            assert!(pc
                .undelivered(&ctx(user, "2026-11-27 09:32"))
                .await
                .unwrap()
                .is_empty());
        }

        // A desktop that refused one gives its claim back: it waits again, for that user only.
        let c = ctx(&li, "2026-11-27 09:33");
        assert_eq!(pcs[3].release_delivery(&c, &keys[..1]).await.unwrap(), 1);
        let again = pcs[2].undelivered(&c).await.unwrap();
        assert_eq!(again, notices[..1]);
        assert!(pcs[2]
            .undelivered(&ctx(&zhang, "2026-11-27 09:33"))
            .await
            .unwrap()
            .is_empty());
        for pc in pcs {
            pc.shutdown().await;
        }
    }
}
