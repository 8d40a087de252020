//! ELU and SELU, which the seed does not name: trained, written as version 2 (even for a
//! complete numeric table), read back, refused in a version-1 file, and checked by
//! `mlp gradcheck` against central differences.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::raw::{ok, run};

#[test]
fn elu_and_selu_models_are_version_2_and_check_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for g in ["elu", "selu"] {
        let out = format!("{g}.json");
        let args = [
            "train",
            "--dataset",
            "iris",
            "--activation",
            g,
            "--out",
            &out,
            "-q",
        ];
        ok(d, &args);
        let text = std::fs::read_to_string(d.join(&out)).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["version"], 2, "{g}");
        assert_eq!(v["layers"][0]["activation"], g);
        assert!(v["columns"].is_array());
        ok(d, &["evaluate", "--model", &out, "--dataset", "iris"]);
        // The same file called version 1 is refused.
        let mut v1 = v.clone();
        v1["version"] = 1.into();
        std::fs::write(d.join("v1.json"), v1.to_string()).unwrap();
        let (code, _, err) = run(d, &["evaluate", "--model", "v1.json", "--dataset", "iris"]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("needs format version 2"), "{err}");
        // A random network and data: SELU's derivative jumps at z = 0 (lambda to lambda
        // alpha), so a check on 15,000 z values of a trained network may straddle the kink.
        let (stdout, _) = ok(
            d,
            &[
                "gradcheck",
                "--layers",
                "4,6,5,3",
                "--activation",
                g,
                "--output",
                "softmax",
                "--lambda",
                "0.5",
            ],
        );
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let worst = report["max_relative_error"].as_f64().unwrap();
        assert!(worst < 1e-7, "{g}: {worst}");
    }
}
