use super::*;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};

/// Process `rank` of `size`, as a thread: channels to the next, from the previous, and the
/// last process's to every other.
struct Fake {
    rank: usize,
    size: usize,
    next: Option<Sender<Vec<u8>>>,
    previous: Option<Mutex<Receiver<Vec<u8>>>>,
    to_all: Vec<Sender<Vec<u8>>>,
    from_last: Option<Mutex<Receiver<Vec<u8>>>>,
}

impl Peers for Fake {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.size
    }
    fn send_next(&self, bytes: &[u8]) {
        self.next.as_ref().unwrap().send(bytes.to_vec()).unwrap();
    }
    fn receive_previous(&self, bytes: &mut [u8]) {
        let got = self
            .previous
            .as_ref()
            .unwrap()
            .lock()
            .unwrap()
            .recv()
            .unwrap();
        bytes.copy_from_slice(&got);
    }
    fn broadcast_from_last(&self, bytes: &mut [u8]) {
        match &self.from_last {
            None => self
                .to_all
                .iter()
                .for_each(|s| s.send(bytes.to_vec()).unwrap()),
            Some(r) => bytes.copy_from_slice(&r.lock().unwrap().recv().unwrap()),
        }
    }
}

fn fakes(size: usize) -> Vec<Fake> {
    let mut out: Vec<Fake> = (0..size)
        .map(|rank| Fake {
            rank,
            size,
            next: None,
            previous: None,
            to_all: Vec::new(),
            from_last: None,
        })
        .collect();
    for r in 1..size {
        let (s, rx) = channel();
        out[r - 1].next = Some(s);
        out[r].previous = Some(Mutex::new(rx));
        let (s, rx) = channel();
        out[size - 1].to_all.push(s);
        out[r - 1].from_last = Some(Mutex::new(rx));
    }
    out
}

/// Every process's result of the chain fold of `groups` (a gradient of one element each,
/// and a cost total) on `size` processes.
fn fold(groups: &[(f32, f64)], size: usize) -> Vec<(f32, f64)> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = fakes(size)
            .into_iter()
            .map(|fake| {
                scope.spawn(move || {
                    let mine = &groups[share(groups.len(), fake.rank, size)];
                    let mut cluster = Cluster::new(Arc::new(fake));
                    let totals: Vec<f64> = mine.iter().map(|g| g.1).collect();
                    let mut sum = [mine.first().map_or(f32::NAN, |g| g.0)];
                    let parts: Vec<[f32; 1]> = mine.iter().skip(1).map(|g| [g.0]).collect();
                    let parts: Vec<&[f32]> = parts.iter().map(|p| &p[..]).collect();
                    let total = cluster.fold(&totals, Some((&mut sum[..], &parts[..])), 1);
                    (sum[0], total)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn the_chain_adds_in_the_order_of_one_process() {
    // In f32, 1e8 + 1 = 1e8: the left fold ((1e8 + 1) - 1e8) + 1 is 1, while adding each
    // process's groups first, (1e8 + 1) + (-1e8 + 1), is 0. Likewise in f64 with 1e17.
    let groups = [(1e8, 1e17), (1.0, 1.0), (-1e8, -1e17), (1.0, 1.0)];
    let pairs = (groups[0].0 + groups[1].0) + (groups[2].0 + groups[3].0);
    assert_eq!(pairs, 0.0);
    assert_eq!((1e17 + 1.0) + (-1e17 + 1.0), 0.0);
    for size in 1..=6 {
        for got in fold(&groups, size) {
            assert_eq!(got, (1.0, 1.0), "{size} processes");
        }
    }
}

#[test]
fn a_sum_starts_from_the_first_group_not_from_zero() {
    // -0 + -0 is -0, but 0 + -0 is +0: the sign bit tells where a sum started.
    for size in 1..=3 {
        for (g, t) in fold(&[(-0.0, -0.0), (-0.0, -0.0)], size) {
            assert!(g == 0.0 && g.is_sign_negative(), "{size} processes");
            assert!(t == 0.0 && t.is_sign_negative(), "{size} processes");
        }
    }
}
