//! A small builder of ONNX graphs over the generated protobuf types: nodes with one output,
//! constants, inputs and outputs, every name made unique.

use super::Precision;
use super::onnx_proto::{
    AttributeProto, GraphProto, NodeProto, TensorProto, TensorShapeProto, TypeProto,
    ValueInfoProto,
    attribute_proto::AttributeType,
    tensor_proto::DataType,
    tensor_shape_proto::{Dimension, dimension},
    type_proto,
};

/// The name of the batch dimension of every input and output.
pub const ROWS: &str = "N";

/// A graph under construction. Values are named by strings, as in ONNX.
pub struct Graph {
    /// The element type of the graph's numbers.
    pub precision: Precision,
    nodes: Vec<NodeProto>,
    constants: Vec<TensorProto>,
    inputs: Vec<ValueInfoProto>,
    outputs: Vec<ValueInfoProto>,
    count: usize,
}

/// An attribute of a node.
pub enum Attr<'a> {
    /// An integer.
    Int(&'a str, i64),
    /// A list of integers.
    Ints(&'a str, Vec<i64>),
    /// A list of strings.
    Strings(&'a str, Vec<String>),
}

impl Graph {
    /// An empty graph whose numbers have the given precision.
    pub fn new(precision: Precision) -> Graph {
        Graph {
            precision,
            nodes: Vec::new(),
            constants: Vec::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            count: 0,
        }
    }

    /// The ONNX element type of the graph's numbers.
    pub fn float_type(&self) -> DataType {
        match self.precision {
            Precision::F32 => DataType::Float,
            Precision::F64 => DataType::Double,
        }
    }

    /// A fresh internal name. Internal names start with "/", which keeps them apart from the
    /// inputs (named by data columns) and the outputs.
    fn fresh(&mut self, hint: &str) -> String {
        self.count += 1;
        format!("/{hint}_{}", self.count)
    }

    /// Declares an input of shape [N, `columns`] and element type `elem`.
    pub fn input(&mut self, name: &str, elem: DataType, columns: usize) -> String {
        self.inputs.push(value_info(name, elem, columns));
        name.to_string()
    }

    /// Declares `value` an output named `name`, of shape [N, `columns`] (or [N] for `None`).
    pub fn output(&mut self, value: &str, name: &str, elem: DataType, columns: Option<usize>) {
        self.op_named("Identity", &[value], &[], name);
        let mut info = value_info(name, elem, columns.unwrap_or(0));
        if columns.is_none()
            && let Some(type_proto::Value::TensorType(t)) =
                info.r#type.as_mut().and_then(|t| t.value.as_mut())
            && let Some(shape) = t.shape.as_mut()
        {
            shape.dim.truncate(1);
        }
        self.outputs.push(info);
    }

    /// A node of operator `op` with one output, whose name it returns.
    pub fn op(&mut self, op: &str, inputs: &[&str], attrs: &[Attr<'_>]) -> String {
        let out = self.fresh(op);
        self.op_named(op, inputs, attrs, &out);
        out
    }

    /// A node of the `ai.onnx.ml` domain with one output.
    pub fn ml_op(&mut self, op: &str, inputs: &[&str], attrs: &[Attr<'_>]) -> String {
        let out = self.op(op, inputs, attrs);
        if let Some(node) = self.nodes.last_mut() {
            node.domain = Some("ai.onnx.ml".into());
        }
        out
    }

    fn op_named(&mut self, op: &str, inputs: &[&str], attrs: &[Attr<'_>], out: &str) {
        let node = NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![out.to_string()],
            name: Some(format!("{out}_node")),
            op_type: Some(op.into()),
            attribute: attrs.iter().map(attribute).collect(),
            ..NodeProto::default()
        };
        self.nodes.push(node);
    }

    /// A constant of the graph's float type and shape `dims`.
    pub fn floats(&mut self, values: &[f64], dims: &[usize]) -> String {
        let name = self.fresh("c");
        let mut t = tensor(&name, self.float_type(), dims);
        match self.precision {
            // Rounding to the nearest float32 is the point of the float32 graph.
            Precision::F32 => t.float_data = values.iter().map(|&v| v as f32).collect(),
            Precision::F64 => t.double_data = values.to_vec(),
        }
        self.constants.push(t);
        name
    }

    /// A float constant of one value, which broadcasts against any shape.
    pub fn scalar(&mut self, v: f64) -> String {
        self.floats(&[v], &[])
    }

    /// A constant of 64-bit integers and shape `dims`.
    pub fn ints(&mut self, values: &[i64], dims: &[usize]) -> String {
        let name = self.fresh("c");
        let mut t = tensor(&name, DataType::Int64, dims);
        t.int64_data = values.to_vec();
        self.constants.push(t);
        name
    }

    /// A constant of strings, of one dimension.
    pub fn strings(&mut self, values: &[String]) -> String {
        let name = self.fresh("c");
        let mut t = tensor(&name, DataType::String, &[values.len()]);
        t.string_data = values.iter().map(|s| s.as_bytes().to_vec()).collect();
        self.constants.push(t);
        name
    }

    /// `a <op> b` for a binary elementwise operator (broadcasting as numpy does).
    pub fn bin(&mut self, op: &str, a: &str, b: &str) -> String {
        self.op(op, &[a, b], &[])
    }

    /// `a <op> v` with a scalar constant `v`.
    pub fn bin_scalar(&mut self, op: &str, a: &str, v: f64) -> String {
        let c = self.scalar(v);
        self.bin(op, a, &c)
    }

    /// `floor(a / v)`.
    pub fn floor_div(&mut self, a: &str, v: f64) -> String {
        let q = self.bin_scalar("Div", a, v);
        self.op("Floor", &[&q], &[])
    }

    /// Whether each value is NaN: `IsNaN`, or for float64 `Not(Equal(x, x))` (tract has no
    /// float64 `IsNaN`).
    pub fn is_nan(&mut self, x: &str) -> String {
        match self.precision {
            Precision::F32 => self.op("IsNaN", &[x], &[]),
            Precision::F64 => {
                let same = self.bin("Equal", x, x);
                self.op("Not", &[&same], &[])
            }
        }
    }

    /// A boolean cast to the graph's float type (1 or 0).
    pub fn cast_float(&mut self, a: &str) -> String {
        let to = self.float_type() as i64;
        self.op("Cast", &[a], &[Attr::Int("to", to)])
    }

    /// The columns `index` of the matrix `a` (shape [N, index.len()]).
    pub fn columns(&mut self, a: &str, index: &[usize]) -> String {
        let idx: Vec<i64> = index.iter().map(|&i| i as i64).collect();
        let idx = self.ints(&idx, &[index.len()]);
        self.op("Gather", &[a, &idx], &[Attr::Int("axis", 1)])
    }

    /// The finished graph.
    pub fn finish(self, name: &str) -> GraphProto {
        GraphProto {
            node: self.nodes,
            name: Some(name.into()),
            initializer: self.constants,
            input: self.inputs,
            output: self.outputs,
            ..GraphProto::default()
        }
    }
}

fn tensor(name: &str, elem: DataType, dims: &[usize]) -> TensorProto {
    TensorProto {
        dims: dims.iter().map(|&d| d as i64).collect(),
        data_type: Some(elem as i32),
        name: Some(name.into()),
        ..TensorProto::default()
    }
}

/// The type of a value of shape [N, columns].
fn value_info(name: &str, elem: DataType, columns: usize) -> ValueInfoProto {
    let dim = |value| Dimension {
        value: Some(value),
        ..Dimension::default()
    };
    let dims = vec![
        dim(dimension::Value::DimParam(ROWS.into())),
        dim(dimension::Value::DimValue(columns as i64)),
    ];
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(elem as i32),
                shape: Some(TensorShapeProto { dim: dims }),
            })),
            ..TypeProto::default()
        }),
        ..ValueInfoProto::default()
    }
}

fn attribute(a: &Attr<'_>) -> AttributeProto {
    let mut p = AttributeProto::default();
    match a {
        Attr::Int(name, v) => {
            p.name = Some((*name).into());
            p.r#type = Some(AttributeType::Int as i32);
            p.i = Some(*v);
        }
        Attr::Ints(name, v) => {
            p.name = Some((*name).into());
            p.r#type = Some(AttributeType::Ints as i32);
            p.ints = v.clone();
        }
        Attr::Strings(name, v) => {
            p.name = Some((*name).into());
            p.r#type = Some(AttributeType::Strings as i32);
            p.strings = v.iter().map(|s| s.as_bytes().to_vec()).collect();
        }
    }
    p
}
