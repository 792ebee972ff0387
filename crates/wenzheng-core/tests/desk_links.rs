//! The rest of the desk on a real SQLite file: linking cases and merging duplicates,
//! editing single calendar days (with the stored deadlines of open cases kept current),
//! renaming and switching units off and on.

mod common;

use common::{ctx_at, dump, fresh};
use wenzheng_core::model::Role;
use wenzheng_core::service::{merge_reply_text, Assignment, DayMode, LinkMode, NewCase, NewUser};
use wenzheng_core::{Error, Service};

const NOW: &str = "2026-11-03 09:00";

async fn add(svc: &Service, received: &str, title: &str) -> String {
    let ctx = ctx_at(svc, NOW).await;
    svc.register(
        &ctx,
        NewCase {
            title: title.into(),
            content: format!("{title}，请尽快处理。"),
            received_at: Some(received.into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .number
}

async fn as_role(svc: &Service, login: &str, role: Role, unit: Option<&str>) -> wenzheng_core::Ctx {
    let admin = ctx_at(svc, NOW).await;
    svc.add_user(
        &admin,
        NewUser {
            login: login.into(),
            display_name: login.into(),
            role: role.code().into(),
            unit: unit.map(Into::into),
            password: None,
        },
    )
    .await
    .unwrap();
    wenzheng_core::Ctx {
        actor: svc.actor(Some(login)).await.unwrap(),
        now: admin.now,
    }
}

fn kinds(events: &[wenzheng_core::view::EventView]) -> Vec<&str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

#[tokio::test]
async fn related_cases_show_on_both_sides_and_links_are_checked() {
    let (_d, svc) = fresh().await;
    let ctx = ctx_at(&svc, NOW).await;
    let a = add(&svc, "2026-11-02 10:00", "城南路灯不亮").await;
    let b = add(&svc, "2026-11-02 11:00", "城南路段夜间太黑").await;

    svc.link_cases(&ctx, &a, &b, Some("同一路段"))
        .await
        .unwrap();
    let da = svc.case_detail(&ctx, &a).await.unwrap();
    let db = svc.case_detail(&ctx, &b).await.unwrap();
    assert_eq!(da.links.len(), 1);
    assert_eq!(
        (da.links[0].kind.as_str(), da.links[0].number.as_str()),
        ("related", b.as_str())
    );
    assert_eq!(da.links[0].kind_name, "关联案件");
    assert_eq!(da.links[0].note.as_deref(), Some("同一路段"));
    assert_eq!(db.links[0].number, a);
    assert_eq!(
        da.events.last().unwrap().summary,
        format!("关联案件 {b}：同一路段")
    );
    assert_eq!(
        db.events.last().unwrap().summary,
        format!("关联案件 {a}：同一路段")
    );

    // Refusals change nothing.
    let leader = as_role(&svc, "leader1", Role::Leader, None).await;
    let before = dump(&svc).await;
    let again = svc.link_cases(&ctx, &b, &a, None).await.unwrap_err();
    assert!(matches!(again, Error::Invalid(_)), "{again}");
    assert_eq!(again.to_string(), format!("案件 {b} 与 {a} 已经关联"));
    let own = svc.link_cases(&ctx, &a, &a, None).await.unwrap_err();
    assert_eq!(own.to_string(), format!("不能把案件 {a} 与它自己关联"));
    let missing = svc
        .link_cases(&ctx, &a, "WZ-2026-999999", None)
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::NotFound(_)));
    let err = svc.link_cases(&leader, &a, &b, None).await.unwrap_err();
    assert_eq!(err.to_string(), "您的角色是“领导”，无权关联或合并案件");
    assert!(dump(&svc).await == before, "a refusal changed the file");
}

#[tokio::test]
async fn a_duplicate_is_closed_into_its_main_case() {
    let (_d, svc) = fresh().await;
    let ctx = ctx_at(&svc, NOW).await;
    let main = add(&svc, "2026-11-02 10:00", "菜市场噪音扰民").await;
    let dup = add(&svc, "2026-11-02 12:00", "菜市场凌晨卸货太吵").await;
    svc.acknowledge(&ctx, &dup, None).await.unwrap();

    let closed = svc.merge_case(&ctx, &dup, &main, None).await.unwrap();
    assert_eq!(closed.status, "closed");
    assert_eq!(
        closed.result.as_deref(),
        Some(format!("重复件，已并入案件 {main}").as_str())
    );
    let d = svc.case_detail(&ctx, &dup).await.unwrap();
    assert_eq!(d.replies.last().unwrap().text, merge_reply_text(&main));
    assert_eq!(d.replies.last().unwrap().kind, "final");
    assert_eq!(d.links[0].kind, "duplicate_of");
    assert_eq!(d.links[0].kind_name, "主件");
    assert_eq!(kinds(&d.events), ["register", "acknowledge", "merge"]);
    let m = svc.case_detail(&ctx, &main).await.unwrap();
    assert_eq!(m.case.status, "pending", "the main case is not touched");
    assert_eq!(m.links[0].kind, "duplicate");
    assert_eq!(m.links[0].number, dup);
    assert_eq!(
        m.events.last().unwrap().summary,
        format!("重复件 {dup} 并入本案件：菜市场凌晨卸货太吵")
    );

    // A closed duplicate may be written back to the county, then archived.
    svc.feedback(&ctx, &dup).await.unwrap();

    // Merging into a duplicate names the main case to use instead.
    let third = add(&svc, "2026-11-02 13:00", "菜市场噪音").await;
    let err = svc.merge_case(&ctx, &third, &dup, None).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("案件 {dup} 本身是 {main} 的重复件，请合并到 {main}")
    );
    // A main case with duplicates cannot itself become one.
    let err = svc.merge_case(&ctx, &main, &third, None).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("案件 {main} 已有重复件 {dup}，不能再作为重复件合并")
    );

    // Reopening the duplicate undoes the merge; the cases stay related.
    let reopened = svc.reopen(&ctx, &dup, "并非同一问题").await.unwrap();
    assert_eq!(reopened.status, "acknowledged");
    let d = svc.case_detail(&ctx, &dup).await.unwrap();
    assert_eq!(d.links[0].kind, "related");
    assert!(d
        .events
        .last()
        .unwrap()
        .summary
        .contains(&format!("不再作为 {main} 的重复件")));
}

#[tokio::test]
async fn only_unassigned_cases_merge_and_a_refusal_changes_nothing() {
    let (_d, svc) = fresh().await;
    let ctx = ctx_at(&svc, NOW).await;
    svc.add_unit(&ctx, "镇城建办").await.unwrap();
    let main = add(&svc, "2026-11-02 10:00", "道路破损").await;
    let dup = add(&svc, "2026-11-02 11:00", "道路坑洼").await;
    svc.acknowledge(&ctx, &dup, None).await.unwrap();
    svc.assign(
        &ctx,
        &dup,
        Assignment {
            units: vec!["镇城建办".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let before = dump(&svc).await;
    let err = svc
        .merge_case(&ctx, &dup, &main, Some("已合并"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::IllegalStep(_)));
    assert_eq!(
        err.to_string(),
        format!("{dup}：案件当前为“已交办”状态，不能合并为重复件；只有“待受理”“已受理”的案件可以合并为重复件")
    );
    let err = svc.merge_case(&ctx, &main, &main, None).await.unwrap_err();
    assert_eq!(err.to_string(), format!("不能把案件 {main} 合并到它自己"));
    assert!(dump(&svc).await == before, "a refusal changed the file");

    // The case screen offers the merge only where it is allowed.
    let desk = svc.case_desk(&ctx, &main).await.unwrap();
    assert!(desk.actions.iter().any(|a| a.code == "merge"));
    let desk = svc.case_desk(&ctx, &dup).await.unwrap();
    assert!(!desk.actions.iter().any(|a| a.code == "merge"));
}

#[tokio::test]
async fn intake_registers_and_links_or_merges_in_one_transaction() {
    let (_d, svc) = fresh().await;
    let ctx = ctx_at(&svc, NOW).await;
    let main = add(&svc, "2026-11-02 10:00", "停水三天").await;
    let input = |t: &str| NewCase {
        title: t.into(),
        content: "小区又停水了".into(),
        ..Default::default()
    };
    let merged = svc
        .register_linked(&ctx, input("又停水了"), &main, LinkMode::Merge)
        .await
        .unwrap();
    assert_eq!(merged.status, "closed");
    let d = svc.case_detail(&ctx, &merged.number).await.unwrap();
    assert_eq!(kinds(&d.events), ["register", "merge"]);
    let linked = svc
        .register_linked(&ctx, input("停水影响做饭"), &main, LinkMode::Link)
        .await
        .unwrap();
    assert_eq!(linked.status, "pending");
    let m = svc.case_detail(&ctx, &main).await.unwrap();
    let mine: Vec<(&str, &str)> = m
        .links
        .iter()
        .map(|l| (l.kind.as_str(), l.number.as_str()))
        .collect();
    assert_eq!(
        mine,
        [
            ("duplicate", merged.number.as_str()),
            ("related", linked.number.as_str())
        ]
    );

    // An unknown case to link to: nothing is registered either.
    let before = dump(&svc).await;
    let err = svc
        .register_linked(&ctx, input("再次停水"), "WZ-2026-000404", LinkMode::Link)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));
    let err = svc
        .register_linked(&ctx, input(""), &main, LinkMode::Link)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "标题不能为空");
    assert!(dump(&svc).await == before, "a refusal changed the file");

    // A unit handler does not see which other cases are linked.
    svc.add_unit(&ctx, "镇水务站").await.unwrap();
    svc.acknowledge(&ctx, &main, None).await.unwrap();
    svc.assign(
        &ctx,
        &main,
        Assignment {
            units: vec!["镇水务站".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let unit = as_role(&svc, "water", Role::Unit, Some("镇水务站")).await;
    assert!(svc
        .case_detail(&unit, &main)
        .await
        .unwrap()
        .links
        .is_empty());
}

#[tokio::test]
async fn editing_a_calendar_day_moves_the_stored_deadlines_of_open_cases() {
    let (_d, svc) = fresh().await;
    let ctx = ctx_at(&svc, NOW).await;
    // Received Monday 2026-11-02: 7 working days end on Wednesday 2026-11-11.
    let open = add(&svc, "2026-11-02 10:00", "路灯不亮").await;
    let done = add(&svc, "2026-11-02 10:30", "已答复的案件").await;
    svc.acknowledge(&ctx, &done, None).await.unwrap();
    svc.reply(&ctx, &done, "已修复", true, None).await.unwrap();
    let later = add(&svc, "2026-11-02 11:00", "不受影响的案件").await;
    let due = |n: String| {
        let svc = svc.clone();
        let ctx = ctx.clone();
        async move { svc.case(&ctx, &n).await.unwrap().reply_due }
    };
    assert_eq!(due(open.clone()).await, "2026-11-11");

    // Thursday 11-05 becomes a local day off: one working day later.
    let edit = svc
        .set_calendar_day(&ctx, "2026-11-05", DayMode::Holiday, Some("镇集中停电"))
        .await
        .unwrap();
    assert!(!edit.working_day && edit.official_working_day);
    let moved: Vec<&str> = edit.recomputed.iter().map(|r| r.number.as_str()).collect();
    assert_eq!(moved, [open.as_str(), later.as_str()]);
    assert_eq!(edit.recomputed[0].after, "2026-11-12");
    assert_eq!(due(open.clone()).await, "2026-11-12");
    assert_eq!(
        due(done.clone()).await,
        "2026-11-11",
        "a replied case keeps its date"
    );
    let d = svc.case_detail(&ctx, &open).await.unwrap();
    assert_eq!(
        d.events.last().unwrap().summary,
        "节假日安排调整，答复期限由 2026年11月11日 改为 2026年11月12日"
    );
    // New deadlines use the edited calendar too.
    let fresh_case = add(&svc, "2026-11-03 08:00", "新登记").await;
    assert_eq!(due(fresh_case).await, "2026-11-13");
    let hypothetical = svc
        .deadline(common::at("2026-11-02 10:00"), false)
        .await
        .unwrap();
    assert_eq!(hypothetical.reply_due, "2026-11-12");

    // Saturday 11-07 becomes a working day: back to the 11th.
    svc.set_calendar_day(&ctx, "2026-11-07", DayMode::Workday, None)
        .await
        .unwrap();
    assert_eq!(due(open.clone()).await, "2026-11-11");
    let year = svc.calendar_year(2026).await.unwrap();
    let o: Vec<(&str, bool)> = year
        .overrides
        .iter()
        .map(|o| (o.day.as_str(), o.is_off_day))
        .collect();
    assert_eq!(o, [("2026-11-05", true), ("2026-11-07", false)]);
    assert_eq!(year.overrides[0].note.as_deref(), Some("镇集中停电"));

    // Back to the official schedule, one day after the other.
    svc.set_calendar_day(&ctx, "2026-11-05", DayMode::Official, None)
        .await
        .unwrap();
    assert_eq!(due(open.clone()).await, "2026-11-10");
    svc.set_calendar_day(&ctx, "2026-11-07", DayMode::Official, None)
        .await
        .unwrap();
    assert_eq!(due(open.clone()).await, "2026-11-11");
    assert!(svc.calendar_year(2026).await.unwrap().overrides.is_empty());

    // Refusals, in Chinese, change nothing.
    let before = dump(&svc).await;
    let e = svc
        .set_calendar_day(&ctx, "2026-11-08", DayMode::Holiday, None)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "2026年11月8日按国务院安排已是休息日；如要撤销单独设置，请选“恢复国务院安排”"
    );
    let e = svc
        .set_calendar_day(&ctx, "2026-11-09", DayMode::Official, None)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "2026年11月9日没有单独设置，已按国务院安排上班"
    );
    let e = svc
        .set_calendar_day(&ctx, "2030-01-02", DayMode::Holiday, None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("没有 2030 年的节假日安排"), "{e}");
    let e = svc
        .set_calendar_day(&ctx, "11月9日", DayMode::Holiday, None)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)));
    let clerk = as_role(&svc, "clerk1", Role::Clerk, None).await;
    let before_user = dump(&svc).await;
    let e = svc
        .set_calendar_day(&clerk, "2026-11-09", DayMode::Holiday, None)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "您的角色是“办公室工作人员”，无权维护工作日历"
    );
    assert!(
        dump(&svc).await == before_user,
        "a refusal changed the file"
    );
    assert!(before.len() < before_user.len());

    // Each edit is one event of its own.
    let log: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE kind = 'calendar_day'")
        .fetch_one(svc.db().pool())
        .await
        .unwrap();
    assert_eq!(log, 4);
}

#[tokio::test]
async fn units_are_renamed_and_switched_off_without_losing_old_cases() {
    let (_d, svc) = fresh().await;
    let ctx = ctx_at(&svc, NOW).await;
    let u = svc.add_unit(&ctx, "镇农办").await.unwrap();
    svc.add_unit(&ctx, "镇城建办").await.unwrap();
    let n = add(&svc, "2026-11-02 10:00", "灌溉渠堵塞").await;
    svc.acknowledge(&ctx, &n, None).await.unwrap();
    svc.assign(
        &ctx,
        &n,
        Assignment {
            units: vec!["镇农办".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();

    let renamed = svc.rename_unit(&ctx, u.id, " 镇农业农村办 ").await.unwrap();
    assert_eq!(renamed.name, "镇农业农村办");
    assert_eq!(
        svc.case(&ctx, &n).await.unwrap().units[0].unit,
        "镇农业农村办"
    );
    assert_eq!(svc.unit_id("镇农业农村办").await.unwrap(), u.id);
    let e = svc.rename_unit(&ctx, u.id, "镇城建办").await.unwrap_err();
    assert_eq!(e.to_string(), "承办单位“镇城建办”已存在");
    let e = svc
        .rename_unit(&ctx, u.id, "镇农业农村办")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("没有变化"));
    let e = svc.rename_unit(&ctx, 999, "某单位").await.unwrap_err();
    assert!(matches!(e, Error::NotFound(_)));

    svc.set_unit_active(&ctx, u.id, false).await.unwrap();
    // The old case still shows the unit; a new assignment is refused.
    assert_eq!(
        svc.case(&ctx, &n).await.unwrap().units[0].unit,
        "镇农业农村办"
    );
    let other = add(&svc, "2026-11-02 11:00", "田间道路").await;
    svc.acknowledge(&ctx, &other, None).await.unwrap();
    let e = svc
        .assign(
            &ctx,
            &other,
            Assignment {
                units: vec!["镇农业农村办".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "承办单位“镇农业农村办”已停用");
    let e = svc.set_unit_active(&ctx, u.id, false).await.unwrap_err();
    assert_eq!(e.to_string(), "承办单位“镇农业农村办”已停用");
    svc.set_unit_active(&ctx, u.id, true).await.unwrap();

    let clerk = as_role(&svc, "clerk2", Role::Clerk, None).await;
    let e = svc.rename_unit(&clerk, u.id, "别名").await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "您的角色是“办公室工作人员”，无权管理承办单位"
    );
    let summaries: Vec<String> = sqlx::query_scalar(
        "SELECT summary FROM events WHERE kind IN ('unit_rename', 'unit_active') ORDER BY id",
    )
    .fetch_all(svc.db().pool())
    .await
    .unwrap();
    assert_eq!(
        summaries,
        [
            "承办单位“镇农办”更名为“镇农业农村办”",
            "停用承办单位镇农业农村办",
            "启用承办单位镇农业农村办"
        ]
    );
}

#[derive(serde::Deserialize)]
struct Hostile {
    text: String,
}

#[tokio::test]
async fn pasted_hostile_text_parses_and_registers_or_is_refused_in_chinese() {
    let corpus: Vec<Hostile> =
        serde_json::from_str(include_str!("../../../tests/hostile/strings.json")).unwrap();
    let (_d, svc) = fresh().await;
    let ctx = ctx_at(&svc, NOW).await;
    let mut stored = 0;
    for (i, h) in corpus.iter().enumerate() {
        let pasted = format!(
            "留言标题：{t}\n留言人：{t}\n留言时间：{t}\n联系电话：{t}\n留言内容：{t}\n{t}\n链接：{t}",
            t = h.text
        );
        let m = wenzheng_core::paste::parse_platform_text(&pasted);
        for field in [
            &m.title,
            &m.content,
            &m.poster,
            &m.phone,
            &m.link,
            &m.received_at,
        ]
        .into_iter()
        .flatten()
        {
            assert!(
                !field
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\t'),
                "entry {i}: a control character survived: {field:?}"
            );
        }
        let input = NewCase {
            title: m.title.clone().unwrap_or_else(|| "（无标题）".into()),
            content: m.content.clone().unwrap_or_else(|| "（无内容）".into()),
            received_at: m.received_at.clone(),
            poster: m.poster.clone(),
            phone: m.phone.clone(),
            link: m.link.clone(),
            source: m.source.clone(),
            ..Default::default()
        };
        match svc.register(&ctx, input).await {
            Ok(c) => {
                stored += 1;
                assert_eq!(Some(c.title), m.title.or(Some("（无标题）".into())));
            }
            Err(e) => {
                assert!(e.is_refusal(), "entry {i}: {e:?}");
                assert!(
                    e.to_string()
                        .chars()
                        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "entry {i}: {e}"
                );
            }
        }
    }
    assert!(
        stored > corpus.len() / 2,
        "only {stored} of {} stored",
        corpus.len()
    );
}

#[tokio::test]
async fn importing_next_years_schedule_makes_estimated_deadlines_exact() {
    let (_d, svc) = fresh().await;
    let ctx = ctx_at(&svc, "2026-12-24 11:00").await;
    // Received Thursday 2026-12-24: the 7 working days run into 2027, not yet known.
    let n = svc
        .register(
            &ctx,
            NewCase {
                title: "年底路灯检修".into(),
                content: "请检修".into(),
                received_at: Some("2026-12-24 10:00".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .number;
    let before = svc.case(&ctx, &n).await.unwrap();
    assert_eq!(
        (before.reply_due.as_str(), before.calendar_complete),
        ("2027-01-04", false)
    );
    let schedule = r#"{"year": 2027, "papers": [], "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}"#;
    svc.import_calendar(&ctx, schedule, "测试").await.unwrap();
    let after = svc.case(&ctx, &n).await.unwrap();
    assert_eq!(
        (after.reply_due.as_str(), after.calendar_complete),
        ("2027-01-05", true)
    );
    let d = svc.case_detail(&ctx, &n).await.unwrap();
    assert_eq!(d.events.last().unwrap().kind, "deadline_recalc");
}
