//! Connecting to the server through `Service::connect`: TLS with `sslmode=require` and with
//! `sslmode=verify-full` against the CA that signed the server's certificate; a refused
//! certificate, a wrong password, a missing database and a server that is not there each
//! give a clear Chinese message (code `unavailable`) that never shows the password.

mod common;

use std::path::Path;

use wenzheng_core::db::Location;
use wenzheng_core::{Error, Service};

/// `url` with `params` as its query.
fn with_query(url: &str, params: &str) -> String {
    let mut u = url::Url::parse(url).unwrap();
    u.set_query(Some(params));
    u.to_string()
}

/// Connects, expecting a refusal; returns its message.
async fn refused(url: &str) -> String {
    let err = Service::connect(&Location::parse(url)).await.unwrap_err();
    assert!(matches!(err, Error::Unavailable(_)), "{err:?}");
    assert_eq!(err.code(), "unavailable");
    let text = err.to_string();
    assert!(text.starts_with("无法连接数据库服务器 "), "{text}");
    text
}

#[tokio::test]
async fn tls_require_and_verify_full_connect_a_wrong_root_is_refused_clearly() {
    let Some(admin) = common::pg_admin_url("tls_require_and_verify_full") else {
        return;
    };
    let db = common::PgDb::create_on(&admin).await;
    let required = with_query(&db.url(), "sslmode=require");
    let svc = Service::connect(&Location::parse(&required)).await.unwrap();
    let tls: bool = sqlx::query_scalar::<_, i64>(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl",
    )
    .fetch_one(svc.db().pool())
    .await
    .unwrap()
        == 1;
    assert!(tls, "sslmode=require 的连接没有加密");
    let ca: String = sqlx::query_scalar("SELECT CAST(current_setting('ssl_ca_file') AS TEXT)")
        .fetch_one(svc.db().pool())
        .await
        .unwrap();
    assert!(svc.verify().await.unwrap().ok);
    svc.shutdown().await;
    if ca.is_empty() || !Path::new(&ca).is_file() {
        eprintln!("跳过 verify-full：读不到服务器的 CA 证书“{ca}”（服务器不在本机？）");
        return;
    }
    let verified = with_query(&db.url(), &format!("sslmode=verify-full&sslrootcert={ca}"));
    let svc = Service::connect(&Location::parse(&verified)).await.unwrap();
    assert!(svc.verify().await.unwrap().ok);
    svc.shutdown().await;

    // A root that did not sign the server's certificate.
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other-ca.crt");
    let made = std::process::Command::new("openssl")
        .args([
            "req", "-new", "-x509", "-days", "2", "-nodes", "-newkey", "rsa:2048",
        ])
        .args(["-subj", "/CN=another CA", "-keyout"])
        .arg(dir.path().join("other.key"))
        .arg("-out")
        .arg(&other)
        .output();
    if !matches!(&made, Ok(o) if o.status.success()) {
        eprintln!("跳过错误根证书的检查：openssl 不可用（{made:?}）");
        return;
    }
    let wrong = with_query(
        &db.url(),
        &format!("sslmode=verify-full&sslrootcert={}", other.display()),
    );
    let text = refused(&wrong).await;
    assert!(
        text.contains("加密连接（TLS）失败") && text.contains("sslrootcert"),
        "{text}"
    );
    assert!(!text.contains(":wenzheng@"), "password shown: {text}");
}

#[tokio::test]
async fn a_wrong_password_a_missing_database_and_no_server_are_told_in_chinese() {
    let Some(admin) = common::pg_admin_url("a_wrong_password_a_missing_database_and_no_server")
    else {
        return;
    };
    let mut u = url::Url::parse(&admin).unwrap();
    u.set_password(Some("not-the-password")).unwrap();
    let text = refused(u.as_str()).await;
    assert!(text.contains("用户名或密码不正确"), "{text}");
    assert!(
        !text.contains("not-the-password") && text.contains(":***@"),
        "{text}"
    );

    let mut u = url::Url::parse(&admin).unwrap();
    u.set_path("wz_no_such_database");
    let text = refused(u.as_str()).await;
    assert!(text.contains("服务器上没有这个数据库"), "{text}");

    // A port nothing listens on.
    let mut u = url::Url::parse(&admin).unwrap();
    u.set_host(Some("127.0.0.1")).unwrap();
    u.set_port(Some(1)).unwrap();
    let text = refused(u.as_str()).await;
    assert!(text.contains("连不上服务器"), "{text}");
    assert!(text.contains(":***@"), "password hidden: {text}");
}
