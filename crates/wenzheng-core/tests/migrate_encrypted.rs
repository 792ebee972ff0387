//! `migrate_to_server` from an encrypted office file (feature `encryption`): read with its
//! key from `$WENZHENG_DB_KEY`; a wrong key is told as one, and nothing reaches the server.
//! (One test: the key variable is process-wide.)

mod common;

use common::ctx_at;
use wenzheng_core::crypt::KEY_ENV;
use wenzheng_core::db::Location;
use wenzheng_core::{Error, Service};

const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const WRONG: &str = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

#[tokio::test]
async fn an_encrypted_office_moves_with_its_key() {
    let Some(admin) = common::pg_admin_url("an_encrypted_office_moves_with_its_key") else {
        return;
    };
    std::env::set_var(KEY_ENV, KEY);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("office.db");
    let svc = Service::open(&file).await.unwrap();
    let ctx = ctx_at(&svc, "2026-11-20 09:00").await;
    svc.seed_demo(&ctx, 30, 5).await.unwrap();
    svc.shutdown().await;
    assert!(
        !wenzheng_core::crypt::is_plaintext(&file),
        "the office is encrypted"
    );

    let wrong_db = common::PgDb::create_on(&admin).await;
    std::env::set_var(KEY_ENV, WRONG);
    let err = Service::migrate_to_server(&file, &Location::parse(&wrong_db.url()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Key(_)), "{err:?}");
    std::env::set_var(KEY_ENV, KEY);

    let db = common::PgDb::create_on(&admin).await;
    let report = Service::migrate_to_server(&file, &Location::parse(&db.url()))
        .await
        .unwrap();
    assert!(report.ok, "{:?}", report.problems);
    let cases = report.tables.iter().find(|t| t.table == "cases").unwrap();
    assert_eq!((cases.source_rows, cases.target_rows), (30, 30));
    std::env::remove_var(KEY_ENV);
}
