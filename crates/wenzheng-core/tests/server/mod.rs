//! A fresh database on the PostgreSQL test server for one test, dropped afterwards.
//! `WENZHENG_TEST_PG_URL` is the admin URL (`scripts/pg-test-server start` prints it);
//! without it the tests that need a server say so and skip.

#![allow(dead_code)]

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, Executor, PgConnection};

/// The environment variable with the admin URL of the test server.
pub const PG_URL_ENV: &str = "WENZHENG_TEST_PG_URL";

/// The admin URL, or `None` after printing why `test` is skipped.
pub fn admin_url(test: &str) -> Option<String> {
    match std::env::var(PG_URL_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("跳过 {test}: 未设置 {PG_URL_ENV}（scripts/pg-test-server start 会给出）");
            None
        }
    }
}

/// An empty database `wz_t_…` of its own, dropped (with its connections) on drop.
pub struct TestDb {
    admin: String,
    /// The database's name.
    pub name: String,
}

impl TestDb {
    /// Creates the database.
    pub async fn create(admin: &str) -> TestDb {
        let name = format!(
            "wz_t_{}_{:016x}",
            std::process::id(),
            RandomState::new().build_hasher().finish()
        );
        let mut conn = PgConnection::connect(admin).await.unwrap();
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        conn.close().await.unwrap();
        TestDb {
            admin: admin.to_owned(),
            name,
        }
    }

    /// The URL of this database (the admin URL with its database replaced).
    pub fn url(&self) -> String {
        let mut u = url::Url::parse(&self.admin).unwrap();
        u.set_path(&self.name);
        u.to_string()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin = PgConnectOptions::from_str(&self.admin).unwrap();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop runs outside any async context: a thread of its own with its own runtime.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async move {
                    let mut conn = PgConnection::connect_with(&admin).await?;
                    conn.execute(sql.as_str()).await?;
                    conn.close().await
                })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("测试数据库 {} 未能删除: {dropped:?}", self.name);
        }
    }
}
