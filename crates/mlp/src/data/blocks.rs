//! The input cut into blocks of whole records, so that blocks can be parsed apart (on several
//! threads) and still read as the whole text reads: each block ends at a line break outside
//! quotes (a newline inside a quoted field does not end a record), or at the end of the input.
//!
//! The cuts follow the CSV parser's rules for quotes ([`QuoteWatch`]), which look at quotes
//! byte by byte and skip the rest with `memchr`: on text without quotes, finding where to cut
//! costs about as much as finding the last newline. Each block knows the line it starts on,
//! so that every message names the line of the file.

use std::collections::VecDeque;
use std::io::{self, Read};

use super::files::{FILE_SHIFT, same_header};
use super::quotes::QuoteWatch;
use super::{data, decompressed, header_of, sniff, stream_error};
use crate::error::{Location, Result};

/// How many bytes a block takes from the input before it is cut at its last record: small
/// enough that what a block parses into stays in a core's cache, large enough that passing
/// blocks between threads costs nothing next to parsing them.
pub(super) const BLOCK_BYTES: usize = 1 << 19;

/// Whole records of the input.
pub(super) struct Block {
    /// The bytes: whole records, after any bytes the reader has already taken (see `start`).
    pub bytes: Vec<u8>,
    /// Where the records to read begin in `bytes` (after the header, in the first block).
    pub start: usize,
    /// The line of the file that `bytes[start]` is on.
    pub line: u64,
}

impl Block {
    /// The records to read.
    pub fn records(&self) -> &[u8] {
        self.bytes.get(self.start..).unwrap_or_default()
    }
}

/// One file of several read as one table: its name, and its bytes as they are on disk.
pub(super) struct Input<'a> {
    /// The file's name, for messages.
    pub name: String,
    /// Its bytes, plain or gzip-compressed.
    pub reader: Box<dyn Read + Send + 'a>,
}

/// Cuts an input (already decompressed) into [`Block`]s, in order; then the inputs that
/// follow it ([`Blocks::then`]), each one's header checked and left out, as one input.
pub(super) struct Blocks<'a> {
    input: Box<dyn Read + Send + 'a>,
    /// The input's name, for messages.
    name: String,
    /// Whether the input is decompressed gzip (for the message of a broken stream).
    gzip: bool,
    /// The field separator.
    pub delimiter: u8,
    /// The bytes read and not yet handed out in a block: the start of a record.
    carry: Vec<u8>,
    /// Whether `carry` has been followed by `watch` (all but the input's first bytes).
    carry_scanned: bool,
    /// Where the parser is in the text read so far.
    watch: QuoteWatch<()>,
    /// The bytes a block takes before it is cut.
    size: usize,
    /// Whether the input has ended.
    ended: bool,
    /// Emptied blocks' buffers, to be filled again.
    spare: Vec<Vec<u8>>,
    /// The inputs still to read after this one.
    pending: VecDeque<Input<'a>>,
    /// The first input's name and header, which the others must have.
    header: Option<(String, Vec<String>)>,
    /// Which input is being read (0: the first).
    index: u64,
    /// The most bytes to hand out before [`Blocks::next_block`] says the input ended, and
    /// how many it has handed out (see [`Blocks::limit`]).
    limit: Option<(usize, usize)>,
}

impl<'a> Blocks<'a> {
    /// Starts reading `input`: removes a byte-order mark, and takes the separator from
    /// `delimiter` or else from the first line ([`sniff::delimiter`]). `size`: the bytes a block
    /// takes ([`BLOCK_BYTES`] but in tests).
    pub fn open(
        mut input: Box<dyn Read + Send + 'a>,
        name: &str,
        gzip: bool,
        delimiter: Option<u8>,
        size: usize,
    ) -> Result<Self> {
        let size = size.max(1);
        // The first line, whole, for the separator.
        let mut first = Vec::new();
        let mut ended = false;
        while !ended && memchr::memchr(b'\n', &first).is_none() {
            ended = fill(&mut input, &mut first, size).map_err(|e| stream_error(name, e, gzip))?;
        }
        if first.starts_with(&[0xEF, 0xBB, 0xBF]) {
            first.drain(..3);
        }
        let line_end = memchr::memchr(b'\n', &first).map_or(first.len(), |at| at + 1);
        let delimiter =
            delimiter.unwrap_or_else(|| sniff::delimiter(first.get(..line_end).unwrap_or(&first)));
        Ok(Blocks {
            input,
            name: name.to_owned(),
            gzip,
            delimiter,
            carry: first,
            carry_scanned: false,
            watch: QuoteWatch::new((), delimiter),
            size,
            ended,
            spare: Vec::new(),
            pending: VecDeque::new(),
            header: None,
            index: 0,
            limit: None,
        })
    }

    /// Reads `inputs` after this input, as its continuation: each must have `header`, the
    /// header of this input (named `name`), which is left out.
    pub fn then(&mut self, inputs: Vec<Input<'a>>, name: &str, header: &[String]) {
        self.pending = inputs.into();
        self.header = Some((name.to_owned(), header.to_vec()));
    }

    /// Makes [`Blocks::next_block`] end (return `None`, the input kept where it is) once it
    /// has handed out at least `bytes` bytes from now; `None`: no end but the input's.
    pub fn limit(&mut self, bytes: Option<usize>) {
        self.limit = bytes.map(|b| (b, 0));
    }

    /// The bytes handed out since [`Blocks::limit`] set a limit.
    pub fn handed(&self) -> usize {
        self.limit.map_or(0, |(_, handed)| handed)
    }

    /// The first block of the next input, its header checked and skipped; `None` when no
    /// input is left.
    fn next_input(&mut self) -> Result<Option<Block>> {
        let Some(next) = self.pending.pop_front() else {
            return Ok(None);
        };
        let (reader, gzip) = decompressed(&next.name, next.reader)?;
        let mut inner = Blocks::open(reader, &next.name, gzip, Some(self.delimiter), self.size)?;
        let empty = || data(Location::file(&next.name), "is empty");
        let mut first = inner.next_block()?.ok_or_else(empty)?;
        let header = header_of(&next.name, &mut first, self.delimiter)?;
        if let Some((first_name, expected)) = &self.header {
            same_header(&next.name, &header, first_name, expected)?;
        }
        self.index += 1;
        first.line += self.index << FILE_SHIFT;
        self.input = inner.input;
        self.name = inner.name;
        self.gzip = inner.gzip;
        self.carry = inner.carry;
        self.carry_scanned = inner.carry_scanned;
        self.watch = inner.watch;
        self.ended = inner.ended;
        Ok(Some(first))
    }

    /// The next block; `None` at the end of the input. The first block holds at least the
    /// first record that is not an empty line (the header), unless the input ends first.
    pub fn next_block(&mut self) -> Result<Option<Block>> {
        if let Some((limit, handed)) = self.limit {
            if handed >= limit {
                return Ok(None);
            }
            let block = self.next_unlimited()?;
            let len = block.as_ref().map_or(0, |b| b.bytes.len());
            self.limit = Some((limit, handed + len));
            return Ok(block);
        }
        self.next_unlimited()
    }

    /// The next block, whatever the limit.
    fn next_unlimited(&mut self) -> Result<Option<Block>> {
        if self.ended && self.carry.is_empty() {
            return self.next_input();
        }
        let first = !self.carry_scanned;
        let line = (self.index << FILE_SHIFT) + self.watch.line()
            - newlines(&self.carry[..]) * u64::from(!first);
        let mut bytes = self.spare.pop().unwrap_or_default();
        bytes.clear();
        bytes.extend_from_slice(&self.carry);
        let mut scanned = if self.carry_scanned { bytes.len() } else { 0 };
        self.carry.clear();
        self.carry_scanned = true;
        loop {
            if scanned < bytes.len() {
                let from = scanned;
                let cut = self.watch.scan(&bytes[from..]).map(|at| from + at);
                scanned = bytes.len();
                // The first block must hold a whole record that is not an empty line.
                let whole = !first || {
                    let content = bytes.iter().position(|&b| b != b'\n' && b != b'\r');
                    content.is_some_and(|c| cut.is_some_and(|cut| cut > c))
                };
                if let Some(cut) = cut.filter(|_| whole) {
                    self.carry.extend_from_slice(&bytes[cut..]);
                    bytes.truncate(cut);
                    return Ok(Some(Block {
                        bytes,
                        start: 0,
                        line,
                    }));
                }
            }
            if self.ended {
                return Ok(Some(Block {
                    bytes,
                    start: 0,
                    line,
                }));
            }
            let want = self.size.max(bytes.len());
            self.ended = fill(&mut self.input, &mut bytes, want)
                .map_err(|e| stream_error(&self.name, e, self.gzip))?;
        }
    }

    /// Takes back a block's buffer, to be filled again.
    pub fn recycle(&mut self, bytes: Vec<u8>) {
        self.spare.push(bytes);
    }
}

/// How many `\n` are in `bytes`.
pub(super) fn newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// Reads up to `want` more bytes onto the end of `buf`; true when the input has ended.
fn fill(input: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> io::Result<bool> {
    let target = buf.len() + want;
    buf.reserve(want);
    while buf.len() < target {
        let wanted = (target - buf.len()) as u64;
        match Read::take(&mut *input, wanted).read_to_end(buf) {
            Ok(0) => return Ok(true),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}
