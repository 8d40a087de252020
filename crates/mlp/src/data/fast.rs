//! The fast reader of a block of records without quotes: fields are found and numbers parsed
//! in one pass over the bytes, straight into the block's rows, without a record or a string
//! per field. A number is parsed where it starts (`fast_float2`, correctly rounded as
//! `str::parse` is) and must end where its field ends; any other field goes through the one
//! rule for a feature's text ([`Rows::set_feature`]).
//!
//! It reads text without quotes as the csv crate does (a record ends at `\n`, `\r` or `\r\n`,
//! empty lines are skipped); whatever it does not read plainly (a record of the wrong width, a
//! feature that holds text) it leaves to the csv crate's reader, which reads the whole block
//! again and says what is wrong in the same words as for any other block.

use super::rows::{Reading, Role, Rows};
use crate::float::Float;

/// How a block was read.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Fast {
    /// Every record is in the rows.
    Done,
    /// The block must be read by the csv crate's reader.
    General,
}

/// Reads the records of `bytes` (without quotes, valid UTF-8), whose first byte is on `line`,
/// into `rows`.
pub(super) fn parse_block<T: Float>(
    bytes: &[u8],
    line: u64,
    how: &Reading<'_>,
    rows: &mut Rows<T>,
) -> Fast {
    let delimiter = how.delimiter;
    let width = how.roles.len();
    let features = how.plan.features.len();
    let mut pos = 0;
    let mut line = line;
    loop {
        // Empty lines and the end of the record before.
        while let Some(&b) = bytes.get(pos) {
            match b {
                b'\n' => line += 1,
                b'\r' => {}
                _ => break,
            }
            pos += 1;
        }
        if pos >= bytes.len() {
            return Fast::Done;
        }
        let row = rows.x.len();
        rows.x.resize(row + features, T::nan());
        for (c, role) in how.roles.iter().enumerate() {
            let last = c + 1 == width;
            let rest = bytes.get(pos..).unwrap_or_default();
            if let Some(j) = role.number
                && let Some((x, used)) = number_prefix::<T>(rest)
            {
                // The number is the field when the field ends with it.
                let next = match rest.get(used) {
                    Some(&b) if b == delimiter && !last => Some(used + 1),
                    None | Some(b'\n' | b'\r') if last => Some(used),
                    _ => None,
                };
                if let Some(next) = next {
                    if let Some(v) = rows.x.get_mut(row + j) {
                        *v = x;
                    }
                    pos += next;
                    continue;
                }
            }
            match field(rest, role, last, line, how, rows) {
                Some(next) => pos += next,
                None => return Fast::General,
            }
        }
        rows.lines.push(line);
    }
}
/// Reads the field that `rest` starts with, of a column of `role` (`last`: the record's last),
/// on `line`, into `rows`; returns where the next field starts in `rest`, or `None` when the
/// csv crate's reader must read the block: the record does not have the header's width, or a
/// feature holds text.
fn field<T: Float>(
    rest: &[u8],
    role: &Role,
    last: bool,
    line: u64,
    how: &Reading<'_>,
    rows: &mut Rows<T>,
) -> Option<usize> {
    let len = memchr::memchr3(how.delimiter, b'\n', b'\r', rest).unwrap_or(rest.len());
    let next = match rest.get(len) {
        Some(&b) if b == how.delimiter && !last => len + 1,
        None | Some(b'\n' | b'\r') if last => len,
        _ => return None,
    };
    let field = rest.get(..len).unwrap_or_default();
    if let Some(j) = role.feature
        && !matches!(rows.set_feature(j, field, line, how), Ok(true))
    {
        return None;
    }
    for &k in &role.texts {
        rows.push_text(k, field, line, how).ok()?;
    }
    Some(next)
}

/// The finite number that `bytes` start with, and how many bytes it takes; `None` when they
/// do not start with a digit, a sign or a point. The value is the one `str::parse` gives for
/// those bytes.
pub(super) fn number_prefix<T: Float>(bytes: &[u8]) -> Option<(T, usize)> {
    // The common case first, without a branch on the first byte: in a column of random signs,
    // a digit or a minus, it would be mispredicted half the time.
    if let Some((x, used)) = short_decimal(bytes) {
        // Finite in `f32` too: below 10^15 times 10^22.
        return Some((T::of(x), used));
    }
    if !matches!(bytes.first(), Some(b'0'..=b'9' | b'-' | b'+' | b'.')) {
        return None;
    }
    let (x, used) = fast_float2::parse_partial::<f64, _>(bytes).ok()?;
    let x = T::of(x);
    (x.is_finite() && used > 0).then_some((x, used))
}

/// The powers of ten that `f64` holds exactly.
const EXACT_POWERS: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The powers of ten a run of at most 7 digits shifts a number by.
const SHIFTS: [u64; 8] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

/// `'0'` in each byte of a word.
const ZEROS: u64 = 0x3030_3030_3030_3030;

/// The common case of [`number_prefix`] done first: a decimal number (`-1.30254`,
/// `2.5e-05`) of at most 7 digits before the point and 15 in all, and a power of ten up to 22
/// either way. Its digits make an integer and the power a number that `f64` holds exactly, so
/// one multiplication or division, rounded to nearest as every IEEE operation is, gives the
/// correctly rounded value (Clinger's fast path, which any correct parser takes for these
/// numbers). The digits are read 8 bytes at a time, those after the point moved down over it
/// so that the digits of a short number are one word. `None` for anything else (and near the
/// end of `bytes`, where a word would pass it), which the general parser reads.
#[inline(always)]
fn short_decimal(bytes: &[u8]) -> Option<(f64, usize)> {
    let negative = bytes.first() == Some(&b'-');
    let start = usize::from(negative);
    let word = digit_word(bytes, start)?;
    let whole = leading_digits(word);
    if whole == 8 {
        return None;
    }
    let (mut mantissa, mut at, mut fraction);
    if bytes.get(start + whole) == Some(&b'.') {
        // The digits before the point, then the bytes after it.
        let after = digit_word(bytes, start + 1)?;
        let before = (1u64 << (8 * whole)) - 1;
        let joined = (word & before) | (after & !before);
        let digits = leading_digits(joined);
        mantissa = digits_value(joined, digits);
        fraction = digits - whole;
        at = start + 1 + digits;
        if digits == 8 {
            let more = digit_word(bytes, at)?;
            let extra = leading_digits(more);
            if extra == 8 {
                return None;
            }
            mantissa = mantissa * SHIFTS[extra] + digits_value(more, extra);
            fraction += extra;
            at += extra;
        }
    } else {
        mantissa = digits_value(word, whole);
        fraction = 0;
        at = start + whole;
    }
    if whole + fraction == 0 {
        return None;
    }
    let mut power = -(fraction as i64);
    if let Some(b'e' | b'E') = bytes.get(at) {
        let (exponent, used) = short_exponent(bytes.get(at + 1..).unwrap_or_default())?;
        power += exponent;
        at += 1 + used;
    }
    // Exact: at most 15 digits (and through i64, a single instruction).
    let m = mantissa as i64 as f64;
    let x = match power {
        0 => m,
        1..=22 => m * EXACT_POWERS[power as usize],
        -22..=-1 => m / EXACT_POWERS[(-power) as usize],
        _ => return None,
    };
    // The sign set without a branch, which half the numbers of a column would mispredict.
    let sign = u64::from(negative) << 63;
    Some((f64::from_bits(x.to_bits() | sign), at))
}

/// The exponent after an `e` (`-05`, `+3`, `12`) of at most 4 digits, and the bytes it takes.
fn short_exponent(bytes: &[u8]) -> Option<(i64, usize)> {
    let (negative, mut at) = match bytes.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let digits = bytes
        .get(at..)
        .unwrap_or_default()
        .iter()
        .take(5)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 || digits > 4 {
        return None;
    }
    let mut exponent = 0i64;
    for &b in bytes.get(at..at + digits).unwrap_or_default() {
        exponent = exponent * 10 + i64::from(b - b'0');
    }
    at += digits;
    Some((if negative { -exponent } else { exponent }, at))
}

/// The 8 bytes of `bytes` from `at`, less `'0'` each, the first in the lowest byte.
#[inline(always)]
fn digit_word(bytes: &[u8], at: usize) -> Option<u64> {
    let word: [u8; 8] = bytes.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(word) ^ ZEROS)
}

/// How many bytes of `word` (see [`digit_word`]) are digits before the first that is not (8
/// when all are): a byte is a digit when it is at most 9, which adding 0x76 to its low 7 bits
/// leaves without the high bit.
#[inline(always)]
fn leading_digits(word: u64) -> usize {
    let low = 0x7F7F_7F7F_7F7F_7F7F;
    let high = 0x8080_8080_8080_8080;
    let not_digits = (((word & low).wrapping_add(0x7676_7676_7676_7676)) | word) & high;
    (not_digits.trailing_zeros() / 8) as usize
}

/// The value of the first `n` (at most 8) digits of `word` (see [`digit_word`]): they are moved
/// to the top, below zeros, and pairs, then fours, then the eight are combined by multiplying.
#[inline(always)]
fn digits_value(word: u64, n: usize) -> u64 {
    if n == 0 {
        return 0;
    }
    let v = word << (8 * (8 - n.min(8)));
    let v = (v & 0x0F0F_0F0F_0F0F_0F0F).wrapping_mul(2561) >> 8;
    let v = (v & 0x00FF_00FF_00FF_00FF).wrapping_mul(6_553_601) >> 16;
    (v & 0x0000_FFFF_0000_FFFF).wrapping_mul(42_949_672_960_001) >> 32
}
