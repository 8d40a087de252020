use super::*;
use crate::activation::Activation;
use crate::gradcheck::{GradCheckConfig, gradient_check};
use crate::init::Init;
use crate::loss::Loss;
use ndarray::Array2;

fn net(sizes: &[usize], loss: Loss, output: Activation) -> Network<f64> {
    let mut acts = vec![Activation::Tanh; sizes.len() - 2];
    acts.push(output);
    Network::seeded(sizes, &acts, loss, Init::Glorot, 7).unwrap()
}

fn data(m: usize, n: usize, k: usize) -> (Array2<f64>, Array2<f64>) {
    let x = Array2::from_shape_fn((m, n), |(i, j)| {
        ((i * 37 + j * 11) % 23) as f64 / 11.0 - 1.0
    });
    let y = Array2::from_shape_fn((m, k), |(i, j)| ((i + j) % k == 0) as u8 as f64);
    (x, y)
}

#[test]
fn plans_cover_every_row_once_in_order() {
    let networks: [&[usize]; 3] = [&[20, 30, 5], &[32, 128, 128, 1], &[784, 512, 256, 10]];
    for (m, sizes) in [1, 2, 127, 128, 255, 256, 511, 512, 513, 1000, 5000, 60_000]
        .into_iter()
        .flat_map(|m| networks.map(|sizes| (m, sizes)))
    {
        for cost in [false, true] {
            let plan = Plan::new::<f32>(m, cost, sizes);
            assert!(plan.groups >= 1 && plan.groups <= plan.chunks, "{m}");
            let mut next = 0;
            for g in 0..plan.groups {
                assert_eq!(plan.group_rows(g).start, next, "{m}");
                for c in plan.chunks_of(g) {
                    let rows = plan.rows(c);
                    assert!(rows.start == next && rows.end > rows.start, "{m}");
                    assert!(!cost || m <= SPLIT_MIN_ROWS || rows.len() <= CHUNK_MAX_ROWS);
                    next = rows.end;
                }
                assert_eq!(plan.group_rows(g).end, next, "{m}");
            }
            assert_eq!(next, m);
        }
    }
}

#[test]
fn batches_of_small_products_are_cut_in_two() {
    // W3's 32-128-128-1 at 128 to 400 rows: no product is split, so the two threads take
    // half of the rows each; W1's products at 256 rows are split instead, and a tiny network
    // is not worth a second thread.
    let chunks = |m, sizes: &[usize]| Plan::new::<f32>(m, true, sizes).chunks;
    assert_eq!(chunks(256, &[32, 128, 128, 1]), 2);
    // The two-chunk case of the allocation test.
    assert_eq!(chunks(256, &[32, 128, 128, 10]), 2);
    assert_eq!(chunks(400, &[32, 128, 128, 1]), 2);
    // 512 x 128 x 128 is large enough to be split itself.
    assert_eq!(chunks(512, &[32, 128, 128, 1]), 1);
    assert_eq!(chunks(128, &[32, 128, 128, 1]), 2);
    assert_eq!(chunks(127, &[32, 128, 128, 1]), 1);
    assert_eq!(chunks(256, &[784, 512, 256, 10]), 1);
    assert_eq!(chunks(512, &[4, 100, 3]), 1);
    assert!(Plan::new::<f32>(256, true, &[32, 128, 128, 1]).splits(&[32, 128, 128, 1]));
    assert!(Plan::new::<f32>(128, true, &[784, 512, 256, 10]).splits(&[784, 512, 256, 10]));
    assert!(!Plan::new::<f32>(150, true, &[4, 100, 3]).splits(&[4, 100, 3]));
}

#[test]
fn wide_inputs_cut_full_batches_into_chunks_that_stay_in_cache() {
    // W2: 400 float64 inputs, 3,200 bytes a row: chunks of at most 128 rows (400 KiB).
    assert_eq!(Plan::new::<f64>(5000, true, &[400, 25, 10]).chunks, 40);
    // In float32 the rows are half as long, and 256 of them fit.
    assert_eq!(Plan::new::<f32>(5000, true, &[400, 25, 10]).chunks, 20);
    // Narrow inputs keep 256 rows; inputs too wide even for 128 rows keep 128.
    assert_eq!(Plan::new::<f64>(5000, true, &[20, 30, 5]).chunks, 20);
    assert_eq!(Plan::new::<f64>(5000, true, &[784, 512, 10]).chunks, 40);
    // Forward propagation alone is cut for the threads only.
    assert_eq!(Plan::new::<f64>(5000, false, &[400, 25, 10]).chunks, 8);
}

#[test]
fn a_gradient_summed_chunk_by_chunk_passes_the_gradient_check() {
    // 700 rows: three chunks in three groups, each with its own gradient sum.
    assert!(Plan::new::<f64>(700, true, &[5, 4, 3]).groups == 3);
    let (x, y) = data(700, 5, 3);
    let net = net(&[5, 4, 3], Loss::CrossEntropy, Activation::Sigmoid);
    let check = gradient_check(&net, x.view(), y.view(), 0.7, &GradCheckConfig::default());
    let check = check.unwrap();
    assert!(
        check.max_relative_error < 1e-8,
        "{}",
        check.max_relative_error
    );
}

#[test]
fn the_chunked_gradient_is_the_weighted_sum_of_the_batches_gradients() {
    // Batches of at most SPLIT_MIN_ROWS rows are one chunk: the whole 1300 rows (six
    // chunks) must give what three 1-chunk batches give, weighted by their sizes.
    let (x, y) = data(1300, 6, 4);
    let net = net(&[6, 9, 4], Loss::SoftmaxCrossEntropy, Activation::Softmax);
    let mut ws = Workspace::new(2);
    let mut whole = net.params().zeros_like();
    let cost = net
        .cost_and_gradient(x.view(), y.view(), 0.0, &mut ws, &mut whole)
        .unwrap();
    let (mut sum, mut data_sum) = (net.params().zeros_like(), 0.0);
    let mut part = net.params().zeros_like();
    for rows in [0..500, 500..1000, 1000..1300] {
        let len = rows.len() as f64;
        let (xb, yb) = (x.slice(s![rows.clone(), ..]), y.slice(s![rows, ..]));
        let c = net
            .cost_and_gradient(xb, yb, 0.0, &mut ws, &mut part)
            .unwrap();
        data_sum += c.data * len / 1300.0;
        for (s, &p) in sum.as_mut_slice().iter_mut().zip(part.as_slice()) {
            *s += p * len / 1300.0;
        }
    }
    assert!((cost.data - data_sum).abs() < 1e-14 * cost.data.abs());
    for (a, b) in whole.as_slice().iter().zip(sum.as_slice()) {
        assert!((a - b).abs() <= 1e-14 + 1e-12 * b.abs(), "{a} vs {b}");
    }
}

#[test]
fn passes_give_the_same_bits_on_any_number_of_threads() {
    // 300 rows of the wider network: two chunks of small products.
    for (m, hidden) in [(300, 25), (1000, 25), (5000, 25), (300, 300)] {
        let (x, y) = data(m, 40, 10);
        let net = net(&[40, hidden, 10], Loss::CrossEntropy, Activation::Sigmoid);
        assert_eq!(
            hidden == 300,
            Plan::new::<f64>(m, true, net.sizes()).chunks == 2
        );
        let run = |threads: usize| {
            let mut ws = Workspace::new(threads);
            let mut grad = net.params().zeros_like();
            let cost = net
                .cost_and_gradient(x.view(), y.view(), 1.0, &mut ws, &mut grad)
                .unwrap();
            let out = net.forward(x.view(), &mut ws).unwrap().to_owned();
            let only = net.cost(x.view(), y.view(), 1.0, &mut ws).unwrap();
            (cost.total().to_bits(), only.total().to_bits(), grad, out)
        };
        let one = run(1);
        assert_eq!(one.0, one.1, "J from the cost alone and with the gradient");
        for threads in [2, 3, 4] {
            assert!(run(threads) == one, "{m} rows, {threads} threads");
        }
    }
}
