//! ISO dates and date-times as numbers: days since 1970-01-01T00:00:00 (UTC), and the calendar
//! parts a network can use (year, month, day of month, weekday).
//!
//! Accepted: `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM`, `HH:MM:SS` or
//! `HH:MM:SS.fraction`, optionally followed by `Z`. The conversions between days and the civil
//! calendar are Howard Hinnant's `days_from_civil` and `civil_from_days` (proleptic Gregorian).

use serde::{Deserialize, Serialize};

/// The order of a date's parts (the `format` key of a date column in the model file).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// ISO 8601: `YYYY-MM-DD`, then optionally a time (see [`parse_days`]).
    #[default]
    Iso,
    /// Month first, as in the United States: `M/D/YYYY` (one or two digits for the month and
    /// the day; `/`, `-` or `.` between them; after slashes, a year of two digits is
    /// 1969-2068), then
    /// optionally ` HH:MM` or ` HH:MM:SS`.
    Mdy,
    /// Day first, as in most of the world: `D/M/YYYY`, otherwise as [`DateOrder::Mdy`].
    Dmy,
    /// Year first with another separator or unpadded parts: `YYYY/M/D`, as [`DateOrder::Mdy`].
    Ymd,
}

impl DateOrder {
    /// Whether this is [`DateOrder::Iso`] (the model file leaves its key out).
    pub fn is_iso(&self) -> bool {
        *self == DateOrder::Iso
    }

    /// Days since 1970-01-01T00:00:00 of a date (or date-time) written in this order, or
    /// `None`. ISO dates are read in every order.
    pub fn parse_days(self, s: &str) -> Option<f64> {
        parse_days(s).or_else(|| match self {
            DateOrder::Iso => None,
            order => parse_ordered(s, order),
        })
    }

    /// The orders a column's dates may be written in, tried in this order when the type of a
    /// column is inferred: ISO, then month first (where both readings work, as pandas and
    /// most software read it), day first, year first.
    pub const ALL: [DateOrder; 4] = [
        DateOrder::Iso,
        DateOrder::Mdy,
        DateOrder::Dmy,
        DateOrder::Ymd,
    ];
}

/// A date of three numbers separated by `/`, `-` or `.` in `order`, with a four-digit year,
/// optionally followed by a space (or `T`) and `H:MM` or `H:MM:SS`.
fn parse_ordered(s: &str, order: DateOrder) -> Option<f64> {
    let (date, time) = match s.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (s, None),
    };
    let separator = date.chars().find(|c| !c.is_ascii_digit())?;
    if !matches!(separator, '/' | '-' | '.') {
        return None;
    }
    let parts: Vec<&str> = date.split(separator).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let (year, month, day) = match order {
        DateOrder::Mdy => (c, a, b),
        DateOrder::Dmy => (c, b, a),
        DateOrder::Ymd | DateOrder::Iso => (a, b, c),
    };
    let short = |p: &str| (1..=2).contains(&p.len());
    // A year of two digits (after slashes only: `3.10.12` is more often a version than a
    // date) is taken as POSIX's strptime %y takes it: 69-99 are 1969-1999, 00-68 are
    // 2000-2068 (year first takes four digits only).
    let two_digit_year = year.len() == 2 && order != DateOrder::Ymd && separator == '/';
    if !(year.len() == 4 || two_digit_year) || !short(month) || !short(day) {
        return None;
    }
    let (mut year, month, day) = (
        digits(year.as_bytes())?,
        digits(month.as_bytes())?,
        digits(day.as_bytes())?,
    );
    if two_digit_year {
        year += if year >= 69 { 1900 } else { 2000 };
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let date = days_from_civil(year, month, day) as f64;
    let Some(time) = time else {
        return Some(date);
    };
    let fields: Vec<&str> = time.split(':').collect();
    let (hour, minute, second) = match fields.as_slice() {
        [h, m] => (*h, *m, "0"),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    if !short(hour) || minute.len() != 2 || !short(second) {
        return None;
    }
    let (hour, minute, second) = (
        digits(hour.as_bytes())?,
        digits(minute.as_bytes())?,
        digits(second.as_bytes())?,
    );
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(date + (hour * 3600 + minute * 60 + second) as f64 / 86400.0)
}

/// The names of the inputs a date column becomes, in order.
pub const PARTS: [&str; 5] = ["days", "year", "month", "day", "weekday"];

/// Days since 1970-01-01T00:00:00 of an ISO date or date-time, or `None`.
pub fn parse_days(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let date = days_from_civil(year, month, day) as f64;
    let rest = b.get(10..)?;
    if rest.is_empty() {
        return Some(date);
    }
    let rest = rest.strip_suffix(b"Z").unwrap_or(rest);
    let time = match rest {
        [b'T' | b' ', time @ ..] => time,
        _ => return None,
    };
    if time.len() < 5 || time[2] != b':' {
        return None;
    }
    let hour = digits(&time[0..2])?;
    let minute = digits(&time[3..5])?;
    let mut second = 0.0;
    if let Some(tail) = time.get(5..).filter(|t| !t.is_empty()) {
        if tail.len() < 3 || tail[0] != b':' {
            return None;
        }
        let whole = digits(&tail[1..3])?;
        let fraction = match &tail[3..] {
            [] => 0.0,
            [b'.', f @ ..] if !f.is_empty() && f.iter().all(u8::is_ascii_digit) => {
                std::str::from_utf8(tail.get(3..)?)
                    .ok()?
                    .parse::<f64>()
                    .ok()?
            }
            _ => return None,
        };
        if whole > 59 {
            return None;
        }
        second = whole as f64 + fraction;
    }
    if hour > 23 || minute > 59 {
        return None;
    }
    Some(date + (hour as f64 * 3600.0 + minute as f64 * 60.0 + second) / 86400.0)
}

/// The inputs of a date: days since the epoch, year, month (1-12), day of month, weekday
/// (Monday 0 .. Sunday 6), the calendar parts of the day that holds the instant.
pub fn parts(days: f64) -> [f64; 5] {
    let whole = days.floor() as i64;
    let (year, month, day) = civil_from_days(whole);
    let weekday = (whole + 3).rem_euclid(7);
    [days, year as f64, month as f64, day as f64, weekday as f64]
}

fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
    })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day counted from 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_days() {
        assert_eq!(parse_days("1970-01-01"), Some(0.0));
        assert_eq!(parse_days("1970-01-02T12:00"), Some(1.5));
        assert_eq!(parse_days("1970-01-02 06:00:00Z"), Some(1.25));
        assert_eq!(parse_days("2000-03-01"), Some(11_017.0));
        assert_eq!(parse_days("1967-06-30"), Some(-916.0));
        let t = parse_days("1970-01-01T00:00:01.5").unwrap();
        assert!((t - 1.5 / 86400.0).abs() < 1e-15);
        for bad in [
            "1970-13-01",
            "1970-02-30",
            "2001-02-29",
            "70-01-01",
            "1970/01/01",
            "1970-01-01x",
            "1970-01-01T25:00",
            "1970-01-01T10",
            "abc",
            "",
        ] {
            assert_eq!(parse_days(bad), None, "{bad}");
        }
        assert_eq!(parse_days("2000-02-29"), Some(11_016.0));
    }

    #[test]
    fn dates_in_other_orders() {
        use DateOrder::{Dmy, Iso, Mdy, Ymd};
        assert_eq!(Mdy.parse_days("1/2/1970"), Some(1.0));
        assert_eq!(Dmy.parse_days("2/1/1970"), Some(1.0));
        assert_eq!(Ymd.parse_days("1970/01/02"), Some(1.0));
        assert_eq!(Mdy.parse_days("03.01.2000"), Some(11_017.0));
        assert_eq!(
            Ymd.parse_days("2016/01/01 00:47"),
            Some(16_801.0 + 47.0 / 1440.0)
        );
        assert_eq!(Mdy.parse_days("1/2/1970 6:00:00"), Some(1.25));
        // ISO dates read in every order; the others only in their own.
        assert_eq!(Dmy.parse_days("1970-01-02"), Some(1.0));
        assert_eq!(Iso.parse_days("1/2/1970"), None);
        assert_eq!(Mdy.parse_days("13/1/1970"), None);
        assert_eq!(Dmy.parse_days("13/1/1970"), Some(12.0));
        assert_eq!(Mdy.parse_days("1/2/70"), Some(1.0));
        assert_eq!(
            Dmy.parse_days("8/6/20 18:57"),
            Mdy.parse_days("6/8/2020 18:57")
        );
        assert_eq!(Mdy.parse_days("1/1/68"), Mdy.parse_days("1/1/2068"));
        for bad in [
            "1/2/170",
            "70/1/2",
            "3.10.12",
            "1-2-70",
            "1/2/1970/3",
            "1-2/1970",
            "2/30/2001",
            "1/2/1970 24:00",
            "1/2/1970 6",
        ] {
            assert_eq!(Mdy.parse_days(bad), None, "{bad}");
        }
    }

    #[test]
    fn calendar_parts() {
        // 1967-06-30 was a Friday; 2000-03-01 a Wednesday; 1970-01-01 a Thursday.
        assert_eq!(parts(-916.0), [-916.0, 1967.0, 6.0, 30.0, 4.0]);
        assert_eq!(parts(11_017.0), [11_017.0, 2000.0, 3.0, 1.0, 2.0]);
        assert_eq!(parts(0.75), [0.75, 1970.0, 1.0, 1.0, 3.0]);
        // Round trip over four centuries.
        for z in (-146_097..146_097).step_by(97) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }
}
