//! Reading a model file: the private structs that mirror the format, and every check a file
//! must pass before it becomes a [`Model`].

use super::values::{Label, Matrix, Scalar};
use super::{
    FORMAT_VERSION, MODEL_FORMAT, Model, SCHEMA_VERSION, Scaling, Training, TrainingRecord,
};
use crate::activation::Activation;
use crate::data::short;
use crate::error::{Error, Location, Result};
use crate::loss::Loss;
use crate::network::Network;
use crate::schema::{DateOrder, Encoding, InputColumn, NumberFormat, Schema};
use serde::Deserialize;

// Every struct here reads its numbers and strings into their final types as the parser meets
// them: nothing goes through `serde_json::Value` or serde's buffered untagged or flattened
// enums, which cost 30 to 60 bytes for each number of the file (a 14 MB `training` array took
// 480 MB). See `docs/reliability.md`.

#[derive(Deserialize)]
struct Header {
    format: Option<Scalar>,
    version: Option<Scalar>,
}

#[derive(Deserialize)]
struct FileV1 {
    loss: String,
    layers: Vec<LayerV1>,
    #[serde(default)]
    features: Option<Vec<String>>,
    #[serde(default)]
    targets: Option<Vec<String>>,
    #[serde(default)]
    classes: Option<Vec<Label>>,
    #[serde(default)]
    input_scaling: Option<Scaling>,
    #[serde(default)]
    target_scaling: Option<Scaling>,
    /// Kept as text until it is known to be small enough to become a JSON value.
    #[serde(default)]
    training: Option<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    columns: Option<Vec<ColumnV2>>,
    #[serde(default)]
    na_values: Option<Vec<String>>,
    #[serde(default)]
    decimal: Option<String>,
    #[serde(default)]
    ensemble: Option<Vec<MemberV2>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberV2 {
    layers: Vec<LayerV1>,
}

#[derive(Deserialize)]
struct LayerV1 {
    activation: String,
    weights: Matrix,
    bias: Vec<f64>,
}

/// An entry of `columns`: the keys of every encoding, checked against its `type` afterwards
/// ([`ColumnV2::into_column`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnV2 {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    fill: Option<Fill>,
    indicator: Option<bool>,
    bins: Option<Vec<f64>>,
    levels: Option<Vec<String>>,
    other: Option<bool>,
    missing: Option<bool>,
    format: Option<String>,
}

/// The `fill` of a column: one number (numeric) or five (date).
#[derive(Deserialize)]
#[serde(untagged)]
enum Fill {
    One(f64),
    Five([f64; 5]),
}

/// A closed set's member by its name in the file (its serde name), or what the names are.
fn named<E: serde::de::DeserializeOwned>(
    name: &str,
    expected: &str,
) -> std::result::Result<E, String> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map_err(|_| format!("unknown format {:?}, expected {expected}", short(name)))
}

/// A message about the column `name`.
fn in_column(name: &str, message: String) -> String {
    format!("column \"{}\": {message}", short(name))
}

impl ColumnV2 {
    fn into_column(self) -> std::result::Result<InputColumn, String> {
        let name = self.name;
        let fail = |message: String| Err(format!("column \"{}\": {message}", short(&name)));
        let allowed: &[&str] = match self.kind.as_str() {
            "numeric" | "date" => &["fill", "indicator", "bins", "format"],
            "categorical" => &["levels", "other", "missing"],
            other => {
                return fail(format!(
                    "unknown type {:?}, expected numeric, categorical or date",
                    short(other)
                ));
            }
        };
        let given = [
            ("fill", self.fill.is_some()),
            ("indicator", self.indicator.is_some()),
            ("bins", self.bins.is_some()),
            ("levels", self.levels.is_some()),
            ("other", self.other.is_some()),
            ("missing", self.missing.is_some()),
            ("format", self.format.is_some()),
        ];
        if let Some((key, _)) = given.iter().find(|(k, g)| *g && !allowed.contains(k)) {
            return fail(format!("a {} column has no key `{key}`", self.kind));
        }
        let missing_key = |key: &str| format!("missing field `{key}` of a {} column", self.kind);
        let encoding = match (self.kind.as_str(), self.fill) {
            ("numeric", Some(Fill::One(fill))) => Encoding::Numeric {
                fill,
                indicator: self.indicator.ok_or_else(|| missing_key("indicator"))?,
                bins: self.bins.unwrap_or_default(),
                format: match self.format.as_deref() {
                    None => NumberFormat::Plain,
                    Some(f) => named(f, "plain or formatted").map_err(|m| in_column(&name, m))?,
                },
            },
            ("date", Some(Fill::Five(fill))) => Encoding::Date {
                fill,
                indicator: self.indicator.ok_or_else(|| missing_key("indicator"))?,
                bins: self.bins.unwrap_or_default(),
                format: match self.format.as_deref() {
                    None => DateOrder::Iso,
                    Some(f) => named(f, "iso, mdy, dmy or ymd").map_err(|m| in_column(&name, m))?,
                },
            },
            ("numeric", Some(Fill::Five(_))) => return fail("fill must be one number".into()),
            ("date", Some(Fill::One(_))) => return fail("fill must be five numbers".into()),
            ("numeric" | "date", None) => return fail(missing_key("fill")),
            _ => Encoding::Categorical {
                levels: self.levels.ok_or_else(|| missing_key("levels"))?,
                other: self.other.ok_or_else(|| missing_key("other"))?,
                missing: self.missing.ok_or_else(|| missing_key("missing"))?,
            },
        };
        Ok(InputColumn { name, encoding })
    }
}

impl Model {
    /// Parses and validates a model from the bytes of a file called `name` (used in messages).
    pub fn from_json_bytes(name: &str, bytes: &[u8]) -> Result<Self> {
        let bad = |message: String| Error::Model {
            at: Location::file(name),
            message,
        };
        check_object(bytes).map_err(bad)?;
        crate::data::check_memory(crate::data::json_parse_needs(bytes), |m| {
            bad(format!("the model {m}"))
        })?;
        let header: Header = serde_json::from_slice(bytes).map_err(|e| bad(json_message(&e)))?;
        let version = check_header(header, MODEL_FORMAT, SCHEMA_VERSION).map_err(bad)?;
        let file: FileV1 = serde_json::from_slice(bytes).map_err(|e| bad(json_message(&e)))?;
        Model::from_file(file, version).map_err(bad)
    }

    fn from_file(mut file: FileV1, version: u64) -> std::result::Result<Self, String> {
        let schema = read_schema(&mut file, version)?;
        let loss: Loss = file.loss.parse()?;
        if file.layers.is_empty() {
            return Err("the model has no layers".into());
        }
        let network = network_of(&file.layers, loss)?;
        if version < SCHEMA_VERSION
            && let Some(g) = network.activations().iter().find(|g| !g.in_version_1())
        {
            return Err(format!("activation {g} needs format version 2"));
        }
        let mut ensemble = Vec::new();
        if let Some(members) = &file.ensemble {
            if version < SCHEMA_VERSION {
                return Err("\"ensemble\" needs format version 2".into());
            }
            for (k, m) in members.iter().enumerate() {
                let member = network_of(&m.layers, loss)
                    .map_err(|e| format!("ensemble member {}: {e}", k + 2))?;
                if member.sizes() != network.sizes()
                    || member.activations() != network.activations()
                {
                    return Err(format!(
                        "ensemble member {}: its layers differ from the model's",
                        k + 2
                    ));
                }
                ensemble.push(member);
            }
        }
        let (n_in, n_out) = (network.n_inputs(), network.n_outputs());
        let classes = file
            .classes
            .map(|c| c.into_iter().map(|l| l.0).collect::<Vec<_>>());
        match &schema {
            None => check_len("features", file.features.as_ref().map(Vec::len), n_in)?,
            Some(schema) => {
                check_len("the columns' inputs", Some(schema.width()), n_in)?;
                if file.features.as_ref().is_some_and(|f| *f != schema.names()) {
                    return Err("features must name the columns, in their order".into());
                }
            }
        }
        if let Some(c) = &classes {
            let binary_sigmoid = n_out == 1 && c.len() == 2;
            if c.len() != n_out && !binary_sigmoid {
                return Err(format!(
                    "classes has {} labels for {n_out} outputs",
                    c.len()
                ));
            }
            let mut seen = std::collections::HashSet::new();
            if let Some(d) = c.iter().find(|l| !seen.insert(l.as_str())) {
                return Err(format!("class \"{d}\" appears twice in classes"));
            }
        }
        check_scaling("input_scaling", file.input_scaling.as_ref(), n_in)?;
        check_scaling("target_scaling", file.target_scaling.as_ref(), n_out)?;
        Ok(Model {
            network,
            features: schema.as_ref().map(Schema::names).or(file.features),
            targets: file.targets,
            classes,
            input_scaling: file.input_scaling,
            target_scaling: file.target_scaling,
            training: file.training.as_deref().map(training_of).transpose()?,
            schema,
            ensemble,
        })
    }
}

/// The `training` value: the record `mlp train` writes, or any other JSON value.
fn training_of(raw: &serde_json::value::RawValue) -> std::result::Result<Training, String> {
    if let Ok(record) = serde_json::from_str::<TrainingRecord>(raw.get()) {
        return Ok(Training::Record(Box::new(record)));
    }
    serde_json::from_str(raw.get())
        .map(Training::Other)
        .map_err(|e| format!("training: {e}"))
}

/// The network of a file's `layers`, checked: shapes that chain, known activations, finite
/// numbers.
fn network_of(layers: &[LayerV1], loss: Loss) -> std::result::Result<Network<f64>, String> {
    if layers.is_empty() {
        return Err("the model has no layers".into());
    }
    let mut sizes = Vec::with_capacity(layers.len() + 1);
    let mut activations = Vec::with_capacity(layers.len());
    for (k, layer) in layers.iter().enumerate() {
        let n = k + 1;
        let g: Activation = layer
            .activation
            .parse()
            .map_err(|e| format!("layer {n}: {e}"))?;
        activations.push(g);
        let (rows, cols) = (layer.weights.rows, layer.weights.cols);
        if rows == 0 || cols == 0 {
            return Err(format!("layer {n}: the weight matrix is empty"));
        }
        if let Some((r, len)) = layer.weights.ragged {
            return Err(format!(
                "layer {n}: weights row {} has {len} numbers, row 1 has {cols} (ragged rows)",
                r + 1
            ));
        }
        if layer.bias.len() != rows {
            return Err(format!(
                "layer {n}: bias has {} numbers, weights have {rows} rows",
                layer.bias.len()
            ));
        }
        match sizes.last() {
            None => sizes.push(cols),
            Some(&below) if below != cols => {
                return Err(format!(
                    "layer {n}: weights rows have {cols} numbers, but the layer below has {below} units"
                ));
            }
            Some(_) => {}
        }
        sizes.push(rows);
    }
    let mut network = Network::new(&sizes, &activations, loss).map_err(|e| e.to_string())?;
    let params = network.params_mut();
    for (k, layer) in layers.iter().enumerate() {
        let (mut w, mut b) = params.layer_mut(k);
        for (dst, src) in w
            .rows_mut()
            .into_iter()
            .zip(layer.weights.values.chunks(layer.weights.cols))
        {
            dst.into_iter().zip(src).for_each(|(d, &s)| *d = s);
        }
        b.iter_mut().zip(&layer.bias).for_each(|(d, &s)| *d = s);
    }
    if !network.params().all_finite() {
        return Err("the weights hold a number that is not finite".into());
    }
    Ok(network)
}

/// A model file is one JSON object; anything else is refused before parsing.
fn check_object(bytes: &[u8]) -> std::result::Result<(), String> {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Err("the file is truncated (it is empty)".into()),
        Some(b'{') => Ok(()),
        Some(_) => Err("not valid JSON for a model: the file must hold one JSON object".into()),
    }
}

/// Checks the format name and returns the version, which must be at least 1 and at most
/// `newest`.
fn check_header(header: Header, expected: &str, newest: u64) -> std::result::Result<u64, String> {
    match header.format {
        None => return Err(format!("not an {expected} file: no \"format\" key")),
        Some(Scalar::Text(f)) if f == expected => {}
        Some(other) => return Err(format!("not an {expected} file: format is {other}")),
    }
    match header.version {
        None => Err("no \"version\" key".into()),
        Some(v) => match v {
            Scalar::Whole(n) if (FORMAT_VERSION..=newest).contains(&n) => Ok(n),
            Scalar::Whole(n) if n > newest => Err(format!(
                "format version {n} is newer than this mlp reads (version {newest}); upgrade mlp"
            )),
            _ => Err(format!(
                "version {v} is not a valid format version (expected {FORMAT_VERSION} to {newest})"
            )),
        },
    }
}

/// The input schema of a version-2 file (which must have one); `None` for version 1.
fn read_schema(file: &mut FileV1, version: u64) -> std::result::Result<Option<Schema>, String> {
    if version < SCHEMA_VERSION {
        return Ok(None);
    }
    let Some(columns) = file.columns.take().filter(|c| !c.is_empty()) else {
        return Err(format!("a version-{version} model needs \"columns\""));
    };
    let columns = columns
        .into_iter()
        .map(ColumnV2::into_column)
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let mut seen = std::collections::HashSet::new();
    for c in &columns {
        if !seen.insert(c.name.as_str()) {
            return Err(format!("column \"{}\" appears twice in columns", c.name));
        }
        let finite = match &c.encoding {
            Encoding::Numeric { fill, .. } => fill.is_finite(),
            Encoding::Date { fill, .. } => fill.iter().all(|v| v.is_finite()),
            Encoding::Categorical { .. } => true,
        };
        if !finite {
            return Err(format!("column \"{}\": fill values must be finite", c.name));
        }
        let bins = c.encoding.bins();
        let increasing = bins.windows(2).all(|w| w[0] < w[1]);
        if !(bins.is_empty() || bins.len() >= 3 && increasing && bins.iter().all(|b| b.is_finite()))
        {
            return Err(format!(
                "column \"{}\": bins must be at least 3 finite, increasing edges",
                c.name
            ));
        }
    }
    let decimal = match file.decimal.as_deref() {
        None | Some(".") => b'.',
        Some(",") => b',',
        Some(other) => return Err(format!("decimal must be \".\" or \",\", got {other:?}")),
    };
    let mut na_values = file.na_values.clone().unwrap_or_default();
    if !na_values.iter().any(String::is_empty) {
        na_values.insert(0, String::new());
    }
    Ok(Some(Schema {
        columns,
        na_values,
        decimal,
    }))
}

fn check_len(key: &str, len: Option<usize>, expected: usize) -> std::result::Result<(), String> {
    match len {
        Some(n) if n != expected => Err(format!(
            "{key} has {n} entries, the network needs {expected}"
        )),
        _ => Ok(()),
    }
}

fn check_scaling(key: &str, s: Option<&Scaling>, n: usize) -> std::result::Result<(), String> {
    let Some(s) = s else { return Ok(()) };
    check_len(&format!("{key}.mean"), Some(s.mean.len()), n)?;
    check_len(&format!("{key}.std"), Some(s.std.len()), n)?;
    if s.mean.iter().any(|v| !v.is_finite()) || s.std.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(format!(
            "{key}: means must be finite and standard deviations positive"
        ));
    }
    Ok(())
}

fn json_message(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => format!("the file is truncated ({e})"),
        Category::Syntax => format!("not valid JSON ({e})"),
        Category::Data | Category::Io => e.to_string(),
    }
}
