//! The case register for export, masked by default; in full only for the roles allowed
//! to see personal information, and then logged.

use std::collections::HashMap;

use serde_json::json;

use super::record::event;
use super::{Ctx, Service};
use crate::auth::{self, Permission};
use crate::error::Result;
use crate::report::export::RegisterRow;
use crate::report::privacy::Personal;

impl Service {
    /// The register to export: phones masked, or with [`Personal::Unmasked`] in full —
    /// which needs the permission to see personal information and is recorded as an
    /// event (who exported how many cases with full phone numbers).
    pub async fn register_export(&self, ctx: &Ctx, personal: Personal) -> Result<Vec<RegisterRow>> {
        let mut rows = self.case_register(ctx).await?;
        if personal == Personal::Masked {
            return Ok(rows);
        }
        auth::require(ctx.actor.role, Permission::RevealPersonal)?;
        let mut tx = self.db.write().await?;
        let phones: HashMap<i64, Option<String>> =
            sqlx::query_as::<_, (i64, Option<String>)>("SELECT id, phone FROM cases")
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
        for r in &mut rows {
            r.phone = phones.get(&r.id).cloned().flatten();
        }
        let with_phone = rows.iter().filter(|r| r.phone.is_some()).count();
        event(
            &mut tx,
            ctx,
            None,
            "export_personal",
            &format!(
                "导出含个人信息的案件台账：{} 件，其中 {with_phone} 件有完整联系电话",
                rows.len()
            ),
            None,
            Some(json!({ "cases": rows.len(), "with_phone": with_phone })),
        )
        .await?;
        tx.commit().await?;
        Ok(rows)
    }
}
