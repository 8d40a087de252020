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

use super::rows::{Reading, Rows};
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
    let ends_field = |at: usize| match bytes.get(at) {
        None | Some(b'\n' | b'\r') => true,
        Some(&b) => b == delimiter,
    };
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
            let rest = bytes.get(pos..).unwrap_or_default();
            let quick = match role.feature {
                Some(j) if role.texts.is_empty() => number_prefix(rest)
                    .filter(|&(x, used)| T::of(x).is_finite() && ends_field(pos + used))
                    .map(|(x, used)| (j, x, used)),
                _ => None,
            };
            let end = match quick {
                Some((j, x, used)) => {
                    if let Some(v) = rows.x.get_mut(row + j) {
                        *v = T::of(x);
                    }
                    pos + used
                }
                None => {
                    let len = memchr::memchr3(delimiter, b'\n', b'\r', rest).unwrap_or(rest.len());
                    let field = rest.get(..len).unwrap_or_default();
                    if let Some(j) = role.feature
                        && !matches!(rows.set_feature(j, field, line, how), Ok(true))
                    {
                        return Fast::General;
                    }
                    for &k in &role.texts {
                        if rows.push_text(k, field, line, how).is_err() {
                            return Fast::General;
                        }
                    }
                    pos + len
                }
            };
            // The field ends as the record's width says: at a separator but after the last.
            let last = c + 1 == width;
            match bytes.get(end) {
                Some(&b) if b == delimiter && !last => pos = end + 1,
                None | Some(b'\n' | b'\r') if last => pos = end,
                _ => return Fast::General,
            }
        }
        rows.lines.push(line);
    }
}

/// The finite number that `bytes` start with, and how many bytes it takes; `None` when they
/// do not start with a digit, a sign or a point.
fn number_prefix(bytes: &[u8]) -> Option<(f64, usize)> {
    if !matches!(bytes.first(), Some(b'0'..=b'9' | b'-' | b'+' | b'.')) {
        return None;
    }
    let (x, used) = fast_float2::parse_partial::<f64, _>(bytes).ok()?;
    (x.is_finite() && used > 0).then_some((x, used))
}
