//! The text of each document, composed from a case's records. Personal information is
//! kept off paper: phone numbers are masked (138****5678), in the contact field and in
//! the citizen's own text.

use chrono::NaiveDate;
use wenzheng_core::clock::{chinese_date, parse_stored, parse_stored_date};
use wenzheng_core::privacy::{mask_phone, mask_phones_in_text};
use wenzheng_core::service::documents::{DocKind, IssuedDocument};
use wenzheng_core::view::CaseDetail;

use crate::layout::Block;

fn day(stored: &str) -> String {
    parse_stored(stored)
        .map(|t| chinese_date(t.date_naive()))
        .or_else(|_| parse_stored_date(stored).map(chinese_date))
        .unwrap_or_else(|_| stored.to_string())
}

fn paras(text: &str) -> Vec<Block> {
    mask_phones_in_text(text)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| Block::Para(l.to_string()))
        .collect()
}

fn who(d: &CaseDetail) -> String {
    match &d.case.poster {
        Some(p) => format!("网民“{p}”"),
        None => "网民".into(),
    }
}

fn contact(d: &CaseDetail) -> String {
    d.case
        .phone
        .as_deref()
        .map(|p| format!("，联系电话{}", mask_phone(p)))
        .unwrap_or_default()
}

fn units(d: &CaseDetail, role: &str) -> Vec<String> {
    d.case
        .units
        .iter()
        .filter(|u| u.role == role)
        .map(|u| u.unit.clone())
        .collect()
}

fn handling(d: &CaseDetail) -> Vec<Block> {
    let mut out = Vec::new();
    for i in &d.instructions {
        out.push(Block::Para(format!(
            "{}，{}批示：{}",
            day(&i.created_at),
            i.leader,
            mask_phones_in_text(&i.text)
        )));
    }
    if let Some(first) = d.assignments.first() {
        let lead = units(d, "lead");
        let assist = units(d, "assist");
        let mut s = format!("{}，将该问题交办", day(&first.assigned_at));
        if lead.is_empty() {
            s.push_str(&first.unit);
        } else {
            s.push_str(&lead.join("、"));
            s.push_str("（主办）");
            if !assist.is_empty() {
                s.push('、');
                s.push_str(&assist.join("、"));
                s.push_str("（协办）");
            }
        }
        s.push_str("办理。");
        out.push(Block::Para(s));
    }
    for p in &d.progress {
        out.push(Block::Para(format!(
            "{}，{}报告：{}",
            day(&p.created_at),
            p.unit,
            mask_phones_in_text(&p.text)
        )));
    }
    if out.is_empty() {
        out.push(Block::Para("暂无交办和办理进展记录。".into()));
    }
    out
}

/// The document's title and blocks.
pub fn blocks(d: &CaseDetail, issued: &IssuedDocument, date: NaiveDate) -> (String, Vec<Block>) {
    let c = &d.case;
    let s = &issued.settings;
    let date = chinese_date(date);
    let received = day(&c.received_at);
    let mut b = Vec::new();
    let title = match issued.kind {
        DocKind::Feedback => {
            let n = issued.feedback_seq.unwrap_or(1);
            let title = format!("关于网民反映“{}”问题办理情况的第{n}次书面反馈", c.title);
            b.push(Block::Letterhead {
                organ: s.organ.clone(),
                number: issued.number.clone(),
            });
            b.push(Block::Title(title.clone()));
            b.push(Block::Addressee(format!("{}：", s.feedback_to)));
            b.push(Block::Para(format!(
                "{received}，{}在{}反映“{}”问题（案件编号{}{}）。现将办理情况第{n}次书面反馈如下。",
                who(d),
                c.source,
                c.title,
                c.number,
                contact(d)
            )));
            b.push(Block::Heading("一、网民诉求".into()));
            b.extend(paras(&c.content));
            b.push(Block::Heading("二、调查核实及办理情况".into()));
            b.extend(handling(d));
            b.push(Block::Heading("三、答复情况".into()));
            let replies: Vec<_> = d
                .replies
                .iter()
                .filter(|r| r.kind != "acknowledgment")
                .collect();
            if let Some(ack) = d.replies.iter().find(|r| r.kind == "acknowledgment") {
                b.push(Block::Para(format!(
                    "{}，已在平台受理并回复网民：{}",
                    day(&ack.created_at),
                    ack.text
                )));
            }
            for r in replies {
                let kind = if r.kind == "final" {
                    "最终答复"
                } else {
                    "阶段性答复"
                };
                let published = r
                    .published_at
                    .as_deref()
                    .map(|p| format!("（已于{}在“部门回应”栏目发布）", day(p)))
                    .unwrap_or_default();
                b.push(Block::Para(format!(
                    "{}，{kind}网民：{}{published}",
                    day(&r.created_at),
                    mask_phones_in_text(&r.text)
                )));
            }
            b.push(Block::Heading("四、目前状态".into()));
            let mut state = format!("该件目前状态为“{}”。", c.status_name);
            match (&c.result, c.status.as_str()) {
                (Some(r), "closed" | "archived") => {
                    state.push_str(&format!("办理结果：{}", mask_phones_in_text(r)));
                }
                _ => state.push_str(
                    "下一步，我单位将继续督促承办单位抓紧办理，办结前按要求持续书面反馈办理进展。",
                ),
            }
            b.push(Block::Para(state));
            b.push(Block::Signature {
                organ: s.organ.clone(),
                date,
            });
            title
        }
        DocKind::Notice => {
            let lead = units(d, "lead");
            let assist = units(d, "assist");
            let all: Vec<String> = c.units.iter().map(|u| u.unit.clone()).collect();
            let latest = d.assignments.iter().rfind(|a| a.returned_at.is_none());
            b.push(Block::Letterhead {
                organ: s.office.clone(),
                number: issued.number.clone(),
            });
            b.push(Block::Title("网络问政交办通知单".into()));
            b.push(Block::Addressee(format!("{}：", all.join("、"))));
            b.push(Block::Para(
                "现将网民反映的以下问题交你单位办理，请按要求认真办理，并按时报送办理结果。".into(),
            ));
            b.push(Block::Field("事　　项：".into(), c.title.clone()));
            b.push(Block::Field(
                "来　　源：".into(),
                format!("{}，{}，{received}{}", c.source, who(d), contact(d)),
            ));
            b.push(Block::Field("案件编号：".into(), c.number.clone()));
            b.push(Block::Field(
                "留言内容：".into(),
                mask_phones_in_text(&c.content).replace('\n', " "),
            ));
            if let Some(a) = latest {
                b.push(Block::Field("交办日期：".into(), day(&a.assigned_at)));
            }
            b.push(Block::Field(
                "主办单位：".into(),
                if lead.is_empty() {
                    all.join("、")
                } else {
                    lead.join("、")
                },
            ));
            b.push(Block::Field(
                "协办单位：".into(),
                if assist.is_empty() {
                    "无".into()
                } else {
                    assist.join("、")
                },
            ));
            let req = latest
                .and_then(|a| a.requirements.clone())
                .unwrap_or_else(|| {
                    "请核实情况，依法依规处理，拟定答复网民意见并报送网络问政工作办公室。".into()
                });
            b.push(Block::Field("办理要求：".into(), req));
            b.push(Block::Field(
                "办结时限：".into(),
                format!("{}前（{}个工作日）", day(&c.reply_due), c.working_days),
            ));
            for i in &d.instructions {
                b.push(Block::Field(
                    "领导批示：".into(),
                    format!("{}：{}", i.leader, i.text),
                ));
            }
            b.push(Block::Signature {
                organ: s.office.clone(),
                date,
            });
            "网络问政交办通知单".into()
        }
        DocKind::Urge => {
            let urging = d.urgings.last();
            let unit = urging.map(|u| u.unit.clone()).unwrap_or_default();
            let times = d.urgings.iter().filter(|u| u.unit == unit).count();
            b.push(Block::Letterhead {
                organ: s.office.clone(),
                number: issued.number.clone(),
            });
            b.push(Block::Title("网络问政催办通知单".into()));
            b.push(Block::Addressee(format!("{unit}：")));
            let remaining = match c.remaining_working_days {
                Some(n) if n < 0 => format!("目前已超期{}个工作日", -n),
                Some(0) => "今日即到期".into(),
                Some(n) => format!("距办结时限还有{n}个工作日"),
                None => "办理结果尚待报送".into(),
            };
            let assigned = d
                .assignments
                .iter()
                .find(|a| a.unit == unit)
                .map(|a| format!("，{}交办", day(&a.assigned_at)))
                .unwrap_or_default();
            b.push(Block::Para(format!(
                "你单位承办的网民反映“{}”问题（案件编号{}{assigned}），办结时限为{}，{remaining}。现予催办，请抓紧办理。",
                c.title,
                c.number,
                day(&c.reply_due)
            )));
            if let Some(u) = urging {
                b.push(Block::Field("催办级别：".into(), u.level.clone()));
                b.push(Block::Field("催办次数：".into(), format!("第{times}次")));
                b.push(Block::Field("催办日期：".into(), day(&u.created_at)));
                b.push(Block::Field("催办内容：".into(), u.text.clone()));
            }
            b.push(Block::Field(
                "办结时限：".into(),
                format!(
                    "请于{}前办结，并将办理结果报送网络问政工作办公室。",
                    day(&c.reply_due)
                ),
            ));
            b.push(Block::Signature {
                organ: s.office.clone(),
                date,
            });
            "网络问政催办通知单".into()
        }
        DocKind::Brief => {
            let flag = match (c.important, c.sensitive) {
                (true, true) => "重要敏感信息",
                (false, true) => "敏感信息",
                _ => "重要信息",
            };
            let title = format!("关于网民反映“{}”的信息专报", c.title);
            b.push(Block::Letterhead {
                organ: "网络问政信息专报".into(),
                number: format!("{}　　{}", s.office, issued.number),
            });
            b.push(Block::Title(title.clone()));
            b.push(Block::Addressee(format!("{}：", s.brief_to)));
            b.push(Block::Para(format!(
                "{received}，{}在{}发布留言，反映“{}”（{}，案件编号{}）。经研判属{flag}，现将有关情况报告如下。",
                who(d),
                c.source,
                c.title,
                c.category,
                c.number
            )));
            b.push(Block::Heading("一、留言内容".into()));
            b.extend(paras(&c.content));
            b.push(Block::Heading("二、已采取的措施".into()));
            b.extend(handling(d));
            b.push(Block::Heading("三、下一步工作建议".into()));
            b.push(Block::Para(
                "建议由相关承办单位迅速核实情况，依法依规妥善处置，及时回应网民关切；网络问政工作办公室将密切关注舆情动态，有关情况及时报告。".into(),
            ));
            b.push(Block::Signature {
                organ: s.office.clone(),
                date,
            });
            title
        }
    };
    (title, b)
}
