//! The one worker pool: `jobs` threads take items from a bounded queue that
//! a feeder fills on a thread of its own, so the input is read only a little
//! ahead of the work and never whole. Batches (`--batch`, `--all-sites`,
//! `apply`) and `sites --facts` run on it.

use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Mutex;

/// Hands items to the workers.
pub struct Feeder<T>(SyncSender<T>);

impl<T> Feeder<T> {
    /// Queue one item (waiting while the queue is full); false once no
    /// worker is left to take it.
    pub fn give(&self, item: T) -> bool {
        self.0.send(item).is_ok()
    }
}

/// Run `feed` (on its own thread) and `jobs` workers calling `work` on each
/// item it gives, until it is done and every item is worked. A worker
/// takes the next item only once `work` returned: whatever `work` writes
/// is written before its worker starts anything new.
pub fn run<T: Send>(jobs: usize, feed: impl FnOnce(&Feeder<T>) + Send, work: impl Fn(T) + Sync) {
    let jobs = jobs.max(1);
    let (tx, rx) = sync_channel::<T>(jobs * 2);
    let rx = Mutex::new(rx);
    std::thread::scope(|s| {
        s.spawn(move || feed(&Feeder(tx)));
        for _ in 0..jobs {
            let (rx, work) = (&rx, &work);
            s.spawn(move || loop {
                let next = rx.lock().map(|rx| rx.recv());
                let Ok(Ok(item)) = next else { break };
                work(item);
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    #[test]
    fn every_item_is_worked_once_within_jobs_at_a_time() {
        let (now, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let seen = Mutex::new(Vec::new());
        super::run(
            3,
            |f| {
                for i in 0..50 {
                    assert!(f.give(i));
                }
            },
            |i| {
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(n, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(1));
                seen.lock().map(|mut s| s.push(i)).ok();
                now.fetch_sub(1, Ordering::SeqCst);
            },
        );
        let mut seen = seen.into_inner().unwrap_or_default();
        seen.sort();
        assert_eq!(seen, (0..50).collect::<Vec<_>>());
        assert!(most.load(Ordering::SeqCst) <= 3);
    }
}
