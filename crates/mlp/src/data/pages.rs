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
            out.extend(unpacked(raw, width, take).map(&f));
        }
    }
    Ok(())
}

/// The first `take` values of `width` (at most 32) bits packed, least significant bit first, in
/// `raw` (fewer if `raw` ends before them). Each value is read from the 8 bytes where it starts,
/// which hold all of it (at most 7 + 32 bits), as one word: no loop over bytes or bits.
fn unpacked(raw: &[u8], width: usize, take: usize) -> impl Iterator<Item = u32> + '_ {
    let mask = (1u64 << width) - 1;
    let take = match width {
        0 => take,
        _ => take.min(raw.len() * 8 / width),
    };
    (0..take).map(move |i| {
        let bit = i * width;
        let at = bit / 8;
        let word = match raw.get(at..at + 8) {
            Some(bytes) => bytes.try_into().unwrap_or_default(),
            None => {
                // The last few values: the bytes left, padded with zeros.
                let mut padded = [0u8; 8];
                let tail = raw.get(at..).unwrap_or_default();
                for (p, &b) in padded.iter_mut().zip(tail) {
                    *p = b;
                }
                padded
            }
        };
        ((u64::from_le_bytes(word) >> (bit % 8)) & mask) as u32
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit by bit: value `i` of `width` bits, least significant bit first.
    fn naive(raw: &[u8], width: usize, i: usize) -> u32 {
        (0..width).fold(0, |v, k| {
            let bit = i * width + k;
            v | (u32::from((raw[bit / 8] >> (bit % 8)) & 1) << k)
        })
    }

    #[test]
    fn unpacking_reads_every_width_as_bit_by_bit() {
        let raw: Vec<u8> = (0..300u32)
            .map(|i| (i * 151 + 7) as u8 ^ (i >> 3) as u8)
            .collect();
        for width in 0..=32 {
            for len in [0, 1, 3, 7, 8, 9, 40, 300] {
                let raw = &raw[..len];
                // Width 0 takes no bytes: as many values as asked for.
                let fit = (len * 8).checked_div(width).unwrap_or(50);
                let asked = if width == 0 { fit } else { fit + 5 };
                let got: Vec<u32> = unpacked(raw, width, asked).collect();
                let want: Vec<u32> = (0..fit).map(|i| naive(raw, width, i)).collect();
                assert_eq!(got, want, "width {width}, {len} bytes");
            }
        }
    }

    #[test]
    fn a_hybrid_run_of_any_width_reads_its_values() {
        for width in [1u8, 5, 13, 15, 16, 17, 24, 31, 32] {
            let w = usize::from(width);
            // One bit-packed run of 3 groups of 8 (header (3 << 1) | 1), then a repeated run of
            // 4 values (header 4 << 1) of the value 1.
            let packed: Vec<u8> = (0..3 * w).map(|i| (i * 37 + 11) as u8).collect();
            let mut buf = vec![7u8];
            buf.extend(&packed);
            buf.push(8);
            buf.extend(std::iter::once(1u8).chain(std::iter::repeat_n(0, w.div_ceil(8) - 1)));
            let mut out = Vec::new();
            hybrid(&buf, width, 28, &mut out).unwrap_or_else(|e| panic!("{e}"));
            let want: Vec<u32> = (0..24)
                .map(|i| naive(&packed, w, i))
                .chain([1; 4])
                .collect();
            assert_eq!(out, want, "width {width}");
            assert!(hybrid(&buf[..buf.len() - 1], width, 28, &mut out).is_err());
        }
    }
}
