//! Running first and second moments (Welford's update, Chan et al.'s merge).
//!
//! The metrics pass feeds each value once, per chunk, and merges the chunk results in a
//! fixed order. Centred moments keep variances and covariances accurate when the spread of
//! the data is tiny next to its mean (a temperature near 1500 K varying by 1e-3 K), where
//! the textbook `sum(x^2) - n mean^2` cancels to noise.

/// Count, mean and sum of squared deviations of one variable.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Moments {
    /// Number of values seen.
    pub n: u64,
    /// Mean of the values seen (0 when `n == 0`).
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
}

impl Moments {
    /// Adds one value.
    #[inline]
    pub fn push(&mut self, a: f64) {
        self.n += 1;
        let delta = a - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (a - self.mean);
    }

    /// Combines two disjoint samples; the result depends only on the two operands.
    pub fn merge(&self, other: &Moments) -> Moments {
        if other.n == 0 {
            return *self;
        }
        if self.n == 0 {
            return *other;
        }
        let n = self.n + other.n;
        let (na, nb, nf) = (self.n as f64, other.n as f64, n as f64);
        let delta = other.mean - self.mean;
        Moments {
            n,
            mean: self.mean + delta * (nb / nf),
            m2: self.m2 + other.m2 + delta * delta * (na * nb / nf),
        }
    }
}

/// Count, means, sums of squared deviations and sum of cross deviations of a pair of
/// variables `(a, b)`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Comoments {
    /// Number of pairs seen.
    pub n: u64,
    /// Mean of `a`.
    pub mean_a: f64,
    /// Mean of `b`.
    pub mean_b: f64,
    /// Sum of `(a - mean_a)^2`.
    pub m2_a: f64,
    /// Sum of `(b - mean_b)^2`.
    pub m2_b: f64,
    /// Sum of `(a - mean_a) (b - mean_b)`.
    pub c_ab: f64,
}

impl Comoments {
    /// Adds one pair.
    #[inline]
    pub fn push(&mut self, a: f64, b: f64) {
        self.n += 1;
        let nf = self.n as f64;
        let delta_a = a - self.mean_a;
        let delta_b = b - self.mean_b;
        self.mean_a += delta_a / nf;
        self.mean_b += delta_b / nf;
        self.m2_a += delta_a * (a - self.mean_a);
        self.m2_b += delta_b * (b - self.mean_b);
        self.c_ab += delta_a * (b - self.mean_b);
    }

    /// Combines two disjoint samples; the result depends only on the two operands.
    pub fn merge(&self, other: &Comoments) -> Comoments {
        if other.n == 0 {
            return *self;
        }
        if self.n == 0 {
            return *other;
        }
        let n = self.n + other.n;
        let (na, nb, nf) = (self.n as f64, other.n as f64, n as f64);
        let delta_a = other.mean_a - self.mean_a;
        let delta_b = other.mean_b - self.mean_b;
        let weight = na * nb / nf;
        Comoments {
            n,
            mean_a: self.mean_a + delta_a * (nb / nf),
            mean_b: self.mean_b + delta_b * (nb / nf),
            m2_a: self.m2_a + other.m2_a + delta_a * delta_a * weight,
            m2_b: self.m2_b + other.m2_b + delta_b * delta_b * weight,
            c_ab: self.c_ab + other.c_ab + delta_a * delta_b * weight,
        }
    }

    /// Pearson correlation of `a` and `b`: NaN when fewer than two pairs were seen or
    /// either variable is constant.
    pub fn correlation(&self) -> f64 {
        if self.n < 2 {
            return f64::NAN;
        }
        // sqrt(m2_a * m2_b) rather than sqrt(m2_a) * sqrt(m2_b): identical samples then
        // give exactly 1 (sqrt of a correctly rounded square is exact).
        self.c_ab / (self.m2_a * self.m2_b).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_pass(a: &[f64], b: &[f64]) -> (f64, f64, f64, f64, f64) {
        let n = a.len() as f64;
        let ma = a.iter().sum::<f64>() / n;
        let mb = b.iter().sum::<f64>() / n;
        let m2a = a.iter().map(|x| (x - ma) * (x - ma)).sum();
        let m2b = b.iter().map(|y| (y - mb) * (y - mb)).sum();
        let cab = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        (ma, mb, m2a, m2b, cab)
    }

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() <= 1e-12 * (1.0 + x.abs().max(y.abs()))
    }

    #[test]
    fn push_and_merge_match_two_pass() {
        let a: Vec<f64> = (0..1000).map(|i| 1500.0 + (i as f64 * 0.37).sin()).collect();
        let b: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.11).cos() * 3.0).collect();
        let (ma, mb, m2a, m2b, cab) = two_pass(&a, &b);
        let mut left = Comoments::default();
        let mut right = Comoments::default();
        let mut single = Moments::default();
        let mut single_right = Moments::default();
        for i in 0..1000 {
            if i < 313 {
                left.push(a[i], b[i]);
                single.push(a[i]);
            } else {
                right.push(a[i], b[i]);
                single_right.push(a[i]);
            }
        }
        let all = left.merge(&right);
        assert_eq!(all.n, 1000);
        assert!(close(all.mean_a, ma) && close(all.mean_b, mb));
        assert!(
            close(all.m2_a, m2a)
                && close(all.m2_b, m2b)
                // relative to the scale of the covariance, sqrt(m2_a m2_b)
                && (all.c_ab - cab).abs() <= 1e-12 * (m2a * m2b).sqrt(),
            "{all:?} vs {m2a} {m2b} {cab}"
        );
        let one = single.merge(&single_right);
        assert!(close(one.mean, ma) && close(one.m2, m2a));
        assert_eq!(Comoments::default().merge(&all), all);
        assert_eq!(all.merge(&Comoments::default()), all);
    }

    #[test]
    fn correlation_of_identical_samples_is_exactly_one() {
        let mut c = Comoments::default();
        for i in 0..100 {
            let v = (i as f64 * 0.3).sin() + 7.0;
            c.push(v, v);
        }
        assert_eq!(c.correlation(), 1.0);
        assert!(Comoments::default().correlation().is_nan());
    }
}
