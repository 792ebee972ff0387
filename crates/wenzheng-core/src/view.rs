//! What the services hand to the front ends: plain records that serialize to the JSON of
//! the CLI's `--json` and of the desktop app's IPC. Field names here are a contract
//! (`docs/cli.md`); add fields freely, rename or remove none without reason.

use serde::Serialize;

/// A case as listed and as returned by every workflow step.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CaseView {
    /// Numeric id.
    pub id: i64,
    /// Human case number, e.g. `WZ-2026-000123`.
    pub number: String,
    /// Status code (`pending`, `acknowledged`, `assigned`, `in_progress`, `replied`, `closed`, `archived`).
    pub status: String,
    /// Status in Chinese (待受理 …).
    pub status_name: String,
    /// Title of the message.
    pub title: String,
    /// Text of the message.
    pub content: String,
    /// Category in Chinese (个人诉求, 民生 …).
    pub category: String,
    /// Platform or site where the message was found.
    pub source: String,
    /// Link to the message.
    pub link: Option<String>,
    /// The poster's screen name.
    pub poster: Option<String>,
    /// The poster's contact phone.
    pub phone: Option<String>,
    /// Flagged important (重要信息).
    pub important: bool,
    /// Flagged sensitive (敏感信息).
    pub sensitive: bool,
    /// `ordinary` or `complex`.
    pub complexity: String,
    /// When the message was posted or received (RFC 3339, +08:00).
    pub received_at: String,
    /// When it was registered.
    pub registered_at: String,
    /// Acknowledgment due (registration + 24 h).
    pub ack_due: String,
    /// Reply due by the end of this day (`YYYY-MM-DD`).
    pub reply_due: String,
    /// Working days of the reply period, extensions included.
    pub working_days: i64,
    /// Working days added by approved extensions.
    pub extension_days: i64,
    /// `false` when the reply date is a Monday–Friday estimate (a year without schedule).
    pub calendar_complete: bool,
    /// When the acknowledgment was given.
    pub acknowledged_at: Option<String>,
    /// When the final reply was given.
    pub replied_at: Option<String>,
    /// When the case was closed.
    pub closed_at: Option<String>,
    /// The result recorded on closing.
    pub result: Option<String>,
    /// When the case was archived.
    pub archived_at: Option<String>,
    /// Optimistic-locking version: 1 when registered, raised by every event that changes
    /// the case (not by what is only logged); pass it back in a [`crate::service::CaseRef`].
    pub version: i64,
    /// Acknowledgment or reply overdue at the time asked.
    pub overdue: bool,
    /// Not acknowledged within 24 hours.
    pub ack_overdue: bool,
    /// Open past the end of the reply day.
    pub reply_overdue: bool,
    /// Working days left (negative: overdue by); `null` once replied.
    pub remaining_working_days: Option<i64>,
    /// The units currently assigned.
    pub units: Vec<AssignedUnit>,
}

/// A unit currently assigned to a case.
#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
pub struct AssignedUnit {
    /// Unit id.
    pub unit_id: i64,
    /// Unit name.
    pub unit: String,
    /// `lead` (主办) or `assist` (协办).
    pub role: String,
}

/// A case with everything recorded about it.
#[derive(Debug, Clone, Serialize)]
pub struct CaseDetail {
    /// The case itself.
    #[serde(flatten)]
    pub case: CaseView,
    /// Every assignment, returned ones included.
    pub assignments: Vec<AssignmentView>,
    /// Leaders' instructions.
    pub instructions: Vec<InstructionView>,
    /// Urgings.
    pub urgings: Vec<UrgingView>,
    /// Progress reports of the units.
    pub progress: Vec<ProgressView>,
    /// Replies to the citizen.
    pub replies: Vec<ReplyView>,
    /// Written feedbacks to the county.
    pub feedbacks: Vec<FeedbackView>,
    /// Approved extensions.
    pub extensions: Vec<ExtensionView>,
    /// Follow-ups (回访) with the citizen's satisfaction.
    pub followups: Vec<FollowupView>,
    /// Attached files (screenshots and the like).
    pub attachments: Vec<AttachmentView>,
    /// The timeline: every event, oldest first.
    pub events: Vec<EventView>,
    /// Linked cases (关联案件) and duplicates (重复件 / 主件), both directions.
    pub links: Vec<CaseLinkView>,
}

/// Another case linked to this one.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CaseLinkView {
    /// `related` (关联案件), `duplicate` (the other case is a duplicate of this one) or
    /// `duplicate_of` (this case is a duplicate of the other, its main case).
    pub kind: String,
    /// The kind in Chinese: 关联案件, 重复件, 主件.
    pub kind_name: String,
    /// The other case's id.
    pub id: i64,
    /// The other case's number.
    pub number: String,
    /// The other case's title.
    pub title: String,
    /// The other case's status code.
    pub status: String,
    /// Why they were linked, if said.
    pub note: Option<String>,
    /// When.
    pub created_at: String,
}

/// An assignment of a case to a unit.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AssignmentView {
    /// Assignment id.
    pub id: i64,
    /// Unit name.
    pub unit: String,
    /// `lead` or `assist`.
    pub role: String,
    /// The office's requirements.
    pub requirements: Option<String>,
    /// When it was assigned.
    pub assigned_at: String,
    /// When the unit returned it, if it did.
    pub returned_at: Option<String>,
    /// Why it was returned.
    pub return_reason: Option<String>,
}

/// A leader's instruction.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct InstructionView {
    /// Instruction id.
    pub id: i64,
    /// The leader who gave it.
    pub leader: String,
    /// The instruction.
    pub text: String,
    /// When it was recorded.
    pub created_at: String,
}

/// An urging of a unit.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct UrgingView {
    /// Urging id.
    pub id: i64,
    /// The unit urged.
    pub unit: String,
    /// 普通, 黄牌 or 红牌.
    pub level: String,
    /// What was said.
    pub text: String,
    /// When.
    pub created_at: String,
}

/// A unit's progress report.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ProgressView {
    /// Report id.
    pub id: i64,
    /// The reporting unit.
    pub unit: String,
    /// The report.
    pub text: String,
    /// When.
    pub created_at: String,
}

/// A reply to the citizen.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ReplyView {
    /// Reply id.
    pub id: i64,
    /// `acknowledgment`, `interim` or `final`.
    pub kind: String,
    /// The text.
    pub text: String,
    /// When it was published in the platform's 部门回应 column.
    pub published_at: Option<String>,
    /// When it was recorded.
    pub created_at: String,
}

/// A written feedback to 县信访局 and 县委办督查室.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FeedbackView {
    /// Feedback id.
    pub id: i64,
    /// 第N次 for the case.
    pub seq: i64,
    /// The recipients.
    pub recipients: String,
    /// The reply it reports.
    pub reply_id: Option<i64>,
    /// When.
    pub created_at: String,
}

/// A file attached to a case.
#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
pub struct AttachmentView {
    /// Attachment id.
    pub id: i64,
    /// The file's name as it was attached.
    pub file_name: String,
    /// SHA-256 of its content (hex).
    pub sha256: String,
    /// Size in bytes.
    pub size: i64,
    /// When it was attached.
    pub created_at: String,
}

/// A follow-up (回访) with the citizen.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FollowupView {
    /// Follow-up id.
    pub id: i64,
    /// `satisfied`, `basic` or `unsatisfied`.
    pub satisfaction: String,
    /// What the citizen said.
    pub note: Option<String>,
    /// When.
    pub created_at: String,
}

/// An approved extension.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ExtensionView {
    /// Extension id.
    pub id: i64,
    /// Working days added.
    pub days: i64,
    /// Why.
    pub reason: String,
    /// Who approved it.
    pub approved_by: String,
    /// When.
    pub created_at: String,
}

/// One entry of the event log.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct EventView {
    /// Event id (position in the log).
    pub id: i64,
    /// The case, if the event concerns one.
    pub case_id: Option<i64>,
    /// Who did it (display name).
    pub actor: String,
    /// When.
    pub at: String,
    /// What kind of change (`register`, `acknowledge`, …).
    pub kind: String,
    /// What happened, in Chinese.
    pub summary: String,
    /// The changed fields before, as JSON text.
    pub before: Option<String>,
    /// The changed fields after, as JSON text.
    pub after: Option<String>,
}

/// A handling unit.
#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
pub struct UnitView {
    /// Unit id.
    pub id: i64,
    /// Name, e.g. 镇农业农村办.
    pub name: String,
    /// Whether it can be assigned.
    #[sqlx(try_from = "crate::sql::Flag")]
    pub active: bool,
}

/// A year of the working-day calendar.
#[derive(Debug, Clone, Serialize)]
pub struct CalendarYearView {
    /// The year.
    pub year: i32,
    /// Where the schedule came from.
    pub source: String,
    /// When an administrator imported it (`null`: bundled with the app).
    pub imported_at: Option<String>,
    /// Number of working days in the year.
    pub working_days: u32,
    /// The exceptions to Monday–Friday.
    pub days: Vec<CalendarDayView>,
    /// Single days set apart from the official schedule by the office (these win).
    pub overrides: Vec<CalendarOverrideView>,
}

/// The result of editing one day of the calendar.
#[derive(Debug, Clone, Serialize)]
pub struct DayEditView {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// `holiday` (休), `workday` (班) or `official` (back to the official schedule).
    pub mode: String,
    /// Whether the day now counts as a working day.
    pub working_day: bool,
    /// Whether the official schedule counts it as a working day.
    pub official_working_day: bool,
    /// The office's note.
    pub note: Option<String>,
    /// Open cases whose stored reply date changed with the edit.
    pub recomputed: Vec<RecomputedDue>,
}

/// An open case whose reply date moved because the calendar changed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RecomputedDue {
    /// Case number.
    pub number: String,
    /// Reply due before.
    pub before: String,
    /// Reply due now.
    pub after: String,
}

/// A day the office set apart from the official schedule.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CalendarOverrideView {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// `true`: a day off (休); `false`: a working day (班).
    #[sqlx(try_from = "crate::sql::Flag")]
    pub is_off_day: bool,
    /// The office's note.
    pub note: Option<String>,
    /// When it was set.
    pub updated_at: String,
}

/// A holiday or make-up working day.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CalendarDayView {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Holiday name.
    pub name: String,
    /// `true`: day off; `false`: make-up working day (调休上班).
    #[sqlx(try_from = "crate::sql::Flag")]
    pub is_off_day: bool,
}

/// The deadlines of a hypothetical case, for `wenzheng deadline`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeadlineView {
    /// When received.
    pub received: String,
    /// Acknowledgment due.
    pub ack_due: String,
    /// Reply due (end of day).
    pub reply_due: String,
    /// Working days counted.
    pub working_days: u32,
    /// `false` when estimated over a year without schedule.
    pub calendar_complete: bool,
}

/// A user account (never its password).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UserView {
    /// User id.
    pub id: i64,
    /// Login name.
    pub login: String,
    /// Name shown in the history.
    pub display_name: String,
    /// Role code (`admin`, `clerk`, `leader`, `unit`).
    pub role: String,
    /// Role in Chinese.
    pub role_name: String,
    /// For a unit handler: the unit's name.
    pub unit: Option<String>,
    /// Whether the user may sign in.
    pub active: bool,
}

/// The result of checking the database and its history.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VerifyView {
    /// Nothing wrong.
    pub ok: bool,
    /// SQLite's page check said ok (`integrity_check`; `quick_check` in the desktop's check
    /// at start, [`crate::Service::verify_at_start`]).
    pub integrity_ok: bool,
    /// Events in the log.
    pub events_checked: usize,
    /// What is wrong, in Chinese, with the position of each broken event.
    pub problems: Vec<String>,
}

/// A backup written.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BackupView {
    /// The backup file.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// Events verified in the copy.
    pub events_checked: usize,
}

/// A restore done.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RestoreView {
    /// The database file replaced.
    pub restored: String,
    /// The backup it was restored from.
    pub from: String,
    /// Where the previous file was kept, if there was one.
    pub previous_kept_as: Option<String>,
    /// Events verified in the backup.
    pub events_checked: usize,
}

/// One notification in the in-app bell (铃铛).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BellItem {
    /// Stable key of the situation (see `due.rs`).
    pub key: String,
    /// What it is about (`summary`, `ack_soon`, `reply_overdue` …).
    pub kind: String,
    /// The case's id, `None` for the daily summary.
    pub case_id: Option<i64>,
    /// The case's number, `None` for the daily summary.
    pub case_number: Option<String>,
    /// The title line, in Chinese, as sent to the desktop.
    pub summary: String,
    /// The text, in Chinese, as sent.
    pub body: String,
    /// When the watch raised it (RFC 3339, +08:00).
    pub sent_at: String,
    /// Whether the signed-in user has read it.
    pub read: bool,
}

/// The bell of the signed-in user: how many are unread, and the newest notifications.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BellView {
    /// Notifications the user has not read.
    pub unread: u32,
    /// The newest notifications first (at most 50).
    pub items: Vec<BellItem>,
}
