//! The desk: what a case allows now (so that no workflow rule lives only in the UI), the
//! dashboard's counts (工作台), and the reply date an assignment would give.

use crate::sql::Sql;
use serde::Serialize;

use super::cases::may_see;
use super::record::{active_units, load_case};
use super::search::{push_queue, push_scope, Moments, Queue};
use super::steps::{permission, step_kind};
use super::{Ctx, Service};
use crate::auth::{self, Permission};
use crate::error::{Error, Result};
use crate::model::{CaseStatus, Role};
use crate::view::CaseDetail;
use crate::workflow::Step;

/// A workflow action the UI may offer for a case.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct ActionView {
    /// Stable code: the event kind the step logs (`acknowledge`, `assign`, `reply_final`, …).
    pub code: &'static str,
    /// The verb in Chinese.
    pub label: &'static str,
}

/// A case as the case screen shows it: everything recorded, and what may be done now.
#[derive(Debug, Clone, Serialize)]
pub struct CaseDesk {
    /// The case with its records and timeline.
    #[serde(flatten)]
    pub detail: CaseDetail,
    /// The steps the case's state and the acting user's role allow, in workflow order.
    pub actions: Vec<ActionView>,
    /// Whether the user may link this case to another (关联案件).
    pub can_link: bool,
}

/// A count on the dashboard, with the queue it opens.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct QueueCount {
    /// Queue code, to pass as the register's `queue` filter.
    pub queue: &'static str,
    /// Chinese name.
    pub label: &'static str,
    /// How many cases.
    pub count: i64,
}

/// Cases in one status.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StatusCount {
    /// Status code.
    pub status: &'static str,
    /// Chinese name.
    pub status_name: &'static str,
    /// How many cases.
    pub count: i64,
}

/// The dashboard (工作台): what needs doing now.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DashboardView {
    /// The work queues, in order.
    pub queues: Vec<QueueCount>,
    /// Cases by status, every status listed.
    pub by_status: Vec<StatusCount>,
    /// The earliest acknowledgment due among pending cases (the 24 h countdown).
    pub next_ack_due: Option<String>,
    /// Today's date (`YYYY-MM-DD`) as the counts were taken.
    pub today: String,
    /// The moment the counts were taken (RFC 3339): the countdown is measured from it,
    /// not from the PC's clock as the window reads it.
    pub now: String,
}

/// The reply date a case would have after an assignment.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AssignPreview {
    /// Reply due by the end of this day.
    pub reply_due: String,
    /// Working days of the reply period, extensions included.
    pub working_days: u32,
    /// `false` when estimated over a year without schedule.
    pub calendar_complete: bool,
}

/// The steps offered in the UI, in workflow order (回访 stands for both of its outcomes).
const STEPS: &[Step] = &[
    Step::Acknowledge,
    Step::Instruct,
    Step::Assign,
    Step::Return,
    Step::Urge,
    Step::Progress,
    Step::Extend,
    Step::InterimReply,
    Step::FinalReply,
    Step::Feedback,
    Step::FollowUp { reopens: false },
    Step::Close,
    Step::Archive,
    Step::Reopen,
    Step::Merge,
];

/// The actions allowed on a case in `status` to a user in `role`; `has_reply` tells whether
/// the case has any reply yet (written feedback needs one).
pub fn allowed_actions(status: CaseStatus, role: Role, has_reply: bool) -> Vec<ActionView> {
    STEPS
        .iter()
        .copied()
        .filter(|s| s.allowed_from().contains(&status))
        .filter(|s| auth::allows(role, permission(*s)))
        .filter(|s| *s != Step::Feedback || has_reply)
        .map(|s| ActionView {
            code: step_kind(s),
            label: s.label(),
        })
        .collect()
}

impl Service {
    /// One case for the case screen: its detail and the actions allowed now.
    pub async fn case_desk(&self, ctx: &Ctx, key: &str) -> Result<CaseDesk> {
        let detail = self.case_detail(ctx, key).await?;
        let status: CaseStatus = detail.case.status.parse()?;
        let has_reply = !detail.replies.is_empty();
        let mut actions = allowed_actions(status, ctx.actor.role, has_reply);
        if ctx.actor.role == Role::Unit {
            // A unit handler acts only while its own unit holds the case.
            let own = detail
                .case
                .units
                .iter()
                .any(|u| Some(u.unit_id) == ctx.actor.unit_id);
            if !own {
                actions.clear();
            }
        }
        let can_link = auth::allows(ctx.actor.role, auth::Permission::Link);
        Ok(CaseDesk {
            detail,
            actions,
            can_link,
        })
    }

    /// The reply date the case would have with `total_units` units assigned (the units it
    /// has plus those about to be assigned), shown before an assignment is confirmed.
    pub async fn assign_preview(
        &self,
        ctx: &Ctx,
        key: &str,
        total_units: u32,
    ) -> Result<AssignPreview> {
        if total_units == 0 {
            return Err(Error::Invalid("请至少选择一个承办单位".into()));
        }
        let mut conn = self.db.pool().acquire().await?;
        let row = load_case(&mut conn, key).await?;
        may_see(&mut conn, ctx, &row).await?;
        let units = active_units(&mut conn, row.id).await?;
        let calendar = self.work_calendar(&mut conn).await?;
        let n = units.len().max(total_units as usize);
        let d = row.deadlines(&calendar, n)?;
        Ok(AssignPreview {
            reply_due: d.reply_due.format("%Y-%m-%d").to_string(),
            working_days: d.working_days,
            calendar_complete: d.calendar_complete,
        })
    }

    /// The dashboard's counts for the acting user, taken in one read transaction.
    pub async fn dashboard(&self, ctx: &Ctx) -> Result<DashboardView> {
        let mut tx = self.db.pool().begin().await?;
        let calendar = self.work_calendar(&mut tx).await?;
        let moments = Moments::new(&calendar, ctx);
        let mut queues = Vec::new();
        for queue in Queue::ALL {
            let mut q: Sql = Sql::new("SELECT COUNT(*) FROM cases c WHERE 1 = 1");
            push_scope(&mut q, ctx)?;
            push_queue(&mut q, *queue, &moments);
            let count: i64 = q.build_query_scalar().fetch_one(&mut *tx).await?;
            queues.push(QueueCount {
                queue: queue.code(),
                label: queue.label(),
                count,
            });
        }
        let counts: Vec<(String, i64)> = if auth::allows(ctx.actor.role, Permission::ViewAll) {
            // Kept by triggers (migration 0013): counting a million cases takes ~100 ms.
            sqlx::query_as("SELECT status, n FROM case_status_counts")
                .fetch_all(&mut *tx)
                .await?
        } else {
            let mut q: Sql = Sql::new("SELECT c.status, COUNT(*) FROM cases c WHERE 1 = 1");
            push_scope(&mut q, ctx)?;
            q.push(" GROUP BY c.status");
            q.build_query_as().fetch_all(&mut *tx).await?
        };
        let by_status = CaseStatus::ALL
            .iter()
            .map(|s| StatusCount {
                status: s.code(),
                status_name: s.label(),
                count: counts
                    .iter()
                    .find(|(c, _)| c == s.code())
                    .map_or(0, |(_, n)| *n),
            })
            .collect();
        let mut q: Sql = Sql::new("SELECT MIN(c.ack_due) FROM cases c WHERE c.status = 'pending'");
        push_scope(&mut q, ctx)?;
        let next_ack_due: Option<String> = q.build_query_scalar().fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(DashboardView {
            queues,
            by_status,
            next_ack_due,
            today: ctx.now.date_naive().format("%Y-%m-%d").to_string(),
            now: ctx.now.to_rfc3339(),
        })
    }
}
