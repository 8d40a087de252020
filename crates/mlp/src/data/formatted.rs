//! Numbers written for people: a currency sign, thousands separators, a percent sign
//! ("$7,000", "18%", "1.234,5 €", "(250)").

use super::number;

/// Currency signs dropped before or after a number.
const CURRENCIES: [char; 4] = ['$', '€', '£', '¥'];

/// A trimmed field as a finite number, plain or written for people (a currency sign,
/// thousands separators, a percent sign or accounting parentheses: see
/// [`crate::schema::NumberFormat::Formatted`]), with `decimal` as the decimal separator;
/// `None` when it is neither.
pub fn formatted_number(s: &str, decimal: u8) -> Option<f64> {
    number(s, decimal).or_else(|| formatted(s, decimal))
}

/// The value of a number written for people.
fn formatted(s: &str, decimal: u8) -> Option<f64> {
    let s = s.trim();
    let (negative, s) = match s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        Some(inner) => (true, inner.trim()),
        None => (false, s),
    };
    let (mut minus, mut s) = sign(s);
    // The currency before the number, or after it (then with the percent sign never).
    if let Some(rest) = s.strip_prefix(CURRENCIES) {
        s = rest.trim_start();
        if !minus {
            (minus, s) = sign(s);
        }
    } else if let Some(rest) = s.strip_suffix(CURRENCIES) {
        s = rest.trim_end();
    } else if let Some(rest) = s.strip_suffix('%') {
        s = rest.trim_end();
    }
    let point = char::from(decimal);
    let (whole, fraction) = match s.split_once(point) {
        Some((w, f)) => (w, Some(f)),
        None => (s, None),
    };
    let mut digits = ungrouped(whole, point)?;
    if let Some(f) = fraction {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.push('.');
        digits.push_str(f);
    }
    let x: f64 = digits.parse().ok()?;
    let x = if negative != minus { -x } else { x };
    x.is_finite().then_some(x)
}

/// A leading `-` or `+`: whether it was a minus, and the rest.
fn sign(s: &str) -> (bool, &str) {
    match s.as_bytes().first() {
        Some(b'-') => (true, s[1..].trim_start()),
        Some(b'+') => (false, s[1..].trim_start()),
        _ => (false, s),
    }
}

/// The digits of a whole part written with or without thousands separators ("7,000",
/// "1 234 567", "12"), or `None` when it is neither: one separator throughout, between a
/// first group of 1 to 3 digits and groups of exactly 3.
fn ungrouped(whole: &str, point: char) -> Option<String> {
    if !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()) {
        return Some(whole.to_owned());
    }
    let separator = whole
        .chars()
        .find(|c| !c.is_ascii_digit())
        .filter(|&c| c != point && matches!(c, ',' | '.' | ' ' | '\u{a0}' | '\u{202f}' | '\''))?;
    let mut groups = whole.split(separator);
    let first = groups.next()?;
    let mut digits = String::with_capacity(whole.len());
    if !(1..=3).contains(&first.len()) || !first.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.push_str(first);
    for g in groups {
        if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.push_str(g);
    }
    Some(digits)
}
