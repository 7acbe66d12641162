//! Latency samples and status counts, per endpoint.

use std::collections::BTreeMap;
use std::time::Duration;

/// What one endpoint saw.
#[derive(Debug, Default, Clone)]
pub struct Endpoint {
    /// Latency of every answered request, in microseconds.
    pub micros: Vec<u64>,
    /// Answers by status.
    pub statuses: BTreeMap<u16, u64>,
    /// Requests with no answer (connection error, timeout).
    pub failures: u64,
}

/// Samples of every endpoint, by name.
#[derive(Debug, Default, Clone)]
pub struct Stats(pub BTreeMap<&'static str, Endpoint>);

impl Stats {
    /// Records an answer.
    pub fn answer(&mut self, endpoint: &'static str, status: u16, took: Duration) {
        let e = self.0.entry(endpoint).or_default();
        e.micros
            .push(u64::try_from(took.as_micros()).unwrap_or(u64::MAX));
        *e.statuses.entry(status).or_default() += 1;
    }

    /// Records a request that got no answer.
    pub fn failure(&mut self, endpoint: &'static str) {
        self.0.entry(endpoint).or_default().failures += 1;
    }

    /// Adds another client's samples.
    pub fn merge(&mut self, other: Stats) {
        for (k, v) in other.0 {
            let e = self.0.entry(k).or_default();
            e.micros.extend(v.micros);
            for (s, n) in v.statuses {
                *e.statuses.entry(s).or_default() += n;
            }
            e.failures += v.failures;
        }
    }

    /// Every endpoint's samples together.
    pub fn overall(&self) -> Endpoint {
        let mut all = Endpoint::default();
        for e in self.0.values() {
            all.micros.extend(&e.micros);
            for (s, n) in &e.statuses {
                *all.statuses.entry(*s).or_default() += n;
            }
            all.failures += e.failures;
        }
        all
    }
}

impl Endpoint {
    /// Answered requests.
    pub fn count(&self) -> u64 {
        self.micros.len() as u64
    }

    /// Non-2xx answers as `status×count, …`, or `none`.
    pub fn non_2xx(&self) -> String {
        let v: Vec<String> = self
            .statuses
            .iter()
            .filter(|(s, _)| !(200..300).contains(*s))
            .map(|(s, n)| format!("{s}×{n}"))
            .collect();
        if v.is_empty() {
            "none".into()
        } else {
            v.join(", ")
        }
    }

    /// Answers with a 5xx status.
    pub fn count_5xx(&self) -> u64 {
        self.statuses
            .iter()
            .filter(|(s, _)| **s >= 500)
            .map(|(_, n)| n)
            .sum()
    }

    /// p50, p99 and max in milliseconds.
    pub fn percentiles(&self) -> (f64, f64, f64) {
        let mut v = self.micros.clone();
        v.sort_unstable();
        (
            ms(percentile(&v, 50.0)),
            ms(percentile(&v, 99.0)),
            ms(v.last().copied().unwrap_or(0)),
        )
    }
}

/// The nearest-rank percentile of sorted samples (0 when empty).
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Microseconds as milliseconds.
pub fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), 50);
        assert_eq!(percentile(&v, 99.0), 99);
        assert_eq!(percentile(&v, 100.0), 100);
        assert_eq!(percentile(&[], 50.0), 0);
        assert_eq!(percentile(&[7], 99.0), 7);
    }
}
