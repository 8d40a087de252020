//! The pages of a Parquet column of numbers (double, float, int32, int64; not nested) decoded
//! by hand into T, for [`super::direct`]: PLAIN values, or a PLAIN dictionary and the
//! RLE/bit-packed indices into it, with the definition levels of a nullable column. The
//! dictionary is converted to T once, and the indices pick from it: the values are not decoded
//! into a vector of the file's type first. Pages are read and decompressed by the `parquet`
//! crate. A column chunk whose metadata lists another encoding is read by the crate's own
//! column reader instead ([`handles`]).

use parquet::basic::{Encoding, Type as Physical};
use parquet::column::page::{Page, PageReader};
use parquet::file::metadata::ColumnChunkMetaData;

use crate::float::Float;

/// Whether the pages of this column chunk are all in encodings read here.
pub(super) fn handles(chunk: &ColumnChunkMetaData) -> bool {
    let physical = chunk.column_type();
    let encodings: Vec<Encoding> = chunk.encodings().collect();
    matches!(
        physical,
        Physical::DOUBLE | Physical::FLOAT | Physical::INT32 | Physical::INT64
    ) && !encodings.is_empty()
        && encodings.iter().all(|e| {
            matches!(
                e,
                Encoding::PLAIN
                    | Encoding::PLAIN_DICTIONARY
                    | Encoding::RLE_DICTIONARY
                    | Encoding::RLE
            )
        })
}

/// A column's pages being read.
pub(super) struct Pages<T> {
    pages: Box<dyn PageReader>,
    physical: Physical,
    nullable: bool,
    /// The dictionary, as T (a NaN or infinity as NaN).
    dictionary: Vec<T>,
    /// The current page's values, as T (a null as NaN), and how many have been taken.
    values: Vec<T>,
    taken: usize,
    /// Scratch: a page's definition levels.
    levels: Vec<u32>,
}

/// A page that cannot be read.
fn bad(message: &str) -> String {
    format!("a Parquet page {message}")
}

impl<T: Float> Pages<T> {
    pub(super) fn new(pages: Box<dyn PageReader>, physical: Physical, nullable: bool) -> Self {
        Self {
            pages,
            physical,
            nullable,
            dictionary: Vec::new(),
            values: Vec::new(),
            taken: 0,
            levels: Vec::new(),
        }
    }

    /// Appends the next `n` values of the column to `out`; returns how many there were (fewer
    /// than `n` at the end of the column).
    pub(super) fn read(&mut self, n: usize, out: &mut Vec<T>) -> Result<usize, String> {
        let mut read = 0;
        while read < n {
            if self.taken < self.values.len() {
                let take = (n - read).min(self.values.len() - self.taken);
                let values = self.values.get(self.taken..self.taken + take);
                out.extend_from_slice(values.unwrap_or_default());
                self.taken += take;
                read += take;
                continue;
            }
            match self.next_page(out, n - read)? {
                Some(appended) => read += appended,
                None => break,
            }
        }
        Ok(read)
    }

    /// Decodes the next data page (and the dictionary before it): appended to `out` when it
    /// has at most `room` values (returns how many), else into `self.values` (returns 0).
    /// `None` at the end of the column.
    fn next_page(&mut self, out: &mut Vec<T>, room: usize) -> Result<Option<usize>, String> {
        loop {
            let page = self.pages.get_next_page().map_err(|e| e.to_string())?;
            let (buf, count, encoding, levels) = match page {
                None => return Ok(None),
                Some(Page::DictionaryPage {
                    buf,
                    num_values,
                    encoding,
                    ..
                }) => {
                    if !matches!(encoding, Encoding::PLAIN | Encoding::PLAIN_DICTIONARY) {
                        return Err(bad(&format!("has a dictionary in {encoding}")));
                    }
                    self.dictionary.clear();
                    plain(
                        self.physical,
                        &buf,
                        num_values as usize,
                        &mut self.dictionary,
                    )?;
                    continue;
                }
                Some(Page::DataPage {
                    buf,
                    num_values,
                    encoding,
                    def_level_encoding,
                    ..
                }) => {
                    let mut buf = buf;
                    let levels = if self.nullable {
                        if def_level_encoding != Encoding::RLE {
                            return Err(bad(&format!("has levels in {def_level_encoding}")));
                        }
                        let length = buf
                            .get(..4)
                            .and_then(|b| b.try_into().ok())
                            .map(u32::from_le_bytes)
                            .ok_or_else(|| bad("ends early"))?
                            as usize;
                        let levels = buf.get(4..4 + length).ok_or_else(|| bad("ends early"))?;
                        let levels = levels.to_vec();
                        buf = buf.slice(4 + length..);
                        Some(levels)
                    } else {
                        None
                    };
                    (buf, num_values as usize, encoding, levels)
                }
                Some(Page::DataPageV2 {
                    buf,
                    num_values,
                    encoding,
                    def_levels_byte_len,
                    rep_levels_byte_len,
                    ..
                }) => {
                    let start = rep_levels_byte_len as usize;
                    let end = start + def_levels_byte_len as usize;
                    let levels = buf.get(start..end).ok_or_else(|| bad("ends early"))?;
                    let levels = self.nullable.then(|| levels.to_vec());
                    (buf.slice(end..), num_values as usize, encoding, levels)
                }
            };
            let present = match &levels {
                Some(l) => present(l, count)?,
                None => count,
            };
            let direct = count <= room;
            let values = if direct {
                &mut *out
            } else {
                self.values.clear();
                self.taken = 0;
                &mut self.values
            };
            let base = values.len();
            match encoding {
                Encoding::PLAIN => plain(self.physical, &buf, present, values)?,
                Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY => {
                    let width = *buf.first().ok_or_else(|| bad("ends early"))?;
                    let dictionary = self.dictionary.as_slice();
                    let past = std::cell::Cell::new(false);
                    let pick = |i: u32| match dictionary.get(i as usize) {
                        Some(&v) => v,
                        None => {
                            past.set(true);
                            T::nan()
                        }
                    };
                    let indices = buf.get(1..).unwrap_or_default();
                    hybrid_as(indices, width, present, values, pick)?;
                    if past.get() {
                        return Err(bad("points past its dictionary"));
                    }
                }
                e => return Err(bad(&format!("has values in {e}"))),
            }
            if let Some(l) = levels.filter(|_| present < count) {
                // Nulls as NaN: spread the present values over the levels, from the end.
                self.levels.clear();
                hybrid(&l, 1, count, &mut self.levels)?;
                values.resize(base + count, T::nan());
                let page = values.get_mut(base..).unwrap_or_default();
                let mut from = present;
                for (to, &level) in self.levels.iter().enumerate().rev() {
                    if level > 0 {
                        from -= 1;
                        page.swap(to, from);
                    } else if let Some(v) = page.get_mut(to) {
                        *v = T::nan();
                    }
                }
            }
            return Ok(Some(if direct { count } else { 0 }));
        }
    }
}

/// Appends `count` PLAIN values of the physical type to `out`, as T (a NaN or infinity as NaN).
fn plain<T: Float>(
    physical: Physical,
    buf: &[u8],
    count: usize,
    out: &mut Vec<T>,
) -> Result<(), String> {
    fn put<T: Float, const N: usize>(
        buf: &[u8],
        count: usize,
        out: &mut Vec<T>,
        f: impl Fn([u8; N]) -> f64,
    ) -> Result<(), String> {
        let bytes = buf.get(..count * N).ok_or_else(|| bad("ends early"))?;
        out.extend(bytes.chunks_exact(N).map(|b| {
            let v = T::of(f(b.try_into().unwrap_or([0; N])));
            if v.is_finite() { v } else { T::nan() }
        }));
        Ok(())
    }
    #[allow(clippy::cast_precision_loss)]
    match physical {
        Physical::DOUBLE => put::<T, 8>(buf, count, out, f64::from_le_bytes),
        Physical::FLOAT => put::<T, 4>(buf, count, out, |b| f64::from(f32::from_le_bytes(b))),
        Physical::INT32 => put::<T, 4>(buf, count, out, |b| f64::from(i32::from_le_bytes(b))),
        Physical::INT64 => put::<T, 8>(buf, count, out, |b| i64::from_le_bytes(b) as f64),
        other => Err(bad(&format!("has values of type {other}"))),
    }
}

/// How many of the first `count` definition levels (RLE / bit-packed hybrid, one bit each) in
/// `buf` are not 0: the values present.
fn present(buf: &[u8], count: usize) -> Result<usize, String> {
    let mut seen = 0;
    let mut ones = 0;
    let mut at = 0;
    while seen < count {
        let (header, used) = varint(buf.get(at..).unwrap_or_default())?;
        at += used;
        let runs = usize::try_from(header >> 1).map_err(|_| bad("has a run too long"))?;
        let want = count - seen;
        if header & 1 == 0 {
            let v = *buf.get(at).ok_or_else(|| bad("ends early"))?;
            at += 1;
            let take = runs.min(want);
            ones += if v > 0 { take } else { 0 };
            seen += take;
        } else {
            let raw = buf.get(at..at + runs).ok_or_else(|| bad("ends early"))?;
            at += runs;
            let take = runs.saturating_mul(8).min(want);
            let (full, rest) = (take / 8, take % 8);
            ones += raw
                .iter()
                .take(full)
                .map(|b| b.count_ones() as usize)
                .sum::<usize>();
            if rest > 0
                && let Some(b) = raw.get(full)
            {
                ones += (b & ((1u8 << rest) - 1)).count_ones() as usize;
            }
            seen += take;
        }
    }
    Ok(ones)
}

/// A ULEB128 number at the start of `buf`, and its length in bytes.
fn varint(buf: &[u8]) -> Result<(u64, usize), String> {
    let mut v = 0u64;
    for (i, &b) in buf.iter().enumerate().take(5) {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return Ok((v, i + 1));
        }
    }
    Err(bad("ends early or has a run too long"))
}

/// Appends `count` values of the RLE / bit-packed hybrid encoding (of `width` bits each) in
/// `buf` to `out`.
fn hybrid(buf: &[u8], width: u8, count: usize, out: &mut Vec<u32>) -> Result<(), String> {
    hybrid_as(buf, width, count, out, |v| v)
}

/// [`hybrid`], each value appended as `f` makes it.
fn hybrid_as<V>(
    buf: &[u8],
    width: u8,
    count: usize,
    out: &mut Vec<V>,
    f: impl Fn(u32) -> V,
) -> Result<(), String>
where
    V: Copy,
{
    if width > 32 {
        return Err(bad("has indices wider than 32 bits"));
    }
    let width = usize::from(width);
    let end = out.len() + count;
    let mut at = 0;
    let mut scratch = Vec::new();
    while out.len() < end {
        let (header, used) = varint(buf.get(at..).unwrap_or_default())?;
        at += used;
        let runs = usize::try_from(header >> 1).map_err(|_| bad("has a run too long"))?;
        let want = end - out.len();
        if header & 1 == 0 {
            // A run of one value, in width / 8 bytes rounded up.
            let bytes = width.div_ceil(8);
            let raw = buf.get(at..at + bytes).ok_or_else(|| bad("ends early"))?;
            at += bytes;
            let v = raw.iter().rev().fold(0u32, |v, &b| (v << 8) | u32::from(b));
            out.extend(std::iter::repeat_n(f(v), runs.min(want)));
        } else {
            // Groups of 8 values, `width` bytes a group.
            let bytes = runs
                .checked_mul(width)
                .ok_or_else(|| bad("has a run too long"))?;
            let raw = buf.get(at..at + bytes).ok_or_else(|| bad("ends early"))?;
            at += bytes;
            let take = (runs * 8).min(want);
            if width == 16 {
                // The usual width of a dictionary's indices: no unpacking.
                let values = raw.chunks_exact(2).take(take);
                out.extend(values.map(|b| f(u32::from(u16::from_le_bytes([b[0], b[1]])))));
            } else {
                scratch.clear();
                unpack(raw, width, take, &mut scratch);
                out.extend(scratch.iter().map(|&v| f(v)));
            }
        }
    }
    Ok(())
}

/// Appends the first `take` values of `width` bits packed (least significant bit first) in
/// `raw` to `out`.
fn unpack(raw: &[u8], width: usize, take: usize, out: &mut Vec<u32>) {
    match width {
        0 => out.extend(std::iter::repeat_n(0, take)),
        1 => out.extend(
            raw.iter()
                .flat_map(|&b| (0..8).map(move |k| u32::from((b >> k) & 1)))
                .take(take),
        ),
        8 => out.extend(raw.iter().take(take).map(|&b| u32::from(b))),
        16 => out.extend(
            raw.chunks_exact(2)
                .take(take)
                .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]]))),
        ),
        _ => {
            let mask = if width == 32 {
                u64::from(u32::MAX)
            } else {
                (1u64 << width) - 1
            };
            let mut acc = 0u64;
            let mut bits = 0;
            let end = out.len() + take;
            for &b in raw {
                acc |= u64::from(b) << bits;
                bits += 8;
                while bits >= width && out.len() < end {
                    out.push((acc & mask) as u32);
                    acc >>= width;
                    bits -= width;
                }
                if out.len() == end {
                    break;
                }
            }
        }
    }
}
