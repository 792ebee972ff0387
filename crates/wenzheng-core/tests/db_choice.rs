//! Choosing this PC's database: the saved choice in the user's config dir (private file,
//! overridden by `$WENZHENG_DB`, forgotten back to the default), and the check of a
//! location before it is saved — on real files and a real PostgreSQL server (the test
//! server of `scripts/pg-test-server`; without it the server part is skipped with a notice).

mod common;

use common::{at, pg_admin_url, PgDb};
use wenzheng_core::db::{self, Location};
use wenzheng_core::db_choice::{self, Choice, ServerForm, Source, Tls};
use wenzheng_core::service::NewCase;
use wenzheng_core::{Ctx, Error, Service};

/// One test for everything that reads the process environment, so that nothing else
/// changes it meanwhile.
#[test]
fn the_saved_choice_is_private_overridden_by_the_environment_and_forgotten() {
    let home = tempfile::tempdir().unwrap();
    std::env::set_var("XDG_CONFIG_HOME", home.path().join("config"));
    std::env::set_var("XDG_DATA_HOME", home.path().join("data"));
    std::env::remove_var(db::DB_ENV);

    let (first, source) = db_choice::chosen();
    assert_eq!(source, Source::Default);
    assert_eq!(first, Location::File(db::default_file()));
    assert!(db::default_file().starts_with(home.path().join("data")));

    let url = "postgres://office:secret@192.168.1.10/wenzheng?sslmode=require";
    let written = db_choice::save(&Location::Server(url.into())).unwrap();
    assert_eq!(written, db_choice::config_file());
    assert!(written.starts_with(home.path().join("config")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&written).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the file holding a password is private"
        );
    }
    assert_eq!(
        db_choice::chosen(),
        (Location::Server(url.into()), Source::Saved)
    );
    assert_eq!(db::default_location(), Location::Server(url.into()));
    let setting = db_choice::setting();
    assert_eq!(setting.kind, "server");
    assert!(setting.has_password);
    assert!(!setting.location.contains("secret"), "{}", setting.location);
    let server = setting.server.unwrap();
    assert_eq!(
        (server.host.as_str(), server.user.as_str(), server.tls),
        ("192.168.1.10", "office", Tls::Require)
    );
    assert!(!serde_json::to_string(&server).unwrap().contains("secret"));

    // A form sent back without a password keeps the saved one.
    let again = Choice::Server(ServerForm {
        password: None,
        ..server
    })
    .location(Some(&db::default_location()))
    .unwrap();
    assert_eq!(again, Location::Server(url.into()));

    // `$WENZHENG_DB` wins over the saved choice.
    let other = home.path().join("其他 数据库.db");
    std::env::set_var(db::DB_ENV, &other);
    assert_eq!(db_choice::chosen(), (Location::File(other), Source::Env));
    std::env::remove_var(db::DB_ENV);

    // A file chosen and saved reads back as that file, path with spaces and Chinese intact.
    let file = home.path().join("U 盘").join("问政.db");
    db_choice::save(&Location::File(file.clone())).unwrap();
    assert_eq!(db_choice::chosen(), (Location::File(file), Source::Saved));

    assert!(db_choice::forget().unwrap());
    assert!(!db_choice::forget().unwrap());
    assert_eq!(db_choice::chosen().1, Source::Default);
}

#[tokio::test]
async fn a_file_is_checked_without_being_changed() {
    let dir = tempfile::tempdir().unwrap();

    let missing = dir.path().join("新建").join("wenzheng.db");
    let check = db_choice::check(&Location::File(missing.clone()))
        .await
        .unwrap();
    assert!(!check.initialized);
    assert!(check.summary.contains("新建"), "{}", check.summary);
    assert!(!missing.exists() && !missing.parent().unwrap().exists());

    let e = db_choice::check(&Location::File(dir.path().to_path_buf()))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("文件夹"), "{e}");

    let text = dir.path().join("说明.txt");
    std::fs::write(&text, "这不是数据库文件，只是一段说明文字。".repeat(20)).unwrap();
    let e = db_choice::check(&Location::File(text.clone()))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("不是可用的数据库文件"), "{e}");

    let path = dir.path().join("office.db");
    let svc = Service::connect(&Location::File(path.clone()))
        .await
        .unwrap();
    let ctx = Ctx {
        actor: svc.actor(None).await.unwrap(),
        now: at("2026-11-27 09:00"),
    };
    svc.register(
        &ctx,
        NewCase {
            title: "路灯不亮".into(),
            content: "三组路灯坏了".into(),
            ..NewCase::default()
        },
    )
    .await
    .unwrap();
    svc.shutdown().await;
    let before = std::fs::read(&path).unwrap();
    let check = db_choice::check(&Location::File(path.clone()))
        .await
        .unwrap();
    assert_eq!((check.initialized, check.cases), (true, Some(1)));
    assert!(check.summary.contains("1 件案件"), "{}", check.summary);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the check wrote nothing"
    );

    // A file a newer program upgraded is refused: this program would not open it.
    mark_upgraded_by_a_newer_program(&path).await;
    let e = db_choice::check(&Location::File(path)).await.unwrap_err();
    assert!(e.to_string().contains("更新版本"), "{e}");
}

/// Marks the file at `path` as upgraded by a newer program (a migration version far ahead).
async fn mark_upgraded_by_a_newer_program(path: &std::path::Path) {
    use sqlx::{Connection, SqliteConnection};
    let mut conn = SqliteConnection::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99991231000000, 'from the future', 1, x'00', 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
}

#[tokio::test]
async fn a_server_is_checked_empty_then_in_use_and_refusals_hide_the_password() {
    let Some(admin) = pg_admin_url("a_server_is_checked…") else {
        return;
    };
    let pg = PgDb::create_on(&admin).await;
    let url = pg.url();

    let empty = db_choice::check(&Location::Server(url.clone()))
        .await
        .unwrap();
    assert!(!empty.initialized);
    assert_eq!(empty.cases, None);
    assert!(empty.summary.contains("空数据库"), "{}", empty.summary);
    // The test server has TLS on: the default (prefer) encrypts, disable does not.
    assert_eq!(empty.encrypted, Some(true));
    let mut plain = url::Url::parse(&url).unwrap();
    plain.query_pairs_mut().append_pair("sslmode", "disable");
    let unencrypted = db_choice::check(&Location::Server(plain.to_string()))
        .await
        .unwrap();
    assert_eq!(unencrypted.encrypted, Some(false));
    assert!(
        unencrypted.summary.contains("未加密"),
        "{}",
        unencrypted.summary
    );

    let svc = Service::connect(&Location::Server(url.clone()))
        .await
        .unwrap();
    let ctx = Ctx {
        actor: svc.actor(None).await.unwrap(),
        now: at("2026-11-27 09:00"),
    };
    for title in ["路灯不亮", "垃圾未清运"] {
        svc.register(
            &ctx,
            NewCase {
                title: title.into(),
                content: "群众反映的问题".into(),
                ..NewCase::default()
            },
        )
        .await
        .unwrap();
    }
    svc.shutdown().await;
    let used = db_choice::check(&Location::Server(url.clone()))
        .await
        .unwrap();
    assert_eq!((used.initialized, used.cases), (true, Some(2)));
    assert!(used.summary.contains("2 件案件"), "{}", used.summary);

    // The same server as the form builds it (the password typed in, percent-encoded).
    let parsed = url::Url::parse(&url).unwrap();
    let form = ServerForm {
        host: parsed.host_str().unwrap().into(),
        port: parsed.port(),
        database: parsed.path().trim_start_matches('/').into(),
        user: parsed.username().into(),
        password: parsed.password().map(str::to_owned),
        tls: Tls::Require,
        root_cert: None,
    };
    let built = Choice::Server(form).location(None).unwrap();
    assert_eq!(
        db_choice::check(&built).await.unwrap().cases,
        Some(2),
        "{built:?}"
    );

    let mut wrong = parsed.clone();
    wrong.set_password(Some("not-the-password")).unwrap();
    match db_choice::check(&Location::Server(wrong.to_string())).await {
        Err(Error::Unavailable(m)) => {
            assert!(m.contains("密码") && m.contains("***"), "{m}");
            assert!(!m.contains("not-the-password"), "{m}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}
