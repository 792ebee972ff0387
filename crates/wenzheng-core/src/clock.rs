//! Time in China Standard Time: parsing and formatting of the instants and dates the
//! services store. Logic never reads the clock; only the front ends call [`now`].

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use crate::error::{Error, Result};

/// China Standard Time, UTC+08:00 (no daylight saving).
pub fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

/// The current instant in China Standard Time. Only front ends call this.
pub fn now() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&cst())
}

/// Parses a local time as people type it: `2026-02-13 10:00`, `2026-02-13 10:00:30`,
/// `2026-02-13T10:00`, a bare date `2026-02-13` (00:00), or RFC 3339 with any offset.
pub fn parse_local(text: &str) -> Result<DateTime<FixedOffset>> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&cst()));
    }
    for fmt in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, fmt) {
            return local(naive);
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return local(date.and_time(NaiveTime::MIN));
    }
    Err(Error::Invalid(format!(
        "无法识别的时间“{t}”，请写成 2026-02-13 10:00 的格式"
    )))
}

fn local(naive: NaiveDateTime) -> Result<DateTime<FixedOffset>> {
    cst()
        .from_local_datetime(&naive)
        .single()
        .ok_or_else(|| Error::Invalid(format!("无效的时间“{naive}”")))
}

/// Formats an instant as stored and printed: RFC 3339 in +08:00, whole seconds.
pub fn format_instant(dt: &DateTime<FixedOffset>) -> String {
    dt.with_timezone(&cst())
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Reads an instant stored by [`format_instant`].
pub fn parse_stored(text: &str) -> Result<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text)
        .map(|dt| dt.with_timezone(&cst()))
        .map_err(|e| Error::Corrupt(format!("时间字段“{text}”无法解析：{e}")))
}

/// Reads a stored `YYYY-MM-DD` date.
pub fn parse_stored_date(text: &str) -> Result<NaiveDate> {
    // `FromStr` reads ISO 8601 `YYYY-MM-DD` with a fixed parser (parse_from_str would
    // read the format string again for every date: the report reads hundreds of thousands).
    text.parse::<NaiveDate>()
        .map_err(|e| Error::Corrupt(format!("日期字段“{text}”无法解析：{e}")))
}

/// Formats a date the way Chinese documents write it: `2026年11月26日`.
pub fn chinese_date(date: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_forms() {
        let want = "2026-02-13T10:00:00+08:00";
        for input in [
            "2026-02-13 10:00",
            "2026-02-13 10:00:00",
            "2026-02-13T10:00",
            " 2026-02-13T02:00:00Z ",
            "2026-02-13T10:00:00+08:00",
        ] {
            assert_eq!(
                format_instant(&parse_local(input).unwrap()),
                want,
                "{input}"
            );
        }
        assert_eq!(
            format_instant(&parse_local("2026-02-13").unwrap()),
            "2026-02-13T00:00:00+08:00"
        );
    }

    #[test]
    fn refuses_garbage_in_chinese() {
        let err = parse_local("明天上午").unwrap_err();
        assert!(err.to_string().contains("无法识别的时间"), "{err}");
        assert!(parse_local("2026-02-30 10:00").is_err());
    }

    #[test]
    fn writes_chinese_dates_without_leading_zeros() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(chinese_date(d), "2026年3月2日");
    }
}
