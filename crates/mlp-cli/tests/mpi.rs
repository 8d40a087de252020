//! `mpirun -np N mlp train` (cargo feature `mpi`, OpenMPI's mpirun on the PATH): runs on 1, 2
//! and 4 processes write the model bytes of the plain run, for gd on workload W2 (the J that
//! numpy, scikit-learn and PyTorch reach), sgd with momentum and adam; a SIGINT to one process
//! stops every process after the same step, with a checkpoint that continues to the same
//! bytes (on as many processes, or on one); a process killed outright ends the run with an
//! error and no model, never a hang.
#![cfg(all(feature = "mpi", unix))]
#![allow(clippy::unwrap_used)]

#[path = "../../mlp/tests/common/workloads.rs"]
#[allow(dead_code)]
mod workloads;

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const MLP: &str = env!("CARGO_BIN_EXE_mlp");

/// `mpirun -np n mlp ARGS` in `dir` (more processes than cores allowed; as root too).
fn mpirun(dir: &Path, n: usize, args: &str) -> Command {
    let mut c = Command::new("mpirun");
    c.current_dir(dir)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .args(["-np", &n.to_string(), "--oversubscribe", MLP])
        .args(args.split_whitespace());
    c
}

/// Waits for `child` at most `limit`; kills it (the mpirun this test started) and fails past it.
fn wait(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
        }
        assert!(
            start.elapsed() <= limit,
            "mpirun still running after {limit:?}: a hang"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn run(c: &mut Command) -> Output {
    let child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait(child, Duration::from_secs(240))
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// W2's data as CSV and its initial weights as a model file, in `dir`.
fn w2_files(dir: &Path) {
    let (x, y, net) = workloads::w2();
    let mut csv = String::new();
    for j in 0..x.ncols() {
        let _ = write!(csv, "x{j},");
    }
    csv.push_str("label\n");
    for (row, t) in x.rows().into_iter().zip(y.rows()) {
        for v in row {
            let _ = write!(csv, "{v},");
        }
        let label = t.iter().position(|&v| v == 1.0).unwrap();
        let _ = writeln!(csv, "{label}");
    }
    std::fs::write(dir.join("w2.csv"), csv).unwrap();
    let model = mlp::Model::new(net).to_json().unwrap();
    std::fs::write(dir.join("w2-init.json"), model).unwrap();
}

/// The model of `args` trained by the plain program and by mpirun on 1, 2 and 4 processes
/// (one thread each): the same bytes.
fn same_model_on_1_2_and_4_processes(dir: &Path, args: &str) -> Vec<u8> {
    let args = format!("{args} --threads 1 --quiet");
    let mut plain = Command::new(MLP);
    plain.current_dir(dir).args(args.split_whitespace());
    ok(run(plain.args(["--out", "plain.json"])));
    let plain = std::fs::read(dir.join("plain.json")).unwrap();
    for n in [1, 2, 4] {
        let out = format!("np{n}.json");
        ok(run(&mut mpirun(dir, n, &format!("{args} --out {out}"))));
        let got = std::fs::read(dir.join(&out)).unwrap();
        assert!(got == plain, "{args}: the model of {n} processes differs");
    }
    plain
}

#[test]
fn w2_gradient_descent_writes_the_same_bytes_on_1_2_and_4_processes() {
    let dir = tempfile::tempdir().unwrap();
    w2_files(dir.path());
    same_model_on_1_2_and_4_processes(
        dir.path(),
        "train --data w2.csv --target label --task classification --init-model w2-init.json \
         --solver gd --learning-rate 1 --lambda 1 --epochs 200 --validation-fraction 0 \
         --no-standardize",
    );
    let cost = Command::new(MLP)
        .current_dir(dir.path())
        .args("cost --model np4.json --data w2.csv --target label --lambda 1".split(' '))
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&ok(cost).stdout).unwrap();
    let cost = report["cost"].as_f64().unwrap();
    assert!((cost - 3.16429447983188).abs() < 1e-12, "J = {cost}");
}

#[test]
fn sgd_with_momentum_and_adam_write_the_same_bytes_on_1_2_and_4_processes() {
    let dir = tempfile::tempdir().unwrap();
    w2_files(dir.path());
    let common = "train --data w2.csv --target label --task classification \
                  --init-model w2-init.json --lambda 1 --epochs 3 --seed 4";
    // 4,500 training rows: batches of 1000 rows are cut in 4 groups of rows (the last batch,
    // of 500 rows, in fewer); 150 rows make one group, which one process computes while the
    // others pass the sums on.
    same_model_on_1_2_and_4_processes(
        dir.path(),
        &format!("{common} --solver sgd --momentum 0.9 --learning-rate 0.5 --batch-size 1000"),
    );
    same_model_on_1_2_and_4_processes(
        dir.path(),
        &format!("{common} --solver adam --learning-rate 0.01 --batch-size 150"),
    );
}

/// A long sgd run on the digits, 2 processes, checkpoints every 2 epochs into ck.json.
const LONG: &str = "train --dataset digits --seed 5 --epochs 300 --batch-size 32 --solver sgd \
                    --nesterov --threads 1 --early-stopping off --quiet --checkpoint ck.json";

/// The processes mpirun started (its children), with their MPI rank.
fn ranks(mpirun: u32) -> Vec<(u32, usize)> {
    let children = std::fs::read_to_string(format!("/proc/{mpirun}/task/{mpirun}/children"))
        .unwrap_or_default();
    children
        .split_whitespace()
        .filter_map(|pid| {
            let env = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
            let rank = env.split(|&b| b == 0).find_map(|kv| {
                let kv = std::str::from_utf8(kv).ok()?;
                kv.strip_prefix("OMPI_COMM_WORLD_RANK=")?.parse().ok()
            })?;
            Some((pid.parse().ok()?, rank))
        })
        .collect()
}

/// Starts the long run on 2 processes writing `out`, and returns it with the pid of its
/// process of rank 1 once the run is mid-training (its second checkpoint written); an error
/// if it is not within 2 minutes.
fn start_long_run(dir: &Path, out: &str) -> Result<(Child, u32), String> {
    let mut child = mpirun(dir, 2, &format!("{LONG} --checkpoint-every 2 --out {out}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let ck = dir.join("ck.json");
    let rank1 = loop {
        let ranks = ranks(child.id());
        if let Some(&(pid, _)) = ranks.iter().find(|(_, r)| *r == 1)
            && ck.exists()
        {
            break Some(pid);
        }
        if start.elapsed() > Duration::from_secs(120) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    if rank1.is_none() {
        let _ = child.kill();
    }
    match rank1 {
        Some(pid) => Ok((child, pid)),
        None => {
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            Err(format!("the run did not start: {stderr}"))
        }
    }
}

#[test]
fn a_sigint_to_one_process_saves_a_checkpoint_that_resumes_to_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    ok(run(&mut mpirun(
        dir.path(),
        2,
        &format!("{LONG} --out full.json"),
    )));
    std::fs::remove_file(dir.path().join("ck.json")).ok();

    // The signal reaches process 1 only; process 0 writes the checkpoint.
    let (child, rank1) = start_long_run(dir.path(), "part.json").unwrap();
    let kill = Command::new("kill")
        .args(["-INT", &rank1.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = wait(child, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("--resume ck.json"), "{stderr}");
    assert!(!dir.path().join("part.json").exists());

    // Resumed on 2 processes, and on 1: nothing of the state depends on their number.
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    for n in [2, 1] {
        let resumed = format!("{LONG} --resume ck.json --out part{n}.json");
        ok(run(&mut mpirun(dir.path(), n, &resumed)));
        assert!(
            read("full.json") == read(&format!("part{n}.json")),
            "the model resumed on {n} processes differs"
        );
    }
}

#[test]
fn a_killed_process_ends_the_run_with_an_error_and_no_model() {
    let dir = tempfile::tempdir().unwrap();
    let (child, rank1) = start_long_run(dir.path(), "m.json").unwrap();
    let kill = Command::new("kill")
        .args(["-KILL", &rank1.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = wait(child, Duration::from_secs(60));
    assert!(!out.status.success());
    assert!(!dir.path().join("m.json").exists());
}

#[test]
fn standard_input_is_refused_as_the_data_of_several_processes() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        run(mpirun(dir.path(), 2, "train --data - --target y --out m.json").stdin(Stdio::null()));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("every process reads the data; give a file"),
        "{stderr}"
    );
    assert!(!dir.path().join("m.json").exists());
}
