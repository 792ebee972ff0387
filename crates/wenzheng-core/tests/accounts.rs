//! The administrator's user management and backup settings — on real files: every change
//! is an event, refusals are Chinese and change nothing, the last administrator stays.

mod common;

use common::{at, ctx_at, dump, fresh, sqlite_only};
use wenzheng_core::service::{BackupSettings, NewUser, UserChange};
use wenzheng_core::{Ctx, Error, Service};

async fn as_user(svc: &Service, login: &str) -> Ctx {
    Ctx {
        actor: svc.actor(Some(login)).await.unwrap(),
        now: at("2026-11-27 10:00"),
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

async fn kinds(svc: &Service) -> Vec<String> {
    sqlx::query_scalar("SELECT kind FROM events ORDER BY id")
        .fetch_all(svc.db().pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn roles_change_users_are_disabled_and_enabled_with_events() {
    let (_dir, svc) = fresh().await;
    let admin = ctx_at(&svc, "2026-11-27 09:00").await;
    svc.add_unit(&admin, "甲办").await.unwrap();
    svc.add_user(&admin, user("wang", "clerk", None))
        .await
        .unwrap();

    // clerk → unit handler of 甲办.
    let changed = svc
        .change_user(
            &admin,
            "wang",
            UserChange {
                role: "承办单位".into(),
                unit: Some("甲办".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (changed.role.as_str(), changed.unit.as_deref()),
        ("unit", Some("甲办"))
    );
    assert_eq!(svc.actor(Some("wang")).await.unwrap().unit_id, Some(1));

    // A unit handler needs a unit; only unit handlers have one; unknown units and users.
    let refusals = [
        ("wang", "unit", None, "必须指定所属单位"),
        ("wang", "clerk", Some("甲办"), "只有承办单位用户"),
        ("wang", "unit", Some("无此办"), "不存在"),
        ("nobody", "clerk", None, "不存在"),
        ("wang", "unit", Some("甲办"), "没有变化"),
    ];
    let before = dump(&svc).await;
    for (login, role, unit, says) in refusals {
        let err = svc
            .change_user(
                &admin,
                login,
                UserChange {
                    role: role.into(),
                    unit: unit.map(Into::into),
                },
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains(says), "{login} {role}: {err}");
    }
    assert_eq!(dump(&svc).await, before, "refusals change nothing");

    // Disabled: cannot sign in; enabled again: can.
    svc.set_user_active(&admin, "wang", false).await.unwrap();
    assert!(matches!(
        svc.login("wang", "安全的密码123").await,
        Err(Error::Forbidden(_))
    ));
    assert!(svc.actor(Some("wang")).await.is_err());
    let again = svc
        .set_user_active(&admin, "wang", false)
        .await
        .unwrap_err();
    assert!(again.to_string().contains("已经停用"), "{again}");
    svc.set_user_active(&admin, "wang", true).await.unwrap();
    assert_eq!(
        svc.login("wang", "安全的密码123").await.unwrap().login,
        "wang"
    );

    // The administrator resets the password; the user changes their own.
    svc.set_password(&admin, "wang", "管理员重置的密码")
        .await
        .unwrap();
    let wang = as_user(&svc, "wang").await;
    svc.set_password(&wang, "wang", "我自己的新密码2026")
        .await
        .unwrap();
    assert!(svc.login("wang", "管理员重置的密码").await.is_err());
    svc.login("wang", "我自己的新密码2026").await.unwrap();
    // …but not anyone else's, nor role changes.
    let err = svc
        .set_password(&wang, "admin", "抢管理员的密码")
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "您的角色是“承办单位”，无权管理用户");
    let err = svc
        .change_user(
            &wang,
            "wang",
            UserChange {
                role: "admin".into(),
                unit: None,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    assert!(matches!(
        svc.set_user_active(&wang, "admin", false).await,
        Err(Error::Forbidden(_))
    ));

    assert_eq!(
        kinds(&svc).await,
        [
            "unit_add",
            "user_add",
            "user_change",
            "user_disable",
            "user_enable",
            "password_set",
            "password_set"
        ]
    );
    assert!(svc.verify().await.unwrap().ok);
}

#[tokio::test]
async fn the_last_active_administrator_stays() {
    let (_dir, svc) = fresh().await;
    let admin = ctx_at(&svc, "2026-11-27 09:00").await;
    svc.add_user(&admin, user("li", "admin", None))
        .await
        .unwrap();
    let li = as_user(&svc, "li").await;

    // Nobody disables themselves.
    let err = svc.set_user_active(&li, "li", false).await.unwrap_err();
    assert_eq!(err.to_string(), "不能停用自己正在使用的账号");
    // With two administrators, one may be disabled …
    svc.set_user_active(&li, "admin", false).await.unwrap();
    // … but then li is the last one: neither demoted nor disabled (by another admin's
    // earlier session either).
    let demote = svc
        .change_user(
            &li,
            "li",
            UserChange {
                role: "clerk".into(),
                unit: None,
            },
        )
        .await
        .unwrap_err();
    assert!(demote.to_string().contains("唯一启用的管理员"), "{demote}");
    let disable = svc.set_user_active(&admin, "li", false).await.unwrap_err();
    assert!(
        disable.to_string().contains("唯一启用的管理员"),
        "{disable}"
    );
    assert!(svc.login("li", "安全的密码123").await.is_ok());
}

#[tokio::test]
async fn backup_settings_are_checked_logged_and_used_by_the_list() {
    if sqlite_only("backup_settings", "备份到文件夹、列出备份文件") {
        return;
    }
    let (dir, svc) = fresh().await;
    let admin = ctx_at(&svc, "2026-11-27 09:00").await;
    let defaults = svc.backup_settings(&admin).await.unwrap();
    assert_eq!(
        defaults,
        BackupSettings {
            dir: None,
            daily: 30,
            monthly: 12
        }
    );
    let usb = dir.path().join("U盘").join("问政备份");
    let set = svc
        .set_backup_settings(
            &admin,
            BackupSettings {
                dir: Some(usb.display().to_string()),
                daily: 7,
                monthly: 6,
            },
        )
        .await
        .unwrap();
    assert!(usb.is_dir(), "the folder is created");
    assert_eq!(svc.backup_settings(&admin).await.unwrap(), set);
    assert_eq!(set.rotation().daily, 7);

    for (bad, says) in [
        (
            BackupSettings {
                dir: Some("相对/路径".into()),
                daily: 30,
                monthly: 12,
            },
            "完整路径",
        ),
        (
            BackupSettings {
                dir: None,
                daily: 0,
                monthly: 12,
            },
            "1 到 365",
        ),
        (
            BackupSettings {
                dir: Some("/proc/不可写".into()),
                daily: 30,
                monthly: 12,
            },
            "无法写入",
        ),
    ] {
        let err = svc.set_backup_settings(&admin, bad).await.unwrap_err();
        assert!(err.to_string().contains(says), "{err}");
    }

    // Two automatic backups on two days and a manual one: listed newest first, with sizes.
    for day in ["2026-11-26 08:00", "2026-11-27 08:00"] {
        let ctx = ctx_at(&svc, day).await;
        svc.auto_backup(&ctx, &usb, set.rotation()).await.unwrap();
    }
    svc.backup_to(&admin, &usb.join("手动备份.db"))
        .await
        .unwrap();
    let list = svc.list_backups(&admin, &usb).await.unwrap();
    let names: Vec<&str> = list.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names[1..], ["wenzheng-20261127.db", "wenzheng-20261126.db"]);
    assert_eq!(list[1].made_at, "2026-11-27");
    assert!(list.iter().all(|b| b.size > 0));
    Service::check_backup(std::path::Path::new(&list[2].path))
        .await
        .unwrap();

    let clerk_ctx = {
        svc.add_user(&admin, user("wang", "clerk", None))
            .await
            .unwrap();
        as_user(&svc, "wang").await
    };
    assert!(matches!(
        svc.list_backups(&clerk_ctx, &usb).await,
        Err(Error::Forbidden(_))
    ));
    assert!(kinds(&svc).await.contains(&"backup_settings".to_string()));
}

#[tokio::test]
async fn restoring_the_open_database_checks_first_and_keeps_the_old_file() {
    if sqlite_only("restoring_the_open_database", "恢复替换数据库文件") {
        return;
    }
    let (dir, svc) = fresh().await;
    let admin = ctx_at(&svc, "2026-11-27 09:00").await;
    svc.add_unit(&admin, "备份前的单位").await.unwrap();
    let backup = dir.path().join("b.db");
    svc.backup_to(&admin, &backup).await.unwrap();
    svc.add_unit(&admin, "备份后的单位").await.unwrap();

    // A damaged backup is refused before anything is touched.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![7u8; 4096]).unwrap();
    let before = dump(&svc).await;
    let err = svc.restore_live(&admin, &junk).await.unwrap_err();
    assert!(err.to_string().contains("junk.db"), "{err}");
    assert_eq!(dump(&svc).await, before);
    // Only administrators restore.
    svc.add_user(&admin, user("wang", "clerk", None))
        .await
        .unwrap();
    let wang = as_user(&svc, "wang").await;
    assert!(matches!(
        svc.restore_live(&wang, &backup).await,
        Err(Error::Forbidden(_))
    ));

    let path = svc.db().file().unwrap().to_path_buf();
    let done = svc.restore_live(&admin, &backup).await.unwrap();
    let kept = done.previous_kept_as.expect("the old file is kept");
    let reopened = Service::open(&path).await.unwrap();
    let units: Vec<String> = sqlx::query_scalar("SELECT name FROM units ORDER BY id")
        .fetch_all(reopened.db().pool())
        .await
        .unwrap();
    assert_eq!(units, ["备份前的单位"]);
    let old = Service::open(std::path::Path::new(&kept)).await.unwrap();
    let last: String = sqlx::query_scalar("SELECT kind FROM events ORDER BY id DESC LIMIT 1")
        .fetch_one(old.db().pool())
        .await
        .unwrap();
    assert_eq!(last, "restore", "the old file records who restored what");
    assert!(old.verify().await.unwrap().ok && reopened.verify().await.unwrap().ok);
}
