//! Numbers written for people: a currency sign, thousands separators, a percent sign
//! ("$7,000", "18%", "1.234,5 €", "(250)"). A column of them is read as numbers, the signs
//! dropped, instead of as thousands of categories.

use serde::{Deserialize, Serialize};

use crate::data::{formatted_number, number};

/// How the text of a numeric column is read (the `format` key of its entry in the model file).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberFormat {
    /// Numbers as a program writes them: `7000`, `-1.5e3` (with the file's decimal separator).
    #[default]
    Plain,
    /// Also numbers as people write them: an optional sign, a currency sign before or after
    /// ($, €, £, ¥), thousands separators between groups of three digits (`,` where the
    /// decimal separator is `.`, `.` where it is `,`; spaces and `'` in both), a trailing `%`,
    /// or an accounting negative in parentheses. The value is the number without the signs:
    /// "18%" is 18, "(1,250)" is -1250.
    Formatted,
}

impl NumberFormat {
    /// Whether this is [`NumberFormat::Plain`] (the model file leaves its key out).
    pub fn is_plain(&self) -> bool {
        *self == NumberFormat::Plain
    }

    /// A trimmed field as a finite number in this format, with `decimal` (`b'.'` or `b','`) as
    /// the decimal separator; `None` when it is not one.
    pub fn parse(self, s: &str, decimal: u8) -> Option<f64> {
        match self {
            NumberFormat::Plain => number(s, decimal),
            NumberFormat::Formatted => formatted_number(s, decimal),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::NumberFormat::{Formatted, Plain};

    #[test]
    fn numbers_as_people_write_them() {
        let cases: [(&str, u8, f64); 14] = [
            ("$7,000", b'.', 7000.0),
            ("18%", b'.', 18.0),
            ("90,000.00", b'.', 90_000.0),
            ("-$1,234.5", b'.', -1234.5),
            ("$-12", b'.', -12.0),
            ("(1,250)", b'.', -1250.0),
            ("1 234 567", b'.', 1_234_567.0),
            ("£ 3.50", b'.', 3.5),
            ("12.5 %", b'.', 12.5),
            ("1.234,5 €", b',', 1234.5),
            ("1.234.567", b',', 1_234_567.0),
            ("3,5%", b',', 3.5),
            ("42", b'.', 42.0),
            ("1e3", b'.', 1000.0),
        ];
        for (s, decimal, x) in cases {
            assert_eq!(Formatted.parse(s, decimal), Some(x), "{s}");
        }
    }

    #[test]
    fn what_is_not_a_formatted_number() {
        for s in [
            "1,23", "12,3456", ",123", "1,,000", "$", "%", "abc", "1,000.", "7,000$%", "1.000,5",
            "1, 000", "--5", "(5", "$$5", "",
        ] {
            assert_eq!(Formatted.parse(s, b'.'), None, "{s}");
        }
        // With a decimal comma, the comma is not a thousands separator.
        assert_eq!(Formatted.parse("1,000.5", b','), None);
        // Plain numbers only in the plain format.
        assert_eq!(Plain.parse("$7,000", b'.'), None);
        assert_eq!(Plain.parse("7000", b'.'), Some(7000.0));
    }
}
