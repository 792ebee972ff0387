//! 月报: the monthly report on the handling of citizens' messages, with the circulation
//! (通报) of the units: the month's figures, the 12-month trend chart, the per-unit table,
//! the per-unit score chart and the ranking of the assessment (考核). Every figure comes
//! from the core's [`Report`]; nothing is computed here but its wording.

use chrono::NaiveDate;
use wenzheng_core::clock::{chinese_date, parse_stored_date};
use wenzheng_core::report::figures::{NamedCount, Report};
use wenzheng_core::service::documents::DocSettings;

use crate::graphics::{Chart, Column, Series, Table};
use crate::layout::Block;

/// Most units the score chart shows (the table lists all of them).
const CHART_UNITS: usize = 20;

fn pct(rate: Option<f64>) -> String {
    rate.map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_else(|| "—".into())
}

fn named(list: &[NamedCount]) -> String {
    list.iter()
        .map(|n| format!("{}{}件", n.name, n.count))
        .collect::<Vec<_>>()
        .join("、")
}

fn day(ymd: &str) -> String {
    parse_stored_date(ymd)
        .map(chinese_date)
        .unwrap_or_else(|_| ymd.to_string())
}

/// "2026-11" → (2026, 11).
fn year_month(r: &Report) -> (i32, u32) {
    let m = r.month.clone().unwrap_or_else(|| r.from[..7].to_string());
    let y = m[..4].parse().unwrap_or(0);
    let mo = m[5..7].parse().unwrap_or(0);
    (y, mo)
}

/// The report's title, e.g. 2026年11月网络问政工作情况通报.
pub fn title(r: &Report) -> String {
    let (y, m) = year_month(r);
    format!("{y}年{m}月网络问政工作情况通报")
}

/// The monthly report's title and blocks, dated `date`.
pub fn blocks(r: &Report, s: &DocSettings, date: NaiveDate) -> (String, Vec<Block>) {
    let (y, m) = year_month(r);
    let title = title(r);
    let mut b = vec![
        Block::Letterhead {
            organ: "网络问政工作月报".into(),
            number: format!("{}　　{y}年第{m}期", s.office),
        },
        Block::Title(title.clone()),
        Block::Addressee(format!("{}：", s.brief_to)),
    ];
    let rec = &r.received;
    let mut opening = format!(
        "现将{y}年{m}月（{}至{}）网络问政工作情况通报如下。",
        day(&r.from),
        day(&r.to)
    );
    if r.provisional {
        opening.push_str(&format!(
            "本月尚未结束，数据截至{}，仅供参考。",
            wenzheng_core::clock::parse_stored(&r.as_of)
                .map(|t| chinese_date(t.date_naive()))
                .unwrap_or_else(|_| r.as_of.clone())
        ));
    }
    b.push(Block::Para(opening));

    b.push(Block::Heading("一、收件和受理情况".into()));
    let mut p = format!(
        "本月共收到网民留言{}件，其中重要信息{}件、敏感信息{}件、复杂问题{}件。24小时内受理{}件，受理率{}。",
        rec.total,
        rec.important,
        rec.sensitive,
        rec.complex,
        r.acknowledged_in_24h,
        pct(r.ack_rate)
    );
    if !rec.by_source.is_empty() {
        p.push_str(&format!("按来源分：{}。", named(&rec.by_source)));
    }
    if !rec.by_category.is_empty() {
        p.push_str(&format!("按类别分：{}。", named(&rec.by_category)));
    }
    b.push(Block::Para(p));
    let labels: Vec<String> = r
        .trend
        .iter()
        .map(|t| format!("{}月", t.month[5..].trim_start_matches('0')))
        .collect();
    b.push(Block::Chart(Chart::Trend {
        caption: "图1　近12个月收件、答复及按期答复率".into(),
        labels,
        bars: vec![
            Series {
                name: "收件数".into(),
                values: r.trend.iter().map(|t| t.received as f64).collect(),
            },
            Series {
                name: "答复数".into(),
                values: r.trend.iter().map(|t| t.replied as f64).collect(),
            },
        ],
        rate: (
            "按期答复率".into(),
            r.trend.iter().map(|t| t.on_time_rate).collect(),
        ),
    }));

    b.push(Block::Heading("二、办理和答复情况".into()));
    let avg = r
        .avg_reply_working_days
        .map(|d| format!("，平均答复用时{d:.2}个工作日"))
        .unwrap_or_default();
    b.push(Block::Para(format!(
        "本月作出最终答复{}件，其中按期答复{}件，按期答复率{}{avg}。本月应办结{}件，已办结{}件，办结率{}；已答复{}件，答复率{}，其中在“部门回应”栏目公开答复{}件。",
        r.replied,
        r.replied_on_time,
        pct(r.on_time_rate),
        r.due,
        r.closed,
        pct(r.close_rate),
        r.answered,
        pct(r.reply_rate),
        r.published
    )));
    let sat = &r.satisfaction;
    b.push(Block::Para(format!(
        "本月催办{}次（普通{}次、黄牌{}次、红牌{}次），领导批示{}条、已落实{}条，批准延期{}次（共{}个工作日），重新办理{}次。回访{}次，满意{}次、基本满意{}次、不满意{}次，满意率{}。",
        r.urgings.total,
        r.urgings.normal,
        r.urgings.yellow,
        r.urgings.red,
        r.instructions,
        r.instructions_done,
        r.extensions,
        r.extension_days,
        r.reopened,
        sat.total,
        sat.satisfied,
        sat.basic,
        sat.unsatisfied,
        pct(sat.rate)
    )));
    if r.overdue_now.is_empty() {
        b.push(Block::Para("截至统计时点，没有超期未办结的案件。".into()));
    } else {
        b.push(Block::Para(format!(
            "截至统计时点，超期案件{}件，清单如下，请相关承办单位抓紧办理。",
            r.overdue_now.len()
        )));
        b.push(Block::Table(Table {
            columns: vec![
                Column::text("案件编号", 3.2),
                Column::text("标题", 5.0),
                Column::text("承办单位", 3.4),
                Column::text("答复期限", 3.0),
            ],
            rows: r
                .overdue_now
                .iter()
                .map(|o| {
                    vec![
                        o.number.clone(),
                        o.title.clone(),
                        o.units.join("、"),
                        day(&o.reply_due),
                    ]
                })
                .collect(),
        }));
    }

    b.push(Block::Heading("三、各单位办理情况通报".into()));
    if r.units.is_empty() {
        b.push(Block::Para("本月没有交办给承办单位的案件。".into()));
    } else {
        b.push(Block::Para("各承办单位本月办理情况如下表。".into()));
        b.push(Block::Table(Table {
            columns: vec![
                Column::text("单位", 4.2),
                Column::figure("交办", 1.6),
                Column::figure("答复", 1.6),
                Column::figure("按期率", 2.2),
                Column::figure("办结率", 2.2),
                Column::figure("超期", 1.6),
                Column::figure("催办", 1.6),
                Column::figure("满意率", 2.2),
            ],
            rows: r
                .units
                .iter()
                .map(|u| {
                    vec![
                        u.unit.clone(),
                        u.assigned.to_string(),
                        u.replied.to_string(),
                        pct(u.on_time_rate),
                        pct(u.close_rate),
                        u.overdue.to_string(),
                        u.urgings.total.to_string(),
                        pct(u.satisfaction.rate),
                    ]
                })
                .collect(),
        }));
    }
    if !r.assessment.is_empty() {
        let rule: Vec<String> = r
            .rule
            .indicators
            .iter()
            .map(|i| {
                let name = r
                    .definitions
                    .iter()
                    .find(|d| d.key == i.key)
                    .map(|d| d.name)
                    .unwrap_or(i.key.as_str());
                format!("{name}{}分", i.weight)
            })
            .collect();
        b.push(Block::Para(format!(
            "按考核办法（{}；每张黄牌扣{}分、红牌扣{}分，每件超期扣{}分），各单位本月得分和排名如下。",
            rule.join("、"),
            r.rule.yellow_deduction,
            r.rule.red_deduction,
            r.rule.overdue_deduction
        )));
        b.push(Block::Chart(Chart::Ranking {
            caption: "图2　各承办单位考核得分".into(),
            bars: r
                .assessment
                .iter()
                .take(CHART_UNITS)
                .map(|a| (a.unit.clone(), a.score))
                .collect(),
            max: 100.0,
        }));
        b.push(Block::Table(Table {
            columns: vec![
                Column::figure("名次", 1.4),
                Column::text("单位", 4.6),
                Column::figure("得分", 2.0),
                Column::figure("扣分", 2.0),
            ],
            rows: r
                .assessment
                .iter()
                .map(|a| {
                    vec![
                        a.rank.to_string(),
                        a.unit.clone(),
                        format!("{:.2}", a.score),
                        format!("{:.2}", a.deductions),
                    ]
                })
                .collect(),
        }));
        let lagging: Vec<&str> = r
            .units
            .iter()
            .filter(|u| u.overdue > 0)
            .map(|u| u.unit.as_str())
            .collect();
        let mut close = format!(
            "本月得分最高的是{}（{:.2}分）。",
            r.assessment[0].unit, r.assessment[0].score
        );
        if lagging.is_empty() {
            close.push_str("各单位均无超期案件。");
        } else {
            close.push_str(&format!(
                "{}有超期案件，予以通报，请认真分析原因，限期整改。",
                lagging.join("、")
            ));
        }
        b.push(Block::Para(close));
    }
    b.push(Block::Signature {
        organ: s.office.clone(),
        date: chinese_date(date),
    });
    (title, b)
}
