//! Printing results: JSON for scripts (`--json`), plain Chinese lines for people.

use serde::Serialize;
use wenzheng_core::clock::chinese_date;
use wenzheng_core::view::{
    AttachmentView, BackupView, CalendarYearView, CaseDetail, CaseView, DayEditView, DeadlineView,
    RestoreView, UnitView, UserView, VerifyView,
};
use wenzheng_core::Result;

/// Where results go, and in which form.
pub struct Out {
    /// Print JSON instead of text.
    pub json: bool,
}

impl Out {
    /// Prints `value` as JSON, or `text()` for people.
    pub fn emit<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) -> Result<()> {
        if self.json {
            let s = serde_json::to_string_pretty(value)
                .map_err(|e| wenzheng_core::Error::Corrupt(format!("无法输出 JSON：{e}")))?;
            println!("{s}");
        } else {
            print!("{}", text());
        }
        Ok(())
    }

    pub fn deadline(&self, d: &DeadlineView) -> Result<()> {
        self.emit(d, || {
            format!(
                "收到时间：{}\n受理期限：{}\n答复期限：{} 24:00 前（{} 个工作日{}）\n",
                d.received,
                d.ack_due,
                d.reply_due,
                d.working_days,
                if d.calendar_complete {
                    ""
                } else {
                    "；含未发布节假日安排的年份，按周一至周五估算"
                }
            )
        })
    }

    pub fn calendar_year(&self, y: &CalendarYearView) -> Result<()> {
        self.emit(y, || {
            let mut s = format!(
                "{} 年工作日历（{}），全年工作日 {} 天\n",
                y.year, y.source, y.working_days
            );
            for d in &y.days {
                let kind = if d.is_off_day {
                    "放假"
                } else {
                    "调休上班"
                };
                s.push_str(&format!("{}  {}  {}\n", d.day, d.name, kind));
            }
            for o in &y.overrides {
                let kind = if o.is_off_day { "休" } else { "班" };
                let note = o.note.as_deref().unwrap_or("");
                s.push_str(&format!("{}  单独设置  {kind}  {note}\n", o.day));
            }
            s
        })
    }

    pub fn unit(&self, u: &UnitView) -> Result<()> {
        self.emit(u, || format!("已添加承办单位 {}（id {}）\n", u.name, u.id))
    }

    pub fn unit_changed(&self, u: &UnitView) -> Result<()> {
        self.emit(u, || {
            format!(
                "承办单位 {}（id {}）：{}\n",
                u.name,
                u.id,
                if u.active { "启用" } else { "已停用" }
            )
        })
    }

    pub fn day_edit(&self, d: &DayEditView) -> Result<()> {
        self.emit(d, || {
            let mut s = format!(
                "{} 现为{}（国务院安排：{}）{}\n",
                d.day,
                if d.working_day {
                    "工作日"
                } else {
                    "休息日"
                },
                if d.official_working_day {
                    "工作日"
                } else {
                    "休息日"
                },
                d.note
                    .as_deref()
                    .map(|n| format!("，备注：{n}"))
                    .unwrap_or_default()
            );
            for r in &d.recomputed {
                s.push_str(&format!(
                    "  {} 答复期限 {} → {}\n",
                    r.number, r.before, r.after
                ));
            }
            s
        })
    }

    pub fn units(&self, units: &[UnitView]) -> Result<()> {
        self.emit(&units, || {
            units
                .iter()
                .map(|u| {
                    format!(
                        "{}\t{}{}\n",
                        u.id,
                        u.name,
                        if u.active { "" } else { "（停用）" }
                    )
                })
                .collect()
        })
    }

    pub fn case(&self, c: &CaseView) -> Result<()> {
        self.emit(c, || case_text(c))
    }

    pub fn detail(&self, d: &CaseDetail) -> Result<()> {
        self.emit(d, || {
            let mut s = case_text(&d.case);
            s.push_str(&format!("内容：{}\n", d.case.content));
            s.push_str("时间线：\n");
            for l in &d.links {
                s.push_str(&format!("{}：{} {}\n", l.kind_name, l.number, l.title));
            }
            for e in &d.events {
                s.push_str(&format!("  {}  {}  {}\n", e.at, e.actor, e.summary));
            }
            s
        })
    }

    pub fn list(&self, cases: &[CaseView]) -> Result<()> {
        self.emit(&cases, || {
            let mut s = String::new();
            for c in cases {
                s.push_str(&format!(
                    "{}\t{}\t{}\t答复期限 {}{}\t{}\n",
                    c.number,
                    c.status_name,
                    c.category,
                    c.reply_due,
                    if c.overdue { "（超期）" } else { "" },
                    c.title
                ));
            }
            s.push_str(&format!("共 {} 件\n", cases.len()));
            s
        })
    }
}

impl Out {
    pub fn user(&self, u: &UserView) -> Result<()> {
        self.emit(u, || {
            format!(
                "已添加用户 {}（{}，{}）\n",
                u.login, u.display_name, u.role_name
            )
        })
    }

    pub fn users(&self, users: &[UserView]) -> Result<()> {
        self.emit(&users, || {
            users
                .iter()
                .map(|u| {
                    let unit = u
                        .unit
                        .as_deref()
                        .map(|n| format!("（{n}）"))
                        .unwrap_or_default();
                    let off = if u.active { "" } else { "  已停用" };
                    format!(
                        "{}\t{}\t{}{unit}{off}\n",
                        u.login, u.display_name, u.role_name
                    )
                })
                .collect()
        })
    }

    pub fn attachment(&self, a: &AttachmentView, saved: Option<&std::path::Path>) -> Result<()> {
        self.emit(a, || match saved {
            Some(p) => format!(
                "已取出附件 {} 到 {}（内容核对无误）\n",
                a.file_name,
                p.display()
            ),
            None => format!(
                "已添加附件 {}（id {}，{} 字节）\n",
                a.file_name, a.id, a.size
            ),
        })
    }

    pub fn done(&self, message: &str) -> Result<()> {
        self.emit(
            &serde_json::json!({ "ok": true, "message": message }),
            || format!("{message}\n"),
        )
    }

    pub fn phone(&self, phone: Option<String>) -> Result<()> {
        self.emit(&serde_json::json!({ "phone": phone }), || {
            format!("{}\n", phone.as_deref().unwrap_or("（未登记联系电话）"))
        })
    }

    pub fn verify(&self, v: &VerifyView) -> Result<()> {
        self.emit(v, || {
            let mut s = format!(
                "数据库完整性：{}\n操作记录：{} 条，{}\n",
                if v.integrity_ok { "正常" } else { "损坏" },
                v.events_checked,
                if v.ok {
                    "记录链完整，未发现篡改"
                } else {
                    "发现问题："
                }
            );
            for p in &v.problems {
                s.push_str(&format!("  {p}\n"));
            }
            s
        })
    }

    pub fn backup(&self, b: &BackupView) -> Result<()> {
        self.emit(b, || {
            format!(
                "已备份到 {}（{} 字节，校验 {} 条操作记录）\n",
                b.path, b.size, b.events_checked
            )
        })
    }

    #[cfg(feature = "encryption")]
    pub fn encrypted(&self, e: &wenzheng_core::crypt::EncryptView) -> Result<()> {
        self.emit(e, || {
            let mut s = format!(
                "数据库 {} 已加密（校验 {} 条操作记录）\n密钥保存在：{}\n",
                e.database, e.events_checked, e.key_location
            );
            if let Some(key) = &e.key {
                // Groups of eight, for copying onto paper (they are accepted back as typed).
                let groups: Vec<&str> = (0..key.len())
                    .step_by(8)
                    .map(|i| &key[i..(i + 8).min(key.len())])
                    .collect();
                let key = groups.join(" ");
                s.push_str(&format!(
                    "密钥（请抄写在纸上、密封后交单位保管；密钥环丢失时只能用它打开数据库和备份）：\n  {key}\n"
                ));
            }
            match &e.plaintext_kept_as {
                Some(k) => s.push_str(&format!(
                    "原来的明文数据库保留为 {k}：核对无误后请删除它（它未加密）\n"
                )),
                None => s.push_str("原来的明文数据库已用零覆盖并删除\n"),
            }
            s
        })
    }

    pub fn restore(&self, r: &RestoreView) -> Result<()> {
        self.emit(r, || {
            let kept = r
                .previous_kept_as
                .as_deref()
                .map(|k| format!("原数据库已保留为 {k}\n"))
                .unwrap_or_default();
            format!("已从 {} 恢复到 {}\n{kept}", r.from, r.restored)
        })
    }
}

fn case_text(c: &CaseView) -> String {
    let due = chrono::NaiveDate::parse_from_str(&c.reply_due, "%Y-%m-%d")
        .map(chinese_date)
        .unwrap_or_else(|_| c.reply_due.clone());
    let remaining = match c.remaining_working_days {
        Some(n) if n < 0 => format!("，已超期 {} 个工作日", -n),
        Some(n) => format!("，剩余 {n} 个工作日"),
        None => String::new(),
    };
    let units: Vec<String> = c
        .units
        .iter()
        .map(|u| {
            format!(
                "{}（{}）",
                u.unit,
                if u.role == "lead" { "主办" } else { "协办" }
            )
        })
        .collect();
    let mut s = format!(
        "{}  {}\n标题：{}\n类别：{}  来源：{}\n收到：{}  受理期限：{}\n答复期限：{}（{} 个工作日{}）{}\n",
        c.number,
        c.status_name,
        c.title,
        c.category,
        c.source,
        c.received_at,
        c.ack_due,
        due,
        c.working_days,
        if c.calendar_complete { "" } else { "，估算" },
        remaining,
    );
    if !units.is_empty() {
        s.push_str(&format!("承办单位：{}\n", units.join("、")));
    }
    s
}
