//! The values of a model file that are read without `serde_json::Value`: weight matrices into
//! one buffer, labels that may be numbers, and the `format` and `version` scalars whatever
//! their JSON type (see the comment at the top of `read.rs`).

use serde::Deserialize;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

use crate::data::short;

/// A weight matrix read row by row into one buffer, remembering the first row whose length
/// differs from the first's: `[[1, 2], [3, 4]]` costs 8 bytes a number, not a `Vec` a row.
#[derive(Default)]
pub(super) struct Matrix {
    pub(super) values: Vec<f64>,
    pub(super) rows: usize,
    pub(super) cols: usize,
    /// The first ragged row: its index and length.
    pub(super) ragged: Option<(usize, usize)>,
}

impl<'de> Deserialize<'de> for Matrix {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Rows;
        impl<'de> Visitor<'de> for Rows {
            type Value = Matrix;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a matrix: an array of rows of numbers")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Matrix, A::Error> {
                let mut m = Matrix::default();
                loop {
                    let before = m.values.len();
                    if seq.next_element_seed(Row(&mut m.values))?.is_none() {
                        return Ok(m);
                    }
                    let len = m.values.len() - before;
                    if m.rows == 0 {
                        m.cols = len;
                    } else if len != m.cols && m.ragged.is_none() {
                        m.ragged = Some((m.rows, len));
                    }
                    m.rows += 1;
                }
            }
        }
        d.deserialize_seq(Rows)
    }
}

/// One row of a [`Matrix`], appended to its buffer.
struct Row<'a>(&'a mut Vec<f64>);

impl<'de> DeserializeSeed<'de> for Row<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Row<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a row of numbers")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(x) = seq.next_element::<f64>()? {
            self.0.push(x);
        }
        Ok(())
    }
}

/// Class labels may be written as strings or numbers; they are kept as text.
pub(super) struct Label(pub(super) String);

impl<'de> Deserialize<'de> for Label {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Text;
        impl Visitor<'_> for Text {
            type Value = Label;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a class label (a string or a number)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Label, E> {
                Ok(Label(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> std::result::Result<Label, E> {
                Ok(Label(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Label, E> {
                Ok(Label(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Label, E> {
                Ok(Label(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<Label, E> {
                serde_json::Number::from_f64(v)
                    .map(|n| Label(n.to_string()))
                    .ok_or_else(|| E::custom("a class label must be finite"))
            }
        }
        d.deserialize_any(Text)
    }
}

/// A value of the header (`format`, `version`): a string or a number as it is, anything else
/// only by its kind, skipped without being built.
pub(super) enum Scalar {
    Text(String),
    Whole(u64),
    /// Another number, a boolean or null, as JSON text; or "an array", "an object".
    Other(String),
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Text(s) => write!(f, "{:?}", short(s)),
            Scalar::Whole(n) => write!(f, "{n}"),
            Scalar::Other(s) => f.write_str(s),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Any;
        impl<'de> Visitor<'de> for Any {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Text(v.to_owned()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Whole(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Other(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Other(serde_json::Number::from_f64(v).map_or_else(
                    || "a number that is not finite".to_owned(),
                    |n| n.to_string(),
                )))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Other(v.to_string()))
            }
            fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Other("null".to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other("an array".to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other("an object".to_owned()))
            }
        }
        d.deserialize_any(Any)
    }
}
