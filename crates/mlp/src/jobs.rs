//! Independent jobs side by side: whole fits (the members of an ensemble, the folds of a
//! cross-validation) that each run on one thread of their own, taken from a shared counter by up
//! to `workers` scoped threads. Which thread runs a job never changes its result, so the
//! results are the same for any number of workers.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// How often the calling thread asks `poll` while the workers run.
const POLL_EVERY: Duration = Duration::from_millis(20);

/// Runs `job(0)`, ..., `job(jobs - 1)` on up to `workers` threads, each worker taking the next
/// job not yet taken, and returns `(job, result)` in the order of the jobs.
///
/// Once `stop` is set no further job starts; jobs already running finish (a job may watch
/// `stop` itself, and may set it, e.g. on an error). With `poll`, the calling thread asks it
/// once before any job starts, then every 20 ms while the workers run, and sets `stop` when it
/// answers true (a poll that answers true at once runs no job, however fast the jobs are);
/// without it, the calling thread just waits. A panic in a job is resumed on the calling thread.
pub(crate) fn side_by_side<R: Send>(
    jobs: usize,
    workers: usize,
    stop: &AtomicBool,
    poll: Option<&mut dyn FnMut() -> bool>,
    job: impl Fn(usize) -> R + Sync,
) -> Vec<(usize, R)> {
    let workers = workers.clamp(1, jobs.max(1));
    let mut poll = poll;
    if poll.as_mut().is_some_and(|poll| poll()) {
        stop.store(true, Ordering::Relaxed);
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut out = Vec::new();
        loop {
            let j = next.fetch_add(1, Ordering::Relaxed);
            if j >= jobs || stop.load(Ordering::Relaxed) {
                return out;
            }
            out.push((j, job(j)));
        }
    };
    let mut done: Vec<(usize, R)> = if workers == 1 && poll.is_none() {
        work()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers).map(|_| scope.spawn(work)).collect();
            if let Some(poll) = poll {
                while !handles.iter().all(|h| h.is_finished()) {
                    if poll() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    std::thread::sleep(POLL_EVERY);
                }
            }
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    };
    done.sort_by_key(|(j, _)| *j);
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_job_runs_once_in_order_for_any_number_of_workers() {
        for workers in [1, 2, 3, 8] {
            let stop = AtomicBool::new(false);
            let done = side_by_side(7, workers, &stop, None, |j| j * j);
            assert_eq!(done, (0..7).map(|j| (j, j * j)).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_job_that_sets_stop_ends_the_queue_after_the_running_ones() {
        let stop = AtomicBool::new(false);
        let done = side_by_side(100, 1, &stop, None, |j| {
            if j == 3 {
                stop.store(true, Ordering::Relaxed);
            }
            j
        });
        assert_eq!(
            done.iter().map(|(j, _)| *j).collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
    }

    /// Runs 1000 jobs of 5 ms on 2 workers with a poll that answers true from its `from`-th
    /// question on; the jobs that ran and the questions asked.
    fn polled(from: usize) -> (Vec<(usize, usize)>, usize) {
        let stop = AtomicBool::new(false);
        let mut asked = 0;
        let mut poll = || {
            asked += 1;
            asked >= from
        };
        let done = side_by_side(1000, 2, &stop, Some(&mut poll), |j| {
            std::thread::sleep(Duration::from_millis(5));
            j
        });
        assert!(stop.load(Ordering::Relaxed));
        (done, asked)
    }

    #[test]
    fn poll_stops_the_queue() {
        // Asked before any job starts: none runs.
        let (done, asked) = polled(1);
        assert!(asked >= 1);
        assert!(done.is_empty(), "{} jobs ran", done.len());
        // Asked again while the workers run: those running finish, no other starts.
        let (done, asked) = polled(2);
        assert!(asked >= 2);
        assert!(done.len() < 1000, "{} jobs ran", done.len());
        assert!(done.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
