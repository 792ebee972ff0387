//! The IPC commands of the desk: the case screen and every workflow step, the dashboard,
//! the register's search, units, reply templates and the working-day calendar. Each calls
//! one core service; no rule is decided here.

use chrono::Datelike;
use serde::Serialize;
use tauri::State;
use wenzheng_core::paste::{parse_platform_text, PastedMessage};
use wenzheng_core::service::desk::{AssignPreview, CaseDesk, DashboardView};
use wenzheng_core::service::templates::TemplateView;
use wenzheng_core::service::{
    Assignment, CasePage, CaseRef, DayMode, LinkMode, NewCase, NewTemplate, SearchFilter,
};
use wenzheng_core::view::{CalendarYearView, CaseView, DayEditView, UnitView};

use crate::commands::CmdResult;
use crate::state::AppState;

/// One case for the case screen: detail, timeline and the actions allowed now.
#[tauri::command]
pub async fn case_desk(state: State<'_, AppState>, key: String) -> CmdResult<CaseDesk> {
    Ok(state.service.case_desk(&state.ctx()?, &key).await?)
}

/// One page of the register.
#[tauri::command]
pub async fn search_cases(
    state: State<'_, AppState>,
    filter: Option<SearchFilter>,
) -> CmdResult<CasePage> {
    let filter = filter.unwrap_or_default();
    let page = state.service.search_cases(&state.ctx()?, &filter).await?;
    state.list_shown();
    Ok(page)
}

/// The dashboard's counts.
#[tauri::command]
pub async fn dashboard(state: State<'_, AppState>) -> CmdResult<DashboardView> {
    let view = state.service.dashboard(&state.ctx()?).await?;
    state.list_shown();
    Ok(view)
}

/// Possible duplicates of a message being registered.
#[tauri::command]
pub async fn similar_cases(
    state: State<'_, AppState>,
    title: String,
    content: String,
) -> CmdResult<Vec<CaseView>> {
    Ok(state
        .service
        .similar_cases(&state.ctx()?, &title, &content)
        .await?)
}

/// The reply date after assigning, with `units` units in all.
#[tauri::command]
pub async fn assign_preview(
    state: State<'_, AppState>,
    key: String,
    units: u32,
) -> CmdResult<AssignPreview> {
    Ok(state
        .service
        .assign_preview(&state.ctx()?, &key, units)
        .await?)
}

/// 受理. Every step on a case takes the `version` the window shows (`None`: no check);
/// when the case changed since, it is refused with code `conflict`.
#[tauri::command]
pub async fn acknowledge_case(
    state: State<'_, AppState>,
    key: String,
    version: Option<i64>,
    text: Option<String>,
) -> CmdResult<CaseView> {
    Ok(state
        .service
        .acknowledge(&state.ctx()?, CaseRef::at(&key, version), text.as_deref())
        .await?)
}

/// 领导批示.
#[tauri::command]
pub async fn instruct_case(
    state: State<'_, AppState>,
    key: String,
    version: Option<i64>,
    leader: String,
    text: String,
) -> CmdResult<CaseView> {
    Ok(state
        .service
        .instruct(&state.ctx()?, CaseRef::at(&key, version), &leader, &text)
        .await?)
}

/// 交办 / 改派.
#[tauri::command]
pub async fn assign_case(
    state: State<'_, AppState>,
    key: String,
    version: Option<i64>,
    input: Assignment,
) -> CmdResult<CaseView> {
    Ok(state
        .service
        .assign(&state.ctx()?, CaseRef::at(&key, version), input)
        .await?)
}

/// 退回.
#[tauri::command]
pub async fn return_case(
    state: State<'_, AppState>,
    key: String,
    version: Option<i64>,
    unit: String,
    reason: String,
) -> CmdResult<CaseView> {
    Ok(state
        .service
        .return_unit(&state.ctx()?, CaseRef::at(&key, version), &unit, &reason)
        .await?)
}

/// 催办.
#[tauri::command]
pub async fn urge_case(
    state: State<'_, AppState>,
    key: String,
    version: Option<i64>,
    unit: String,
    level: Option<String>,
    text: Option<String>,
) -> CmdResult<CaseView> {
    Ok(state
        .service
        .urge(
            &state.ctx()?,
            CaseRef::at(&key, version),
            &unit,
            level.as_deref(),
            text.as_deref(),
        )
        .await?)
}

/// 办理进展.
#[tauri::command]
pub async fn progress_case(
    state: State<'_, AppState>,
    key: String,
    version: Option<i64>,
    unit: String,
    text: String,
) -> CmdResult<CaseView> {
    Ok(state
        .service
        .report_progress(&state.ctx()?, CaseRef::at(&key, version), &unit, &text)
        .await?)
}

/// 延期.
#[tauri::command]
pub async fn extend_case(
    state: State<'_, AppState>,
    key: String,
    version: Option<i64>,
    days: u32,
    reason: String,
) -> CmdResult<CaseView> {
    Ok(state
        .service
        .extend(&state.ctx()?, CaseRef::at(&key, version), days, &reason)
        .await?)
}

/// 答复 (interim, or final when `last` is true).
#[tauri::command]
pub async fn reply_case(
    state: State<'_, AppState>,
    key: String,
    version: Option<i64>,
    text: String,
    last: bool,
    published: Option<String>,
) -> CmdResult<CaseView> {
    Ok(state
        .service
        .reply(
            &state.ctx()?,
            CaseRef::at(&key, version),
            &text,
            last,
            published.as_deref(),
        )
        .await?)
}

/// 书面反馈.
#[tauri::command]
pub async fn feedback_case(
    state: State<'_, AppState>,
    key: String,
    version: Option<i64>,
) -> CmdResult<CaseView> {
    Ok(state
        .service
        .feedback(&state.ctx()?, CaseRef::at(&key, version))
        .await?)
}

/// 回访.
#[tauri::command]
pub async fn followup_case(
    state: State<'_, AppState>,
    key: String,
    version: Option<i64>,
    satisfaction: String,
    note: Option<String>,
) -> CmdResult<CaseView> {
    Ok(state
        .service
        .follow_up(
            &state.ctx()?,
            CaseRef::at(&key, version),
            &satisfaction,
            note.as_deref(),
        )
        .await?)
}

/// 办结.
#[tauri::command]
pub async fn close_case(
    state: State<'_, AppState>,
    key: String,
    version: Option<i64>,
    result: String,
) -> CmdResult<CaseView> {
    Ok(state
        .service
        .close(&state.ctx()?, CaseRef::at(&key, version), &result)
        .await?)
}

/// 归档.
#[tauri::command]
pub async fn archive_case(
    state: State<'_, AppState>,
    key: String,
    version: Option<i64>,
) -> CmdResult<CaseView> {
    Ok(state
        .service
        .archive(&state.ctx()?, CaseRef::at(&key, version))
        .await?)
}

/// 重新办理.
#[tauri::command]
pub async fn reopen_case(
    state: State<'_, AppState>,
    key: String,
    version: Option<i64>,
    reason: String,
) -> CmdResult<CaseView> {
    Ok(state
        .service
        .reopen(&state.ctx()?, CaseRef::at(&key, version), &reason)
        .await?)
}

/// The reply templates.
#[tauri::command]
pub async fn list_templates(state: State<'_, AppState>) -> CmdResult<Vec<TemplateView>> {
    state.ctx()?;
    Ok(state.service.list_templates().await?)
}

/// Adds a template, or changes template `id`.
#[tauri::command]
pub async fn save_template(
    state: State<'_, AppState>,
    id: Option<i64>,
    input: NewTemplate,
) -> CmdResult<TemplateView> {
    let ctx = state.ctx()?;
    Ok(match id {
        Some(id) => state.service.update_template(&ctx, id, &input).await?,
        None => state.service.add_template(&ctx, &input).await?,
    })
}

/// Deletes a template.
#[tauri::command]
pub async fn delete_template(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    Ok(state.service.delete_template(&state.ctx()?, id).await?)
}

/// Adds a handling unit.
#[tauri::command]
pub async fn add_unit(state: State<'_, AppState>, name: String) -> CmdResult<UnitView> {
    Ok(state.service.add_unit(&state.ctx()?, &name).await?)
}

/// Switches a unit on or off.
#[tauri::command]
pub async fn set_unit_active(
    state: State<'_, AppState>,
    id: i64,
    active: bool,
) -> CmdResult<UnitView> {
    Ok(state
        .service
        .set_unit_active(&state.ctx()?, id, active)
        .await?)
}

/// Which years the calendar holds, and whether next year's schedule is missing.
#[derive(Debug, Clone, Serialize)]
pub struct CalendarStatus {
    /// Years with an official schedule, ascending.
    pub years: Vec<i32>,
    /// This year.
    pub this_year: i32,
    /// True when next year's schedule has not been imported yet.
    pub next_year_missing: bool,
}

/// The years of the calendar.
#[tauri::command]
pub async fn calendar_status(state: State<'_, AppState>) -> CmdResult<CalendarStatus> {
    let this_year = state.ctx()?.now.year();
    let calendar = state.service.calendar().await?;
    let mut years: Vec<i32> = calendar.years().collect();
    years.sort_unstable();
    Ok(CalendarStatus {
        next_year_missing: !calendar.has_year(this_year + 1),
        years,
        this_year,
    })
}

/// One year of the calendar.
#[tauri::command]
pub async fn calendar_year(state: State<'_, AppState>, year: i32) -> CmdResult<CalendarYearView> {
    state.ctx()?;
    Ok(state.service.calendar_year(year).await?)
}

/// Imports a year's schedule (holiday-cn JSON text) read from the file `name`.
#[tauri::command]
pub async fn import_calendar(
    state: State<'_, AppState>,
    text: String,
    name: String,
) -> CmdResult<CalendarYearView> {
    Ok(state
        .service
        .import_calendar(&state.ctx()?, &text, &name)
        .await?)
}

/// Links two cases as related (关联案件).
#[tauri::command]
pub async fn link_case(
    state: State<'_, AppState>,
    key: String,
    version: Option<i64>,
    other: String,
    note: Option<String>,
) -> CmdResult<CaseView> {
    Ok(state
        .service
        .link_cases(
            &state.ctx()?,
            CaseRef::at(&key, version),
            &other,
            note.as_deref(),
        )
        .await?)
}

/// Closes case `key` as a duplicate (重复件) of case `into`.
#[tauri::command]
pub async fn merge_case(
    state: State<'_, AppState>,
    key: String,
    version: Option<i64>,
    into: String,
    reply: Option<String>,
) -> CmdResult<CaseView> {
    Ok(state
        .service
        .merge_case(
            &state.ctx()?,
            CaseRef::at(&key, version),
            &into,
            reply.as_deref(),
        )
        .await?)
}

/// Registers a message and links it to, or merges it into, the existing case `other`.
#[tauri::command]
pub async fn register_linked_case(
    state: State<'_, AppState>,
    input: NewCase,
    other: String,
    mode: LinkMode,
) -> CmdResult<CaseView> {
    Ok(state
        .service
        .register_linked(&state.ctx()?, input, &other, mode)
        .await?)
}

/// Reads the intake fields out of text pasted from a message platform (nothing is saved).
#[tauri::command]
pub fn parse_paste(state: State<'_, AppState>, text: String) -> CmdResult<PastedMessage> {
    state.ctx()?;
    Ok(parse_platform_text(&text))
}

/// Sets one day of the calendar: `holiday`, `workday` or `official`.
#[tauri::command]
pub async fn set_calendar_day(
    state: State<'_, AppState>,
    day: String,
    mode: String,
    note: Option<String>,
) -> CmdResult<DayEditView> {
    let ctx = state.ctx()?;
    let mode: DayMode = mode.parse()?;
    Ok(state
        .service
        .set_calendar_day(&ctx, &day, mode, note.as_deref())
        .await?)
}

/// Renames a handling unit.
#[tauri::command]
pub async fn rename_unit(state: State<'_, AppState>, id: i64, name: String) -> CmdResult<UnitView> {
    Ok(state.service.rename_unit(&state.ctx()?, id, &name).await?)
}
