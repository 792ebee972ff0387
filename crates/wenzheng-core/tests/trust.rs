//! Accounts and roles, the tamper-evident history, backups and restore — on real files.

mod common;

use common::{at, ctx_at, dump, fresh, sqlite_only, TestDb};
use wenzheng_core::db::Backend;
use wenzheng_core::service::{Assignment, ListFilter, NewCase, NewUser, Rotation};
use wenzheng_core::{Ctx, Error, Service};

async fn as_user(svc: &Service, login: &str, t: &str) -> Ctx {
    Ctx {
        actor: svc.actor(Some(login)).await.unwrap(),
        now: at(t),
    }
}

fn user(login: &str, role: &str, unit: Option<&str>) -> NewUser {
    NewUser {
        login: login.into(),
        display_name: format!("{login}的姓名"),
        role: role.into(),
        unit: unit.map(Into::into),
        password: Some("安全的密码123".into()),
    }
}

/// An office with a clerk, a leader and two unit handlers, and one case assigned to 甲办.
async fn office() -> (TestDb, Service) {
    let (dir, svc) = fresh().await;
    let admin = ctx_at(&svc, "2026-11-27 09:00").await;
    for u in ["甲办", "乙办"] {
        svc.add_unit(&admin, u).await.unwrap();
    }
    svc.add_user(&admin, user("clerk", "办公室工作人员", None))
        .await
        .unwrap();
    svc.add_user(&admin, user("leader", "leader", None))
        .await
        .unwrap();
    svc.add_user(&admin, user("jia", "unit", Some("甲办")))
        .await
        .unwrap();
    svc.add_user(&admin, user("yi", "承办单位", Some("乙办")))
        .await
        .unwrap();
    let clerk = as_user(&svc, "clerk", "2026-11-27 09:10").await;
    for title in ["甲办的案件", "未交办的案件"] {
        svc.register(
            &clerk,
            NewCase {
                title: title.into(),
                content: "内容".into(),
                phone: Some("13800005678".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    svc.acknowledge(&clerk, "1", None).await.unwrap();
    svc.assign(
        &clerk,
        "1",
        Assignment {
            units: vec!["甲办".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    (dir, svc)
}

#[tokio::test]
async fn each_role_may_do_only_its_part() {
    let (_dir, svc) = office().await;
    let t = "2026-11-27 10:00";
    let clerk = as_user(&svc, "clerk", t).await;
    let leader = as_user(&svc, "leader", t).await;
    let jia = as_user(&svc, "jia", t).await;
    let yi = as_user(&svc, "yi", t).await;
    let before = dump(&svc).await;

    let refused = |r: Result<_, Error>| match r {
        Err(e @ Error::Forbidden(_)) => e.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(
        refused(svc.add_unit(&clerk, "丙办").await.map(|_| ())),
        "您的角色是“办公室工作人员”，无权管理承办单位"
    );
    assert_eq!(
        refused(
            svc.add_user(&clerk, user("x", "clerk", None))
                .await
                .map(|_| ())
        ),
        "您的角色是“办公室工作人员”，无权管理用户"
    );
    assert_eq!(
        refused(svc.close(&leader, "1", "x").await.map(|_| ())),
        "您的角色是“领导”，无权办结案件"
    );
    assert!(refused(
        svc.assign(&leader, "2", Assignment::default())
            .await
            .map(|_| ())
    )
    .contains("无权交办"));
    assert!(refused(svc.register(&jia, NewCase::default()).await.map(|_| ())).contains("无权登记"));
    // A unit handler acts only on its own unit's cases, and only in its own name.
    assert!(
        refused(svc.report_progress(&yi, "1", "甲办", "x").await.map(|_| ()))
            .contains("不是交由您单位承办")
    );
    assert!(refused(svc.case_detail(&yi, "1").await.map(|_| ())).contains("无权查看"));
    assert_eq!(dump(&svc).await, before, "refusals write nothing");

    // What each role may do.
    svc.instruct(&leader, "1", "镇长", "请甲办抓紧")
        .await
        .unwrap();
    let v = svc
        .report_progress(&jia, "1", "甲办", "已到现场查看")
        .await
        .unwrap();
    assert_eq!(v.status, "in_progress");
    let mine = svc.list_cases(&jia, &ListFilter::default()).await.unwrap();
    assert_eq!(mine.iter().map(|c| c.id).collect::<Vec<_>>(), [1]);
    assert!(svc
        .list_cases(&yi, &ListFilter::default())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        svc.list_cases(&leader, &ListFilter::default())
            .await
            .unwrap()
            .len(),
        2
    );
    let d = svc.case_detail(&jia, "WZ-2026-000001").await.unwrap();
    assert_eq!(d.events.last().unwrap().actor, "jia的姓名");
}

#[tokio::test]
async fn phones_are_masked_and_revealing_one_is_logged() {
    let (_dir, svc) = office().await;
    let clerk = as_user(&svc, "clerk", "2026-11-27 10:00").await;
    let v = svc.case(&clerk, "1").await.unwrap();
    assert_eq!(v.phone.as_deref(), Some("138****5678"));
    let listed = svc
        .list_cases(&clerk, &ListFilter::default())
        .await
        .unwrap();
    assert!(listed
        .iter()
        .all(|c| c.phone.as_deref() == Some("138****5678")));
    let jia = as_user(&svc, "jia", "2026-11-27 10:00").await;
    assert!(matches!(
        svc.reveal_phone(&jia, "1").await,
        Err(Error::Forbidden(_))
    ));
    assert_eq!(
        svc.reveal_phone(&clerk, "1").await.unwrap().as_deref(),
        Some("13800005678")
    );
    let d = svc.case_detail(&clerk, "1").await.unwrap();
    let last = d.events.last().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.actor.as_str()),
        ("reveal_phone", "clerk的姓名")
    );
}

#[tokio::test]
async fn passwords_sign_users_in() {
    let (_dir, svc) = office().await;
    assert!(!svc.has_admin_password().await.unwrap());
    let admin = ctx_at(&svc, "2026-11-27 09:00").await;
    svc.set_password(&admin, "admin", "管理员的安全密码1")
        .await
        .unwrap();
    assert!(svc.has_admin_password().await.unwrap());
    assert_eq!(
        svc.login("clerk", "安全的密码123").await.unwrap().login,
        "clerk"
    );
    let wrong = svc
        .login("clerk", "猜一个密码吧")
        .await
        .unwrap_err()
        .to_string();
    let unknown = svc
        .login("nobody", "安全的密码123")
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(wrong, "登录名或密码不正确");
    assert_eq!(
        wrong, unknown,
        "an unknown login and a wrong password look the same"
    );
    let stored: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE login = 'clerk'")
            .fetch_one(svc.db().pool())
            .await
            .unwrap();
    assert!(stored.starts_with("$argon2id$") && !stored.contains("安全的密码"));
    let clerk = as_user(&svc, "clerk", "2026-11-27 10:00").await;
    assert!(matches!(
        svc.set_password(&clerk, "leader", "别人的新的密码123")
            .await,
        Err(Error::Forbidden(_))
    ));
    svc.set_password(&clerk, "clerk", "我自己的新的密码")
        .await
        .unwrap();
}

#[tokio::test]
async fn verify_finds_an_edited_a_deleted_and_an_inserted_event() {
    let (_dir, svc) = office().await;
    let ok = svc.verify().await.unwrap();
    assert!(
        ok.ok && ok.integrity_ok && ok.events_checked >= 10,
        "{ok:?}"
    );
    let pool = svc.db().pool();
    // Someone with the file and a SQLite shell (or the server's owner and psql): drop the
    // guards and edit.
    let on = match svc.db().backend() {
        Backend::Sqlite => "",
        Backend::Postgres => " ON events",
    };
    for trigger in ["events_no_update", "events_no_delete"] {
        sqlx::query(&format!("DROP TRIGGER {trigger}{on}"))
            .execute(pool)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE events SET summary = '篡改过的记录' WHERE id = 4")
        .execute(pool)
        .await
        .unwrap();
    let r = svc.verify().await.unwrap();
    assert!(!r.ok);
    assert_eq!(r.problems, ["第 4 条事件（编号 4）的内容被修改"]);
    // The desktop's check at start reads the whole chain too.
    assert_eq!(svc.verify_at_start().await.unwrap(), r);
    sqlx::query(
        "UPDATE events SET summary = (SELECT summary FROM events WHERE id = 3) WHERE id = 4",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("DELETE FROM events WHERE id = 6")
        .execute(pool)
        .await
        .unwrap();
    let r = svc.verify().await.unwrap();
    assert!(
        r.problems
            .iter()
            .any(|p| p.starts_with("第 6 条事件的编号是 7")),
        "{:?}",
        r.problems
    );
    assert_eq!(svc.verify_at_start().await.unwrap(), r);
    sqlx::query(
        "INSERT INTO events (id, case_id, actor_id, at, kind, summary, prev_hash, hash)
                 VALUES (6, 1, 1, '2026-11-27T09:00:00+08:00', 'close', '伪造', 'x', 'y')",
    )
    .execute(pool)
    .await
    .unwrap();
    let r = svc.verify().await.unwrap();
    assert!(
        r.problems
            .iter()
            .any(|p| p.contains("第 6 条事件（编号 6）")),
        "{:?}",
        r.problems
    );
    assert_eq!(svc.verify_at_start().await.unwrap(), r);
}

#[tokio::test]
async fn the_check_at_start_finds_a_damaged_page() {
    if sqlite_only("the_check_at_start_finds_a_damaged_page", "SQLite 文件的页") {
        return;
    }
    let (dir, svc) = office().await;
    assert!(svc.verify_at_start().await.unwrap().ok);
    // The page of the users' login index, found through SQLite's page statistics.
    let size: i64 = sqlx::query_scalar("PRAGMA page_size")
        .fetch_one(svc.db().pool())
        .await
        .unwrap();
    let page: i64 = sqlx::query_scalar(
        "SELECT pageno FROM dbstat WHERE name = 'sqlite_autoindex_users_1' ORDER BY pageno LIMIT 1",
    )
    .fetch_one(svc.db().pool())
    .await
    .unwrap();
    svc.shutdown().await;
    // A disk fault: the page's cell area overwritten, its header left as it was (the file
    // still opens; only reading that index fails).
    let path = dir.path().join("test.db");
    let mut bytes = std::fs::read(&path).unwrap();
    let (page, size) = (page as usize, size as usize);
    for b in &mut bytes[(page - 1) * size + 100..page * size] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let svc = Service::open(&path).await.unwrap();
    let quick = svc.verify_at_start().await.unwrap();
    assert!(!quick.ok && !quick.integrity_ok, "{quick:?}");
    assert!(
        quick
            .problems
            .iter()
            .all(|p| p.starts_with("数据库文件损坏：")),
        "{quick:?}"
    );
    // The full check compares the table with the damaged index and stops there with
    // SQLite's error instead of a report: refused either way.
    match svc.verify().await {
        Ok(full) => assert!(!full.ok && !full.integrity_ok, "{full:?}"),
        Err(e) => assert!(matches!(e, Error::Corrupt(_)), "{e:?}"),
    }
}

#[tokio::test]
async fn backup_and_restore_keep_everything_and_the_old_file() {
    if sqlite_only("backup_and_restore", "备份与恢复复制数据库文件") {
        return;
    }
    let (dir, svc) = office().await;
    let admin = ctx_at(&svc, "2026-11-27 12:00").await;
    let out = dir.path().join("备份").join("b1.db");
    let b = svc.backup_to(&admin, &out).await.unwrap();
    assert!(b.size > 0 && out.exists());
    assert!(svc
        .backup_to(&admin, &out)
        .await
        .unwrap_err()
        .to_string()
        .contains("已存在"));
    let clerk = as_user(&svc, "clerk", "2026-11-27 12:00").await;
    assert!(matches!(
        svc.backup_to(&clerk, &dir.path().join("b2.db")).await,
        Err(Error::Forbidden(_))
    ));
    let before_new_case = {
        let b = Service::open(&out).await.unwrap();
        let rows = dump(&b).await;
        b.shutdown().await;
        rows
    };
    svc.register(
        &clerk,
        NewCase {
            title: "备份之后登记的".into(),
            content: "x".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let db_path = svc.db().file().unwrap().to_path_buf();
    svc.shutdown().await;

    // A file that is not a database is refused and nothing changes.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all, just some bytes").unwrap();
    let original = std::fs::read(&db_path).unwrap();
    let err = Service::restore(&junk, &db_path, at("2026-11-27 13:00"))
        .await
        .unwrap_err();
    assert!(err.is_refusal(), "{err}");
    assert_eq!(std::fs::read(&db_path).unwrap(), original);

    let r = Service::restore(&out, &db_path, at("2026-11-27 13:00"))
        .await
        .unwrap();
    let kept = r.previous_kept_as.unwrap();
    assert!(
        kept.ends_with("test.db.before-restore-20261127-130000"),
        "{kept}"
    );
    let restored = Service::open(&db_path).await.unwrap();
    assert_eq!(dump(&restored).await, before_new_case);
    assert!(restored.verify().await.unwrap().ok);
    let old = Service::open(std::path::Path::new(&kept)).await.unwrap();
    let admin = ctx_at(&old, "2026-11-27 13:00").await;
    assert_eq!(
        old.list_cases(&admin, &ListFilter::default())
            .await
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn a_server_refuses_file_backups_and_restores_in_chinese() {
    let (dir, svc) = office().await;
    if svc.db().backend() == Backend::Sqlite {
        eprintln!("跳过 a_server_refuses_file_backups（仅 PostgreSQL）：本机文件可以备份");
        return;
    }
    let admin = ctx_at(&svc, "2026-11-27 12:00").await;
    let before = dump(&svc).await;
    let folder = dir.path().join("备份");
    let refusals = [
        svc.backup_to(&admin, &folder.join("b1.db"))
            .await
            .unwrap_err(),
        svc.auto_backup(&admin, &folder, Rotation::default())
            .await
            .unwrap_err(),
        svc.restore_live(&admin, &folder.join("b1.db"))
            .await
            .unwrap_err(),
    ];
    for e in refusals {
        assert!(e.is_refusal(), "{e:?}");
        assert!(e.to_string().contains("pg_dump"), "{e}");
    }
    assert!(!folder.exists(), "nothing was written beside the test");
    assert_eq!(dump(&svc).await, before, "and nothing in the database");
}

#[tokio::test]
async fn automatic_backups_run_once_a_day_and_rotate() {
    if sqlite_only("automatic_backups", "自动备份复制数据库文件") {
        return;
    }
    let (dir, svc) = fresh().await;
    let folder = dir.path().join("auto");
    let keep = Rotation {
        daily: 3,
        monthly: 2,
    };
    for day in [
        "2026-09-30",
        "2026-10-30",
        "2026-11-24",
        "2026-11-25",
        "2026-11-26",
        "2026-11-27",
    ] {
        let ctx = ctx_at(&svc, &format!("{day} 08:00")).await;
        assert!(
            svc.auto_backup(&ctx, &folder, keep)
                .await
                .unwrap()
                .is_some(),
            "{day}"
        );
        let again = ctx_at(&svc, &format!("{day} 17:00")).await;
        assert!(
            svc.auto_backup(&again, &folder, keep)
                .await
                .unwrap()
                .is_none(),
            "{day} twice"
        );
    }
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    // The 3 newest days, plus the newest of each of the 2 newest months (Nov is among them).
    assert_eq!(
        names,
        [
            "wenzheng-20261030.db",
            "wenzheng-20261125.db",
            "wenzheng-20261126.db",
            "wenzheng-20261127.db"
        ]
    );
}

#[tokio::test]
async fn first_start_sets_the_admin_password_once() {
    let (_dir, svc) = fresh().await;
    assert!(!svc.has_admin_password().await.unwrap());
    let err = svc
        .first_admin_password(at("2026-11-27 08:00"), "短密码")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err}");
    assert!(!svc.has_admin_password().await.unwrap());
    let actor = svc
        .first_admin_password(at("2026-11-27 08:01"), "管理员的密码123")
        .await
        .unwrap();
    assert_eq!(actor.login, "admin");
    assert!(svc.has_admin_password().await.unwrap());
    assert_eq!(
        svc.login("admin", "管理员的密码123").await.unwrap().login,
        "admin"
    );
    // Once set, it cannot be set again this way: nothing changes.
    let before = dump(&svc).await;
    let err = svc
        .first_admin_password(at("2026-11-27 08:02"), "另一个密码456")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err}");
    assert_eq!(dump(&svc).await, before);
    assert!(svc.login("admin", "另一个密码456").await.is_err());
    // The setup is in the (still intact) history.
    let events: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM events WHERE kind = 'admin_setup'")
            .fetch_all(svc.db().pool())
            .await
            .unwrap();
    assert_eq!(events, ["admin_setup"]);
    assert!(svc.verify().await.unwrap().ok);
}

#[tokio::test]
async fn a_password_set_by_an_admin_user_also_counts_as_setup() {
    let (_dir, svc) = fresh().await;
    let admin = ctx_at(&svc, "2026-11-27 08:00").await;
    svc.add_user(&admin, user("chief", "admin", None))
        .await
        .unwrap();
    let err = svc
        .first_admin_password(at("2026-11-27 08:01"), "管理员的密码123")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err}");
}

#[tokio::test]
async fn idle_minutes_default_to_15_and_only_admins_change_them() {
    let (_dir, svc) = office().await;
    assert_eq!(svc.session_idle_minutes().await.unwrap(), 15);
    let clerk = as_user(&svc, "clerk", "2026-11-27 11:00").await;
    let before = dump(&svc).await;
    let err = svc.set_session_idle_minutes(&clerk, 30).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err}");
    let admin = ctx_at(&svc, "2026-11-27 11:00").await;
    for bad in [0, 481] {
        let err = svc.set_session_idle_minutes(&admin, bad).await.unwrap_err();
        assert!(err.to_string().contains("自动锁定时间"), "{err}");
    }
    assert_eq!(dump(&svc).await, before);
    assert_eq!(svc.set_session_idle_minutes(&admin, 5).await.unwrap(), 5);
    assert_eq!(svc.session_idle_minutes().await.unwrap(), 5);
    assert_eq!(
        svc.set_session_idle_minutes(&admin, 480).await.unwrap(),
        480
    );
    assert_eq!(svc.session_idle_minutes().await.unwrap(), 480);
    assert!(svc.verify().await.unwrap().ok);
}
