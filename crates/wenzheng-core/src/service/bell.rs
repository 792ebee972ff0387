//! The in-app bell (铃铛): the notifications the deadline watch recorded, newest first,
//! with what each user has read (`notification_reads`). It works whether or not the
//! desktop has a notification service: the watch records every notice it decides on.

use super::{Ctx, Service};
use crate::auth::{self, Permission};
use crate::clock::format_instant;
use crate::error::{Error, Result};
use crate::view::{BellItem, BellView};

/// How many notifications the bell lists.
const BELL_ITEMS: i64 = 50;

/// key, kind, case id, case number, summary, body, sent at, read.
type BellRow = (
    String,
    String,
    Option<i64>,
    Option<String>,
    String,
    String,
    String,
    crate::sql::Flag,
);

impl Service {
    /// The bell of `ctx.actor`: the unread count and the newest notifications.
    pub async fn bell(&self, ctx: &Ctx) -> Result<BellView> {
        auth::require(ctx.actor.role, Permission::ViewAll)?;
        let mut tx = self.db.pool().begin().await?;
        let unread: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications_sent n WHERE NOT EXISTS
                (SELECT 1 FROM notification_reads r WHERE r.user_id = $1 AND r.key = n.key)",
        )
        .bind(ctx.actor.id)
        .fetch_one(&mut *tx)
        .await?;
        let rows: Vec<BellRow> = sqlx::query_as(
            "SELECT n.key, n.kind, n.case_id, c.number, n.summary, n.body, n.sent_at,
                    EXISTS (SELECT 1 FROM notification_reads r
                            WHERE r.user_id = $1 AND r.key = n.key)
             FROM notifications_sent n LEFT JOIN cases c ON c.id = n.case_id
             ORDER BY n.sent_at DESC, n.seq LIMIT $2",
        )
        .bind(ctx.actor.id)
        .bind(BELL_ITEMS)
        .fetch_all(&mut *tx)
        .await?;
        tx.rollback().await?;
        Ok(BellView {
            unread: u32::try_from(unread).unwrap_or(u32::MAX),
            items: rows
                .into_iter()
                .map(
                    |(
                        key,
                        kind,
                        case_id,
                        case_number,
                        summary,
                        body,
                        sent_at,
                        crate::sql::Flag(read),
                    )| BellItem {
                        key,
                        kind,
                        case_id,
                        case_number,
                        summary,
                        body,
                        sent_at,
                        read,
                    },
                )
                .collect(),
        })
    }

    /// Marks the notification `key` as read by `ctx.actor`, or every one when `key` is
    /// `None` (全部已读); returns the bell as it is then.
    pub async fn bell_read(&self, ctx: &Ctx, key: Option<&str>) -> Result<BellView> {
        auth::require(ctx.actor.role, Permission::ViewAll)?;
        let mut tx = self.db.write().await?;
        if let Some(key) = key {
            let known: Option<i64> =
                sqlx::query_scalar("SELECT 1 FROM notifications_sent WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await?;
            if known.is_none() {
                return Err(Error::NotFound(format!("没有这条提醒：{key}")));
            }
        }
        sqlx::query(
            "INSERT INTO notification_reads (user_id, key, read_at)
             SELECT $1, key, $2 FROM notifications_sent WHERE $3 IS NULL OR key = $4
             ON CONFLICT (user_id, key) DO NOTHING",
        )
        .bind(ctx.actor.id)
        .bind(format_instant(&ctx.now))
        .bind(key)
        .bind(key)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.bell(ctx).await
    }
}
