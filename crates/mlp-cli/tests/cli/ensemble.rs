//! `mlp train --ensemble K`: K networks in one model file, whose outputs predict, evaluate and
//! importance average; the commands defined for one network refuse it.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::penguins;
use common::raw::{ok, run};

/// The p_<class> columns of a predictions file, row by row.
fn probabilities(csv: &str) -> Vec<Vec<f64>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at: Vec<usize> = (0..header.len())
        .filter(|&k| header[k].starts_with("p_"))
        .collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            at.iter().map(|&k| cells[k].parse().unwrap()).collect()
        })
        .collect()
}

#[test]
fn an_ensemble_averages_its_members() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("p.csv"), penguins(150, ',')).unwrap();
    let train = [
        "train", "--data", "p.csv", "--target", "species", "--seed", "4", "-q",
    ];
    ok(
        d,
        &[
            &train[..],
            &[
                "--ensemble",
                "3",
                "--validation-fraction",
                "0.2",
                "--out",
                "e.json",
            ],
        ]
        .concat(),
    );
    ok(
        d,
        &[
            &train[..],
            &["--validation-fraction", "0.2", "--out", "s.json"],
        ]
        .concat(),
    );
    let e = mlp::Model::load(&d.join("e.json")).unwrap();
    let s = mlp::Model::load(&d.join("s.json")).unwrap();
    assert_eq!(e.members(), 3);
    // Member 1 is the single network of the same seed; the others differ from it.
    assert_eq!(e.network.params(), s.network.params());
    assert_ne!(e.ensemble[0].params(), e.network.params());
    assert_ne!(e.ensemble[1].params(), e.ensemble[0].params());
    // The file reads back bit for bit.
    let text = std::fs::read_to_string(d.join("e.json")).unwrap();
    assert_eq!(e.to_json().unwrap(), text);
    assert!(
        text.contains("\"ensemble\":3"),
        "the training record says so"
    );
    // Each member alone, through `mlp predict`; their mean is the ensemble's prediction.
    let mut sum: Option<Vec<Vec<f64>>> = None;
    let nets = std::iter::once(e.network.clone()).chain(e.ensemble.iter().cloned());
    for (k, net) in nets.enumerate() {
        let mut one = e.clone();
        one.network = net;
        one.ensemble.clear();
        one.save(&d.join(format!("m{k}.json"))).unwrap();
        let (out, _) = ok(
            d,
            &[
                "predict",
                "--model",
                &format!("m{k}.json"),
                "--data",
                "p.csv",
            ],
        );
        let p = probabilities(&out);
        sum = Some(match sum {
            None => p,
            Some(acc) => acc
                .iter()
                .zip(&p)
                .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x + y).collect())
                .collect(),
        });
    }
    let (out, _) = ok(d, &["predict", "--model", "e.json", "--data", "p.csv"]);
    let got = probabilities(&out);
    let want = sum.unwrap();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        for (a, b) in g.iter().zip(w) {
            assert!((a - b / 3.0).abs() < 1e-12, "{a} vs {}", b / 3.0);
        }
    }
    // A member whose layers differ, or an ensemble in a version-1 file, is refused.
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["ensemble"][1]["layers"].as_array_mut().unwrap().pop();
    let err = mlp::Model::from_json_bytes("x", v.to_string().as_bytes()).unwrap_err();
    assert!(err.to_string().contains("ensemble member 3"), "{err}");
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["version"] = 1.into();
    let err = mlp::Model::from_json_bytes("x", v.to_string().as_bytes()).unwrap_err();
    assert!(err.to_string().contains("version 2"), "{err}");
    ok(d, &["evaluate", "--model", "e.json", "--data", "p.csv"]);
    let (shown, _) = ok(d, &["show", "e.json"]);
    assert!(shown.contains("ensemble: 3 networks"), "{shown}");
    ok(d, &["importance", "--model", "e.json", "--data", "p.csv"]);
    // One network only: the seed's cost, explain, a warm start.
    for args in [
        &[
            "cost", "--model", "e.json", "--data", "p.csv", "--target", "species",
        ][..],
        &[
            "explain", "--model", "e.json", "--data", "p.csv", "--target", "species",
        ][..],
        &[&train[..], &["--init-model", "e.json", "--out", "w.json"]].concat()[..],
    ] {
        let (code, _, err) = run(d, args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("an ensemble of 3 networks"), "{err}");
    }
    assert!(!d.join("w.json").exists());
    let (code, _, err) = run(
        d,
        &[&train[..], &["--ensemble", "0", "--out", "z.json"]].concat(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("ensemble"), "{err}");
}
