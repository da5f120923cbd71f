//! Numeric order, equality and hashing.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use super::decimal::cmp_decimal;
use super::{Number, Repr};

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        use Repr::*;
        // NaN sorts last and equals itself; ±∞ are the extremes among the rest.
        let rank = |n: &Number| match &n.0 {
            Float(f) if f.is_nan() => 3,
            Float(f) if *f == f64::INFINITY => 2,
            Float(f) if *f == f64::NEG_INFINITY => 0,
            _ => 1,
        };
        let (ra, rb) = (rank(self), rank(other));
        if ra != 1 || rb != 1 {
            return ra.cmp(&rb);
        }
        match (&self.0, &other.0) {
            (Int(a), Int(b)) => a.cmp(b),
            (Float(a), Float(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            (Int(a), Float(b)) => cmp_int_float(*a, *b),
            (Float(a), Int(b)) => cmp_int_float(*b, *a).reverse(),
            _ => cmp_decimal(self.to_decimal().as_ref(), other.to_decimal().as_ref()),
        }
    }
}

/// Exact comparison of an integer with a finite float.
fn cmp_int_float(i: i64, f: f64) -> Ordering {
    let approx = i as f64;
    match approx.partial_cmp(&f) {
        Some(Ordering::Equal) | None => {
            // `f` is then an integer-valued float of magnitude ≤ 2^63: exact in i128.
            i128::from(i).cmp(&(f as i128))
        }
        Some(o) => o,
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Number {}

impl Hash for Number {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Representations are canonical, so hashing the representation agrees with `Eq`.
        match &self.0 {
            Repr::Int(i) => (0u8, *i).hash(state),
            Repr::Float(f) => (1u8, f.to_bits()).hash(state),
            Repr::Big(d) => (2u8, d).hash(state),
        }
    }
}
