//! Where quoted fields open and close, watched as the CSV parser reads: the csv crate takes a
//! quote that is never closed as a field running to the end of the input, silently. The bytes
//! pass through [`QuoteWatch`] on their way to the parser, which follows the parser's own rules
//! for quotes (those of `csv_core` with its defaults: a quote opens a quoted field only at the
//! start of a field, `""` inside one is a quote, a line ends at `\r` or `\n`), so that at the end
//! of the input it can say whether a quoted field is still open, and on which line it opened.
//!
//! Only quotes are looked at byte by byte; the rest is skipped with `memchr`.

use std::io::{self, Read};

/// Where the parser is, as far as quotes go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// At the start of a field (or of a record).
    FieldStart,
    /// Inside a field that is not quoted.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: it closes the field, or with the next quote
    /// writes one.
    QuoteInQuoted,
}

/// A reader that passes its input on unchanged and keeps track of quoted fields.
pub(super) struct QuoteWatch<R> {
    inner: R,
    delimiter: u8,
    state: State,
    /// The line being read (1 for the first), counting `\n` as the parser does.
    line: u64,
    /// The line on which the quoted field being read opened.
    opened: u64,
    /// Whether the input has ended.
    ended: bool,
}

impl<R> QuoteWatch<R> {
    /// Watches `inner`, a CSV text separated by `delimiter`, from its first byte.
    pub(super) fn new(inner: R, delimiter: u8) -> Self {
        QuoteWatch::from_line(inner, delimiter, 1)
    }

    /// Watches `inner`, a part of a CSV text that starts at the start of a record on `line`.
    pub(super) fn from_line(inner: R, delimiter: u8, line: u64) -> Self {
        QuoteWatch {
            inner,
            delimiter,
            state: State::FieldStart,
            line,
            opened: 0,
            ended: false,
        }
    }

    /// The line the bytes watched so far end on.
    pub(super) fn line(&self) -> u64 {
        self.line
    }

    /// Follows the parser through `bytes`, the next bytes of the text; returns where the last
    /// record that ends in them ends: just after the last line break outside quotes (a `\n`; a
    /// `\r` alone ends a record too, but is not looked for).
    pub(super) fn scan(&mut self, bytes: &[u8]) -> Option<usize> {
        self.watch(bytes)
    }

    /// The line on which a quoted field opened that is still open after the bytes read so far;
    /// at the end of the input, a quote that is never closed.
    pub(super) fn open_quote(&self) -> Option<u64> {
        (self.state == State::Quoted).then_some(self.opened)
    }

    /// The line on which a quote opened inside `record` (which began on line `start`) that the
    /// input ended without closing: `record` then ran to the end of the input.
    pub(super) fn open_in(&self, record: &csv::ByteRecord, start: u64) -> Option<u64> {
        let line = self.open_quote().filter(|_| self.ended)?;
        let end = start + memchr::memchr_iter(b'\n', record.as_slice()).count() as u64;
        (start..=end).contains(&line).then_some(line)
    }

    /// Whether `b` ends a field outside quotes.
    fn ends_field(&self, b: u8) -> bool {
        b == self.delimiter || b == b'\n' || b == b'\r'
    }

    /// Follows the parser through `bytes`; returns the end of the last record that ends in them
    /// at a `\n` (see [`QuoteWatch::scan`]).
    fn watch(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut rest = bytes;
        let mut boundary = None;
        // A line break outside quotes in `segment`, which starts `rest` and is not quoted.
        let mut outside = |rest: &[u8], segment: &[u8]| {
            if let Some(at) = memchr::memrchr(b'\n', segment) {
                boundary = Some(bytes.len() - rest.len() + at + 1);
            }
        };
        while !rest.is_empty() {
            match self.state {
                State::Quoted => match memchr::memchr(b'"', rest) {
                    Some(at) => {
                        self.count_lines(&rest[..at]);
                        self.state = State::QuoteInQuoted;
                        rest = &rest[at + 1..];
                    }
                    None => {
                        self.count_lines(rest);
                        break;
                    }
                },
                State::QuoteInQuoted => {
                    // A second quote writes one; anything else closes the field, and what
                    // follows is read as the parser reads an unquoted field.
                    if rest[0] == b'"' {
                        self.state = State::Quoted;
                        rest = &rest[1..];
                    } else {
                        self.state = State::Unquoted;
                    }
                }
                State::FieldStart | State::Unquoted => {
                    let Some(at) = memchr::memchr(b'"', rest) else {
                        self.count_lines(rest);
                        outside(rest, rest);
                        if let Some(&last) = rest.last() {
                            self.state = if self.ends_field(last) {
                                State::FieldStart
                            } else {
                                State::Unquoted
                            };
                        }
                        break;
                    };
                    let before = &rest[..at];
                    self.count_lines(before);
                    outside(rest, before);
                    let field_start = match before.last() {
                        Some(&b) => self.ends_field(b),
                        None => self.state == State::FieldStart,
                    };
                    if field_start {
                        self.state = State::Quoted;
                        self.opened = self.line;
                    } else {
                        // A quote inside an unquoted field is text.
                        self.state = State::Unquoted;
                    }
                    rest = &rest[at + 1..];
                }
            }
        }
        boundary
    }

    fn count_lines(&mut self, bytes: &[u8]) {
        self.line += memchr::memchr_iter(b'\n', bytes).count() as u64;
    }
}

impl<R: Read> Read for QuoteWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.ended |= n == 0 && !buf.is_empty();
        let _ = self.watch(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line of the quote left open at the end of `text`, read in chunks of `chunk` bytes.
    fn open_at_end(text: &str, chunk: usize) -> Option<u64> {
        let mut watch = QuoteWatch::new(text.as_bytes(), b',');
        let mut buf = vec![0; chunk];
        while watch.read(&mut buf).expect("reads") > 0 {}
        watch.open_quote()
    }

    #[test]
    fn finds_the_line_of_a_quote_never_closed_whatever_the_chunks() {
        let cases: [(&str, Option<u64>); 12] = [
            ("a,b\n1,2\n", None),
            ("a,b\n1,\"2\n", Some(2)),
            ("a,b\n\"1\",\"2\"\n", None),
            ("a,b\n\"1\"\"x\",2\n", None),
            ("a,b\n\"1\"\"\n", Some(2)),
            ("a,b\n1,\"x\ny\"\n3,\"4\n5,6\n", Some(4)),
            // A quote inside an unquoted field is text, and so is what follows a closed one.
            ("a,b\n1x\",2\n", None),
            ("a,b\n\"1\"x\",2\n", None),
            ("a,b\r\n1,\"2\r\n3,4\r\n", Some(2)),
            ("\"a,b\n1,2\n", Some(1)),
            ("a,b\n\n\"1,2\n", Some(3)),
            ("", None),
        ];
        for (text, expected) in cases {
            for chunk in [1, 2, 3, 7, 64] {
                assert_eq!(open_at_end(text, chunk), expected, "{text:?} by {chunk}");
            }
        }
    }

    #[test]
    fn agrees_with_the_csv_parser_on_where_fields_end() {
        // The watcher's view of which quotes open a field is the parser's: a text whose quotes
        // are all closed leaves nothing open, and the parser reads the fields it expects.
        let text = "a;b\n\"x;y\";\"he said \"\"hi\"\"\"\nz\"w;\"q\"r\n";
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(b';')
            .from_reader(QuoteWatch::new(text.as_bytes(), b';'));
        let mut fields = Vec::new();
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record).expect("reads") {
            fields.extend(
                record
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned()),
            );
        }
        assert_eq!(fields, ["a", "b", "x;y", "he said \"hi\"", "z\"w", "qr"]);
        assert_eq!(reader.get_ref().open_quote(), None);
    }
}
