//! Time in China Standard Time: parsing and formatting of the instants and dates the
//! services store. Logic never reads the clock; only the front ends call [`now`].

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};

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

/// The first whole second at or after `t`. Instants are stored to the second (see
/// [`format_instant`]), so a stored instant is before `t` exactly when it is before this
/// second — a report's cutoff at `now`, with a fraction of a second, takes in what was
/// stored in the current second.
pub fn stored_ceiling(t: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    let whole = t.with_nanosecond(0).unwrap_or(t);
    if whole < t {
        whole + chrono::Duration::seconds(1)
    } else {
        whole
    }
}

/// Reads an instant stored by [`format_instant`]. Its form, `YYYY-MM-DDTHH:MM:SS+08:00`, is
/// read by position (a report reads hundreds of thousands: chrono's RFC 3339 parser took
/// about a fifth of its CPU time); any other text goes through that parser.
pub fn parse_stored(text: &str) -> Result<DateTime<FixedOffset>> {
    if let Some(dt) = parse_stored_form(text) {
        return Ok(dt);
    }
    DateTime::parse_from_rfc3339(text)
        .map(|dt| dt.with_timezone(&cst()))
        .map_err(|e| Error::Corrupt(format!("时间字段“{text}”无法解析：{e}")))
}

/// `YYYY-MM-DDTHH:MM:SS+08:00` read by position; `None` for any other text, and for a date
/// or time that does not exist (left to the RFC 3339 parser, which says why).
fn parse_stored_form(text: &str) -> Option<DateTime<FixedOffset>> {
    let b = text.as_bytes();
    let shape = b.len() == 25
        && &b[19..] == b"+08:00"
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':';
    if !shape {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(number(0, 4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, number(5, 7)?, number(8, 10)?)?;
    let time = NaiveTime::from_hms_opt(number(11, 13)?, number(14, 16)?, number(17, 19)?)?;
    cst().from_local_datetime(&date.and_time(time)).single()
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

    /// The stored form read by position gives what chrono's RFC 3339 parser gives, for
    /// instants over five years (every 7,919 seconds, so every hour, minute and second
    /// come up) and for texts that are not quite the stored form.
    #[test]
    fn the_stored_form_reads_as_rfc_3339() {
        let rfc = |t: &str| DateTime::parse_from_rfc3339(t).map(|dt| dt.with_timezone(&cst()));
        let mut t = parse_local("2023-01-01 00:00").unwrap();
        let end = parse_local("2028-01-01 00:00").unwrap();
        let mut n = 0;
        while t < end {
            let text = format_instant(&t);
            assert_eq!(parse_stored_form(&text), Some(t), "{text}");
            assert_eq!(parse_stored(&text).unwrap(), rfc(&text).unwrap(), "{text}");
            t += chrono::Duration::seconds(7919);
            n += 1;
        }
        assert!(n > 19_000, "{n}");
        for text in [
            "2026-02-13T02:00:00Z",
            "2026-02-13T10:00:00.5+08:00",
            "2026-02-13T10:00:00+09:00",
            "2026-02-13 10:00:00+08:00",
            "2026-12-31T23:59:59+08:00",
            "2024-02-29T12:00:00+08:00",
        ] {
            assert_eq!(parse_stored(text).unwrap(), rfc(text).unwrap(), "{text}");
            assert_eq!(
                format_instant(&parse_stored(text).unwrap()),
                format_instant(&rfc(text).unwrap())
            );
        }
        for text in [
            "2026-02-30T10:00:00+08:00",
            "2025-02-29T10:00:00+08:00",
            "2026-02-13T24:00:00+08:00",
            "2026-02-13T10:60:00+08:00",
            "2026-0a-13T10:00:00+08:00",
            "+026-02-13T10:00:00+08:00",
            "",
        ] {
            assert!(parse_stored(text).is_err(), "{text}");
            assert!(rfc(text).is_err(), "{text}");
        }
    }

    #[test]
    fn writes_chinese_dates_without_leading_zeros() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(chinese_date(d), "2026年3月2日");
    }
}
