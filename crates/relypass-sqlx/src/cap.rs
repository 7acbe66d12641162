//! The cap on unfinished ceremony states, checked without scanning the table.
//!
//! Counting the table on every start made each start cost as many index
//! entries as there were states (up to the cap): a flood of unfinished starts
//! slowed every start down by the very rows it left (issue 14). So each store
//! (and its clones) keeps an estimate instead: an exact count at most once per
//! recount interval (1 s by default), plus the states this store inserted
//! since, minus those it took or purged. A start reserves its place in the
//! estimate under a mutex before inserting, so starts racing in one process
//! never pass the cap; while the estimate is at the cap, starts are refused
//! without touching the table until the interval passes.
//!
//! Why an estimate rather than exact sharded counters in a table: the
//! counters would need a migration, a write to a shared row on every start,
//! take and purge (on both databases) and a repair whenever a row changes
//! behind the store's back; the estimate needs none of this. Its price:
//! inserts by *other* processes sharing the database are seen only at the
//! next count, so the table may pass the cap by at most what those processes
//! insert within one interval (by nothing when one process uses it). States
//! deleted by other processes are likewise seen only at the next count; until
//! then the estimate is high, which refuses early rather than late.

use std::sync::Mutex;
#[cfg(test)]
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What [`CeremonyCap::admit`] decided.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Admit {
    /// A place is reserved; insert the state, then
    /// [`release`](CeremonyCap::release) it if the insert failed.
    Reserved,
    /// The estimate is at the cap.
    Full,
    /// The estimate is stale: count the table and hand the result to
    /// [`counted`](CeremonyCap::counted), which decides.
    Count(CountTicket),
}

/// Handed to the one caller that recounts; the others go on with the
/// estimate meanwhile.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct CountTicket {
    inserted_before: u64,
}

#[derive(Debug)]
pub(crate) struct CeremonyCap {
    limit: u64,
    interval: Duration,
    state: Mutex<State>,
    /// How many times the table was counted (tests only).
    #[cfg(test)]
    pub(crate) counts: AtomicU64,
}

#[derive(Debug)]
struct State {
    /// States held, as far as this store knows.
    held: u64,
    /// When `held` was last set from a count; `None`: never.
    counted_at: Option<Instant>,
    /// A count is running: others use the estimate rather than queue up
    /// behind a second count.
    counting: bool,
    /// Every reservation ever made (wrapping), so a count can add the inserts
    /// that ran while it did; its own result may or may not include them, and
    /// adding them errs towards refusing.
    inserted: u64,
}

impl CeremonyCap {
    pub(crate) fn new(limit: usize, interval: Duration) -> Self {
        CeremonyCap {
            limit: u64::try_from(limit).unwrap_or(u64::MAX),
            interval,
            state: Mutex::new(State {
                held: 0,
                counted_at: None,
                counting: false,
                inserted: 0,
            }),
            #[cfg(test)]
            counts: AtomicU64::new(0),
        }
    }

    /// The state, even if a holder panicked: every update below leaves it
    /// consistent, so a poisoned lock holds nothing half-written.
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reserves a place for one state, or says the cap is reached, or asks
    /// the caller to count first (at most one caller per interval).
    pub(crate) fn admit(&self) -> Admit {
        let mut s = self.state();
        let stale = s.counted_at.is_none_or(|at| at.elapsed() >= self.interval);
        // Until a first count has landed nothing is known, so every caller
        // counts (rather than being refused on a guess); afterwards one
        // caller per interval does.
        if stale && (!s.counting || s.counted_at.is_none()) {
            s.counting = true;
            return Admit::Count(CountTicket {
                inserted_before: s.inserted,
            });
        }
        self.reserve(&mut s)
    }

    fn reserve(&self, s: &mut State) -> Admit {
        if s.held >= self.limit {
            return Admit::Full;
        }
        s.held += 1;
        s.inserted = s.inserted.wrapping_add(1);
        Admit::Reserved
    }

    /// The bound the count query needs: counting past the cap is never
    /// useful, so the count costs at most `limit` index entries.
    pub(crate) fn count_limit(&self) -> i64 {
        i64::try_from(self.limit).unwrap_or(i64::MAX)
    }

    /// Records a count's result (`None`: it failed; the next start retries)
    /// and, after a count, decides the start on it at once: asking `admit`
    /// again could ask for another count (an interval shorter than the
    /// count) and never end.
    pub(crate) fn counted(&self, ticket: CountTicket, held: Option<u64>) -> Admit {
        let mut s = self.state();
        s.counting = false;
        #[cfg(test)]
        self.counts.fetch_add(1, Ordering::Relaxed);
        if let Some(held) = held {
            let during = s.inserted.wrapping_sub(ticket.inserted_before);
            s.held = held.saturating_add(during);
            s.counted_at = Some(Instant::now());
            return self.reserve(&mut s);
        }
        Admit::Full
    }

    /// Returns a reserved place whose insert failed.
    pub(crate) fn release(&self) {
        self.removed(1);
    }

    /// States this store deleted (taken or purged).
    pub(crate) fn removed(&self, n: u64) {
        let mut s = self.state();
        s.held = s.held.saturating_sub(n);
    }
}
