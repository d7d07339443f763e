//! Dates and date-times: the one place sitrep reads and writes them (through jiff).
//!
//! Contract: an article's `published` (and a geoparse `date`) is a calendar date, `YYYY-MM-DD`
//! (a longer RFC 3339 string is read as its date): [`date_to_unix`] gives 00:00 UTC of that day
//! and refuses what is not a real date (`2021-02-31`). A query's `datetime` (OGC API Features
//! §7.15.4, RFC 3339) is an instant or an interval: [`parse_interval`] reads a date-time with its
//! UTC offset (`2021-05-14T20:00:00-10:00` is 2021-05-15T06:00Z), a date as the whole day, `..`
//! or an empty end as open. An incident is dated by its article's day, so it matches an interval
//! when that day (00:00:00–23:59:59 UTC) meets it ([`Interval::contains_day`]). [`rfc3339_day`]
//! writes a day back. [`http_date_unix`] reads an HTTP date (`Retry-After`, RFC 9110 §5.6.7).
//! Not for: time zones other than fixed offsets, or sub-second precision (dates are days).

/// Seconds in a day.
const DAY: i64 = 86_400;

/// Unix seconds at 00:00 UTC of a `YYYY-MM-DD` date (a longer RFC 3339 string is cut to its
/// date); `None` for anything that is not a real calendar date (`2021-02-31`).
pub fn date_to_unix(s: &str) -> Option<i64> {
    if s.as_bytes().get(4) != Some(&b'-') {
        return None;
    }
    let d: jiff::civil::Date = s.get(..10)?.parse().ok()?;
    Some(d.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp().as_second())
}

/// `YYYY-MM-DDT00:00:00Z` of the day holding unix second `t`.
pub fn rfc3339_day(t: i64) -> String {
    let day = t.div_euclid(DAY) * DAY;
    match jiff::Timestamp::from_second(day) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => "..".into(),
    }
}

/// Unix seconds of an HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`, the RFC 2822 form HTTP uses).
pub fn http_date_unix(s: &str) -> Option<i64> {
    jiff::fmt::rfc2822::parse(s.trim()).ok().map(|z| z.timestamp().as_second())
}

/// An inclusive range of unix seconds; `None` ends are open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start: Option<i64>,
    pub end: Option<i64>,
}

impl Interval {
    /// Whether the UTC day starting at `day_start` (an incident's date) meets the interval.
    pub fn contains_day(&self, day_start: i64) -> bool {
        self.start.is_none_or(|s| day_start + DAY > s) && self.end.is_none_or(|e| day_start <= e)
    }
}

/// Which end of an interval a value stands for (a date is its first second or its last).
#[derive(Clone, Copy)]
enum End {
    Start,
    End,
}

/// One instant of a `datetime` value: a date-time with offset, or a date (its first or last
/// second, by `end`); `..` and the empty string are open.
fn parse_bound(s: &str, end: End) -> Result<Option<i64>, String> {
    let s = s.trim();
    if s.is_empty() || s == ".." {
        return Ok(None);
    }
    if s.len() == 10 {
        return match date_to_unix(s) {
            Some(t) => Ok(Some(match end {
                End::Start => t,
                End::End => t + DAY - 1,
            })),
            None => Err(format!("{s:?} is not a calendar date (YYYY-MM-DD)")),
        };
    }
    match s.parse::<jiff::Timestamp>() {
        Ok(ts) => Ok(Some(ts.as_second())),
        // a civil date-time without an offset names no instant
        Err(_) if s.parse::<jiff::civil::DateTime>().is_ok() => {
            Err(format!("{s:?} has no UTC offset: add `Z` or one such as `+02:00` (RFC 3339)"))
        }
        Err(e) => Err(format!("{s:?} is not an RFC 3339 date-time or date: {e}")),
    }
}

/// Reads a `datetime` parameter: `INSTANT`, `START/END`, `../END`, `START/..` (RFC 3339 date-times
/// with offsets, or dates). The message of an error says what is wrong with the value.
pub fn parse_interval(s: &str) -> Result<Interval, String> {
    match s.split_once('/') {
        Some((a, b)) => {
            let iv = Interval { start: parse_bound(a, End::Start)?, end: parse_bound(b, End::End)? };
            if let (Some(a), Some(b)) = (iv.start, iv.end) {
                if a > b {
                    return Err("the interval ends before it starts".into());
                }
            }
            Ok(iv)
        }
        None => {
            let (start, end) = (parse_bound(s, End::Start)?, parse_bound(s, End::End)?);
            if start.is_none() {
                return Err("empty: give a date, a date-time or an interval START/END".into());
            }
            Ok(Interval { start, end })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(http_date_unix("Thu, 01 Jan 1970 00:01:00 GMT"), Some(60));
        assert_eq!(http_date_unix("soon"), None);
    }

    #[test]
    fn dates() {
        assert_eq!(date_to_unix("1970-01-01"), Some(0));
        assert_eq!(date_to_unix("2021-05-14"), Some(1_620_950_400));
        assert_eq!(date_to_unix("2021-05-14T10:00:00Z"), Some(1_620_950_400));
        assert_eq!(date_to_unix("2021-13-01"), None);
        assert_eq!(date_to_unix("2021-02-31"), None);
        assert_eq!(date_to_unix("2024-02-29"), Some(1_709_164_800));
        assert_eq!(date_to_unix("yesterday"), None);
        assert_eq!(rfc3339_day(1_620_950_400 + 5000), "2021-05-14T00:00:00Z");
    }

    #[test]
    fn offsets_are_honoured_and_bad_dates_refused() {
        let may14 = date_to_unix("2021-05-14").unwrap();
        // 20:00 at UTC-10 is 06:00 UTC the next day
        let iv = parse_interval("2021-05-14T20:00:00-10:00").unwrap();
        assert_eq!(iv.start, Some(may14 + DAY + 6 * 3600));
        assert!(!iv.contains_day(may14));
        assert!(iv.contains_day(may14 + DAY));
        let iv = parse_interval("2021-05-14T20:00:00Z").unwrap();
        assert!(iv.contains_day(may14) && !iv.contains_day(may14 + DAY));
        // a date is its whole day
        let iv = parse_interval("2021-05-14").unwrap();
        assert_eq!((iv.start, iv.end), (Some(may14), Some(may14 + DAY - 1)));
        let iv = parse_interval("../2021-05-14").unwrap();
        assert!(iv.contains_day(may14) && !iv.contains_day(may14 + DAY) && iv.start.is_none());
        assert!(parse_interval("2021-05-14T00:00:00+01:00/..").unwrap().contains_day(may14 - DAY));
        assert!(parse_interval("2021-02-31").is_err());
        assert!(parse_interval("2021-02-31T00:00:00Z").is_err());
        assert!(parse_interval("2021-05-14T25:00:00Z").is_err());
        assert!(parse_interval("2021-05-14T20:00:00").unwrap_err().contains("offset"));
        assert!(parse_interval("2021-06-01/2021-05-01").is_err());
        assert!(parse_interval("").is_err());
        assert!(parse_interval("never").is_err());
    }
}
