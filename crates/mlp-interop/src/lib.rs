//! Checks that models exported by `mlp export` run in other runtimes and give what `mlp predict`
//! gives: the tests in `tests/` load every exported ONNX graph with tract. Not part of the
//! default build (tract is large): `cargo test --release -p mlp-interop`.
