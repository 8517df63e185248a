//! Virtual time. The model never reads a wall clock: every instant is a [`SimTime`]
//! that the scenario sets at the start and advances with `advanceClock` actions.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An instant on the virtual clock, in whole seconds since the Unix epoch (UTC).
///
/// Seconds are the resolution every wire format here uses (`iat`, `exp`, `expires_on`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct SimTime(pub u64);

impl SimTime {
    /// Seconds since the Unix epoch.
    pub fn epoch(self) -> u64 {
        self.0
    }
    /// This instant plus `secs` seconds (saturating).
    pub fn plus(self, secs: u64) -> SimTime {
        SimTime(self.0.saturating_add(secs))
    }
    /// Seconds from `earlier` to `self`, or a negative number when `earlier` is later.
    pub fn since(self, earlier: SimTime) -> i64 {
        self.0 as i64 - earlier.0 as i64
    }
    /// RFC 3339 form, e.g. `2026-01-15T09:00:00Z`.
    pub fn iso(self) -> String {
        let days = (self.0 / 86_400) as i64;
        let rem = self.0 % 86_400;
        let (y, m, d) = civil_from_days(days);
        format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
    }
    /// The `expires_on` text of App Service's legacy 2017-09-01 token response, which
    /// depends on the plan's OS: on Windows `M/d/yyyy h:mm:ss AM +00:00` (e.g.
    /// `1/16/2020 5:24:12 AM +00:00`), on Linux `MM/dd/yyyy HH:mm:ss +00:00` (24-hour, e.g.
    /// `06/19/2019 23:42:01 +00:00`). Both forms as the SDKs parse them: azure-sdk-for-python
    /// PR #9480 ("The string's format depends on the OS. Responses on Windows include AM/PM
    /// … Responses on Linux do not"), #5972, azure-sdk-for-go PR #13912 [O].
    pub fn legacy_app_service(self, linux: bool) -> String {
        if linux {
            let (y, m, d) = civil_from_days((self.0 / 86_400) as i64);
            let rem = self.0 % 86_400;
            format!("{m:02}/{d:02}/{y:04} {:02}:{:02}:{:02} +00:00", rem / 3600, rem / 60 % 60, rem % 60)
        } else {
            format!("{} +00:00", self.us_date_time())
        }
    }
    /// .NET's invariant `M/d/yyyy h:mm:ss tt` form, e.g. `5/27/2026 1:31:18 PM`, which ARM
    /// error messages use for instants.
    pub fn us_date_time(self) -> String {
        let days = (self.0 / 86_400) as i64;
        let rem = self.0 % 86_400;
        let (y, m, d) = civil_from_days(days);
        let h24 = rem / 3600;
        let (h12, ampm) = match h24 {
            0 => (12, "AM"),
            1..=11 => (h24, "AM"),
            12 => (12, "PM"),
            _ => (h24 - 12, "PM"),
        };
        format!("{m}/{d}/{y} {h12}:{:02}:{:02} {ampm}", rem / 60 % 60, rem % 60)
    }
    /// Parses `YYYY-MM-DDTHH:MM:SSZ` (UTC only). Returns `None` for anything else.
    pub fn parse_iso(s: &str) -> Option<SimTime> {
        let b = s.as_bytes();
        if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u64> {
            let t = &s[r];
            if t.bytes().all(|c| c.is_ascii_digit()) { t.parse().ok() } else { None }
        };
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1970..=9999).contains(&y) || !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59 {
            return None;
        }
        let days = days_from_civil(y as i64, mo as u32, d as u32);
        Some(SimTime(days as u64 * 86_400 + h * 3600 + mi * 60 + se))
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso())
    }
}

fn days_in_month(y: u64, m: u64) -> u64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        _ => 28,
    }
}

// Howard Hinnant's civil-from-days algorithms (public domain).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses a duration such as `90s`, `10m`, `24h`, `45d`, `1h30m`. At most ten years.
pub fn parse_duration(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut num: Option<u64> = None;
    for c in s.chars() {
        if let Some(dg) = c.to_digit(10) {
            num = Some(num.unwrap_or(0).checked_mul(10)?.checked_add(dg as u64)?);
        } else {
            let unit = match c {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                'w' => 7 * 86_400,
                _ => return None,
            };
            total = total.checked_add(num.take()?.checked_mul(unit)?)?;
        }
    }
    if num.is_some() || total > 10 * 366 * 86_400 {
        return None;
    }
    Some(total)
}

/// A span of virtual time as a scenario writes it: `90s`, `10m`, `24h`, `45d`, `2w`, or a
/// sum such as `1h30m`; at most ten years. It keeps the author's spelling beside the
/// seconds, so a document written back says `90m` where its author did (not `1h30m`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duration {
    secs: u64,
    text: String,
}

impl Duration {
    /// Reads a written duration (surrounding spaces allowed); `None` when it is not one.
    pub fn parse(text: &str) -> Option<Duration> {
        parse_duration(text).map(|secs| Duration { secs, text: text.to_string() })
    }
    /// A duration of `secs` seconds, spelt in days, hours, minutes and seconds (`1h30m`, `0s`).
    pub fn from_secs(secs: u64) -> Duration {
        let mut text = String::new();
        let mut rest = secs;
        for (unit, name) in [(86_400, 'd'), (3600, 'h'), (60, 'm'), (1, 's')] {
            if rest >= unit {
                text.push_str(&(rest / unit).to_string());
                text.push(name);
                rest %= unit;
            }
        }
        if text.is_empty() {
            text.push_str("0s");
        }
        Duration { secs, text }
    }
    /// Length in seconds.
    pub fn secs(&self) -> u64 {
        self.secs
    }
    /// As written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
    /// The diagnostic for a text that is not a duration: message and hint.
    pub fn problem(text: &str) -> (String, String) {
        (format!("'{text}' is not a duration"), "write it like 90s, 10m, 24h, 45d or 1h30m (at most ten years)".into())
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Duration::parse(&text).ok_or_else(|| serde::de::Error::custom(Duration::problem(&text).0))
    }
}

impl schemars::JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^\\s*([0-9]+[smhdw])+\\s*$",
            "description": "A span of virtual time: a whole number and a unit (s, m, h, d, w), or a sum such as 1h30m; at most ten years.",
            "examples": ["90s", "10m", "24h", "46d", "1h30m"]
        })
    }
}

/// An instant as a scenario writes it: RFC 3339 in UTC with whole seconds,
/// `2026-01-15T09:00:00Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UtcTime(pub SimTime);

impl UtcTime {
    /// Reads `YYYY-MM-DDTHH:MM:SSZ`; `None` for anything else.
    pub fn parse(text: &str) -> Option<UtcTime> {
        SimTime::parse_iso(text).map(UtcTime)
    }
    /// The diagnostic for a text that is not such a time: message and hint.
    pub fn problem(text: &str) -> (String, String) {
        (format!("'{text}' is not a UTC time"), "write it like 2026-01-15T09:00:00Z".into())
    }
}

impl fmt::Display for UtcTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.iso())
    }
}

impl Serialize for UtcTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.iso())
    }
}

impl<'de> Deserialize<'de> for UtcTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        UtcTime::parse(&text).ok_or_else(|| serde::de::Error::custom(UtcTime::problem(&text).0))
    }
}

impl schemars::JsonSchema for UtcTime {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "UtcTime".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date-time",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
            "description": "An instant in UTC, RFC 3339 with whole seconds."
        })
    }
}

/// Human form of a span of seconds: `24h 5m`, `3m 20s`, `45d`.
pub fn human_duration(secs: i64) -> String {
    let neg = secs < 0;
    let mut s = secs.unsigned_abs();
    let mut parts = Vec::new();
    for (unit, name) in [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")] {
        if s >= unit {
            parts.push(format!("{}{}", s / unit, name));
            s %= unit;
        }
        if parts.len() == 2 {
            break;
        }
    }
    if parts.is_empty() {
        parts.push("0s".into());
    }
    format!("{}{}", if neg { "-" } else { "" }, parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trips() {
        for s in ["1970-01-01T00:00:00Z", "2026-01-15T09:00:00Z", "2024-02-29T23:59:59Z", "2100-03-01T00:00:00Z"] {
            assert_eq!(SimTime::parse_iso(s).unwrap().iso(), s);
        }
        assert_eq!(SimTime::parse_iso("2026-01-15T09:00:00Z").unwrap().0, 1_768_467_600);
        assert!(SimTime::parse_iso("2023-02-29T00:00:00Z").is_none());
        assert!(SimTime::parse_iso("2026-01-15 09:00:00").is_none());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10m"), Some(600));
        assert_eq!(parse_duration("1h30m"), Some(5400));
        assert_eq!(parse_duration("90d"), Some(90 * 86_400));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("99999999999999999999d"), None);
        assert_eq!(human_duration(86_700), "1d 5m");
        assert_eq!(human_duration(200), "3m 20s");
        let d = Duration::parse("90m").unwrap();
        assert_eq!((d.secs(), d.as_str()), (5400, "90m"));
        assert_eq!(Duration::from_secs(5400).as_str(), "1h30m");
        assert_eq!(Duration::from_secs(0).as_str(), "0s");
        assert_eq!(Duration::from_secs(300), Duration::parse("5m").unwrap());
        for s in ["90s", "1h30m", "45d", "2w"] {
            assert_eq!(Duration::from_secs(parse_duration(s).unwrap()).secs(), parse_duration(s).unwrap());
        }
        assert_eq!(serde_json::from_str::<Duration>("\"10m\"").unwrap().secs(), 600);
        assert!(serde_json::from_str::<Duration>("\"soon\"").unwrap_err().to_string().contains("'soon' is not a duration"));
        assert_eq!(serde_json::to_string(&UtcTime(SimTime(1_768_467_600))).unwrap(), "\"2026-01-15T09:00:00Z\"");
        assert!(serde_json::from_str::<UtcTime>("\"2026-01-15 09:00:00\"").is_err());
    }

    #[test]
    fn legacy_format() {
        let t = SimTime::parse_iso("2026-01-15T13:05:09Z").unwrap();
        assert_eq!(t.legacy_app_service(false), "1/15/2026 1:05:09 PM +00:00");
        assert_eq!(t.legacy_app_service(true), "01/15/2026 13:05:09 +00:00");
        // The captures the SDKs' parsers were written from.
        assert_eq!(SimTime::parse_iso("2020-01-16T05:24:12Z").unwrap().legacy_app_service(false), "1/16/2020 5:24:12 AM +00:00");
        assert_eq!(SimTime::parse_iso("2019-06-19T23:42:01Z").unwrap().legacy_app_service(true), "06/19/2019 23:42:01 +00:00");
        assert_eq!(SimTime::parse_iso("2019-06-19T00:05:00Z").unwrap().legacy_app_service(false), "6/19/2019 12:05:00 AM +00:00");
    }
}
