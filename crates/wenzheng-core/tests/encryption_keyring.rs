//! Encryption at rest with the key in the OS keyring (feature `encryption`): needs a real
//! Secret Service on the session bus. `scripts/test` runs it inside `dbus-run-session`
//! with `gnome-keyring-daemon --unlock`; the stored secret is read back with libsecret's
//! own `secret-tool`, not through the program.

mod common;

use std::path::Path;
use std::process::Command;

use common::ctx_at;
use wenzheng_core::crypt::{self, KEY_ENV};
use wenzheng_core::service::{KeySource, NewCase, SearchFilter};
use wenzheng_core::{Error, Service};

const TITLE: &str = "东街菜市场门口污水外溢";

fn secret_tool(args: &[&str]) -> std::process::Output {
    Command::new("secret-tool")
        .args(args)
        .output()
        .expect("secret-tool (Debian package libsecret-tools) must be installed")
}

fn lookup(db: &Path) -> String {
    let account = crypt::keyring_account(db);
    let out = secret_tool(&["lookup", "service", "cn.gov.wenzheng", "username", &account]);
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn key_generated_into_keyring_and_recovered_from_paper() {
    std::env::remove_var(KEY_ENV);
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "this test needs a Secret Service on the session bus: run scripts/test \
         (or dbus-run-session with gnome-keyring-daemon --unlock)"
    );
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wenzheng.db");
    let svc = Service::open(&db).await.unwrap();
    let admin = ctx_at(&svc, "2026-11-26 09:00").await;
    svc.register(
        &admin,
        NewCase {
            title: TITLE.into(),
            content: "气味很大。".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let done = svc
        .encrypt(&admin, KeySource::Generate, false)
        .await
        .unwrap();
    svc.shutdown().await;
    let key = done.key.clone().expect("a generated key is shown once");
    assert_eq!(key.len(), 64);
    assert!(
        done.key_location
            .contains(&format!("服务 cn.gov.wenzheng，账户 {}", db.display())),
        "{}",
        done.key_location
    );
    assert_eq!(lookup(&db), key, "the keyring holds the printed key");
    assert!(!crypt::is_plaintext(&db));
    let bytes = std::fs::read(&db).unwrap();
    assert!(!bytes.windows(TITLE.len()).any(|w| w == TITLE.as_bytes()));

    // Reopened with nothing but the keyring.
    let svc = Service::open(&db).await.unwrap();
    let admin = ctx_at(&svc, "2026-11-26 10:00").await;
    let page = svc
        .search_cases(&admin, &SearchFilter::default())
        .await
        .unwrap();
    assert_eq!(page.cases[0].title, TITLE);
    let backup = dir.path().join("b.db");
    svc.backup_to(&admin, &backup).await.unwrap();
    svc.shutdown().await;
    assert!(!crypt::is_plaintext(&backup));
    Service::check_backup_for(&backup, &db).await.unwrap();

    // The keyring is lost: refused in Chinese, naming where the key was looked for.
    let cleared = secret_tool(&[
        "clear",
        "service",
        "cn.gov.wenzheng",
        "username",
        &crypt::keyring_account(&db),
    ]);
    assert!(cleared.status.success());
    assert_eq!(lookup(&db), "");
    let e = Service::open(&db).await.unwrap_err();
    assert!(matches!(e, Error::Key(_)), "{e:?}");
    assert!(e.to_string().contains("中没有它的密钥"), "{e}");

    // The sealed paper copy opens it (and its backup).
    std::env::set_var(KEY_ENV, &key);
    let svc = Service::open(&db).await.unwrap();
    assert!(svc.verify().await.unwrap().ok);
    svc.shutdown().await;
    Service::check_backup_for(&backup, &db).await.unwrap();
    std::env::remove_var(KEY_ENV);
}
