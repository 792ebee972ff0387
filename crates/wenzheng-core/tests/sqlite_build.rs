//! The bundled SQLite is built as `.cargo/config.toml` says: without
//! `SQLITE_ENABLE_MEMORY_MANAGEMENT`, which libsqlite3-sys turns on and which puts the
//! page caches of all the connections of a process into one shared group. With the pool's
//! several connections, one connection then dropped the pages another had just read, and
//! the same report read thirteen times as many pages on it (docs/performance.md,
//! optimisation 19). A build without the setting (a `cargo` run outside the workspace's
//! configuration) fails here rather than being slow unnoticed.

use wenzheng_core::Service;

#[tokio::test]
async fn each_connection_keeps_its_own_page_cache() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let svc = Service::open(&dir.path().join("wenzheng.db"))
        .await
        .expect("open");
    let options: Vec<String> =
        sqlx::query_scalar("SELECT compile_options FROM pragma_compile_options")
            .fetch_all(svc.db().pool())
            .await
            .expect("compile options");
    // The list is the bundled library's: it names the full-text index the app relies on.
    assert!(
        options.iter().any(|o| o == "ENABLE_FTS5"),
        "compile options: {options:?}"
    );
    assert!(
        !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
        "SQLite was built with ENABLE_MEMORY_MANAGEMENT (the pool's connections share one \
         page cache); build inside the workspace, whose .cargo/config.toml sets \
         LIBSQLITE3_FLAGS: {options:?}"
    );
    svc.shutdown().await;
}
