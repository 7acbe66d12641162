//! Statistics for timing comparisons (the enumeration-timing bench and the
//! loadtest tool's `enumeration` mode share them): a reproducible generator,
//! the median, a 95 % bootstrap interval of a difference of medians, and the
//! Mann–Whitney U test. Nothing here needs crypto randomness.

/// A small deterministic generator (xorshift64*): the bench needs no crypto
/// randomness, only a reproducible mix and bootstrap.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// Mann–Whitney U for `a` against `b`: (U of a, z, two-sided p).
pub fn mann_whitney(a: &[f64], b: &[f64]) -> (f64, f64, f64) {
    let mut all: Vec<(f64, bool)> = a
        .iter()
        .map(|&x| (x, true))
        .chain(b.iter().map(|&x| (x, false)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let n = all.len();
    let (mut rank_a, mut tie_term, mut i) = (0.0, 0.0, 0);
    while i < n {
        let mut j = i;
        while j + 1 < n && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        let t = (j - i + 1) as f64;
        tie_term += t * t * t - t;
        rank_a += all[i..=j].iter().filter(|e| e.1).count() as f64 * avg;
        i = j + 1;
    }
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let u = rank_a - n1 * (n1 + 1.0) / 2.0;
    let nn = n1 + n2;
    let var = n1 * n2 / 12.0 * ((nn + 1.0) - tie_term / (nn * (nn - 1.0)));
    let z = (u - n1 * n2 / 2.0) / var.sqrt();
    (u, z, erfc(z.abs() / std::f64::consts::SQRT_2))
}

/// erfc by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7), for x ≥ 0.
fn erfc(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    poly * (-x * x).exp()
}

/// 95 % bootstrap interval of median(a) - median(b).
pub fn bootstrap(a: &[f64], b: &[f64], rng: &mut Rng) -> (f64, f64) {
    let mut diffs: Vec<f64> = (0..2000)
        .map(|_| {
            let ra: Vec<f64> = (0..a.len()).map(|_| a[rng.below(a.len())]).collect();
            let rb: Vec<f64> = (0..b.len()).map(|_| b[rng.below(b.len())]).collect();
            median(&ra) - median(&rb)
        })
        .collect();
    diffs.sort_by(f64::total_cmp);
    (diffs[50], diffs[1949])
}
