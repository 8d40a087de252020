//! The library's one error type.
//!
//! Every fallible function returns [`Result`]. Messages are written for the person who supplied the
//! input: they name the file, line and column where there is one, and the allowed range where a
//! setting is out of range, so a program can print them as they are.

use std::fmt;

/// Shorthand for `Result<T, mlp::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in an input something went wrong: a file (or stream) name, and where known a line
/// (1-based, as editors count) and a column name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// File name as the user gave it (`-` or `<stdin>` for standard input).
    pub file: String,
    /// 1-based line number in the file, where known.
    pub line: Option<u64>,
    /// Column (CSV header name) or key (JSON path), where known.
    pub column: Option<String>,
}

impl Location {
    /// A location naming only a file.
    pub fn file(file: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            line: None,
            column: None,
        }
    }

    /// The same location at a given line. The line of a table read from several files names
    /// its file too (see [`crate::data::Source::Files`]): such a location becomes that file's
    /// name and its own line.
    pub fn at_line(mut self, line: u64) -> Self {
        let (file, local) = crate::data::file_line(&self.file, line);
        if let Some(file) = file {
            self.file = file.to_owned();
        }
        self.line = Some(local);
        self
    }

    /// The same location at a given column.
    pub fn at_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::data::shown_name(&self.file))?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(column) = &self.column {
            let sep = if self.line.is_some() { "," } else { "" };
            write!(f, "{sep} column \"{column}\"")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in `mlp`.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A data file could not be read as the data conventions require (bad number, ragged row,
    /// unknown column, ...).
    #[error("{at}: {message}")]
    Data {
        /// Where the problem is.
        at: Location,
        /// What is wrong, in a few words.
        message: String,
    },
    /// A model (or gradient) file is not a valid file of the format it claims.
    #[error("{at}: {message}")]
    Model {
        /// Where the problem is.
        at: Location,
        /// What is wrong, in a few words.
        message: String,
    },
    /// A setting is outside its allowed range; `field` names the setting.
    #[error("{field}: {message}")]
    InvalidConfig {
        /// The setting's name, as the caller spelled it (`learning_rate`, `hidden`, ...).
        field: String,
        /// What is allowed.
        message: String,
    },
    /// Arrays handed to a function do not have the shapes the network needs.
    #[error("{context}: expected {expected}, got {found}")]
    Shape {
        /// What was being checked.
        context: String,
        /// The shape required.
        expected: String,
        /// The shape given.
        found: String,
    },
    /// The cost became NaN or infinite during training, or grew past
    /// [`DIVERGENCE_FACTOR`](crate::train::DIVERGENCE_FACTOR) times its first epoch's.
    #[error(
        "training diverged at epoch {epoch}: the cost became {cost:.3e}; lower the learning rate \
         or standardize the inputs"
    )]
    Diverged {
        /// 1-based epoch at which the cost stopped being finite.
        epoch: usize,
        /// The non-finite cost.
        cost: f64,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {error}")]
    Io {
        /// The file involved.
        path: String,
        /// The operating system's error (part of the message, so not repeated as a source).
        error: std::io::Error,
    },
}

impl Error {
    /// An [`Error::InvalidConfig`] for `field`.
    pub fn config(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidConfig {
            field: field.into(),
            message: message.into(),
        }
    }

    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            error: source,
        }
    }

    /// An [`Error::Shape`].
    pub fn shape(
        context: impl Into<String>,
        expected: impl fmt::Display,
        found: impl fmt::Display,
    ) -> Self {
        Error::Shape {
            context: context.into(),
            expected: expected.to_string(),
            found: found.to_string(),
        }
    }
}
