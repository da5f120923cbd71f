//! Exact decimals: the representation of numbers that are neither an `i64` nor a binary64
//! value, and the exact expansion of any binary64 value, which comparison and formatting
//! go through.

use std::cmp::Ordering;

/// A non-zero exact decimal `(-1)^neg × digits × 10^exp`, with no leading or trailing zeros
/// in `digits`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub(super) struct Decimal {
    pub(super) neg: bool,
    pub(super) digits: Box<str>,
    pub(super) exp: i64,
}

impl Decimal {
    /// Builds a decimal from an unsigned integer's digit text (`None` for zero).
    pub(super) fn from_integer_text(neg: bool, text: &str) -> Option<Decimal> {
        Decimal::normalise(neg, text.to_owned(), 0)
    }

    /// Strips leading/trailing zeros; `None` for zero.
    pub(super) fn normalise(neg: bool, mut digits: String, mut exp: i64) -> Option<Decimal> {
        let lead = digits.bytes().take_while(|b| *b == b'0').count();
        digits.drain(..lead);
        if digits.is_empty() {
            return None;
        }
        let trail = digits.bytes().rev().take_while(|b| *b == b'0').count();
        digits.truncate(digits.len() - trail);
        exp += trail as i64;
        Some(Decimal {
            neg,
            digits: digits.into_boxed_str(),
            exp,
        })
    }

    /// The exact decimal expansion of a finite `f64` (`None` for zero and non-finite values).
    pub(super) fn exact_from_f64(f: f64) -> Option<Decimal> {
        if !f.is_finite() || f == 0.0 {
            return None;
        }
        let bits = f.to_bits();
        let neg = bits >> 63 == 1;
        let exp_bits = ((bits >> 52) & 0x7ff) as i64;
        let frac = bits & ((1u64 << 52) - 1);
        let (mut mant, mut exp2) = if exp_bits == 0 {
            (frac, -1074i64)
        } else {
            (frac | (1u64 << 52), exp_bits - 1075)
        };
        while mant & 1 == 0 && exp2 < 0 {
            mant >>= 1;
            exp2 += 1;
        }
        let mut big = BigUint::from_u64(mant);
        let exp10 = if exp2 >= 0 {
            big.mul_pow(2, exp2 as u32);
            0
        } else {
            // m × 2^-k = m × 5^k × 10^-k
            big.mul_pow(5, (-exp2) as u32);
            exp2
        };
        Decimal::normalise(neg, big.to_decimal_string(), exp10)
    }

    /// Length of the plain rendering (without the sign).
    pub(super) fn plain_len(digits_len: i64, exp: i64) -> i64 {
        if exp >= 0 {
            digits_len.saturating_add(exp)
        } else if exp.saturating_neg() < digits_len {
            digits_len + 1
        } else {
            exp.saturating_neg().saturating_add(2)
        }
    }

    pub(super) fn plain_text(&self) -> String {
        let mut s = String::new();
        self.write_plain(&mut s);
        s
    }

    fn write_plain(&self, out: &mut String) {
        if self.neg {
            out.push('-');
        }
        let len = self.digits.len() as i64;
        if self.exp >= 0 {
            out.push_str(&self.digits);
            for _ in 0..self.exp {
                out.push('0');
            }
        } else if -self.exp < len {
            let split = (len + self.exp) as usize;
            let (int, frac) = self.digits.split_at(split);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        } else {
            out.push_str("0.");
            for _ in 0..(-self.exp - len) {
                out.push('0');
            }
            out.push_str(&self.digits);
        }
    }

    /// Compares magnitudes.
    fn cmp_abs(&self, other: &Decimal) -> Ordering {
        let a = self.digits.len() as i64 + self.exp;
        let b = other.digits.len() as i64 + other.exp;
        // Digit strings have no leading zeros, so the leading digit's position decides
        // first; then, with no trailing zeros either, a plain byte comparison is numeric.
        a.cmp(&b)
            .then_with(|| self.digits.as_bytes().cmp(other.digits.as_bytes()))
    }
}

/// Compares two exact decimals where `None` is zero.
pub(super) fn cmp_decimal(a: Option<&Decimal>, b: Option<&Decimal>) -> Ordering {
    fn sign(d: Option<&Decimal>) -> i8 {
        match d {
            None => 0,
            Some(d) if d.neg => -1,
            Some(_) => 1,
        }
    }
    match (a, b) {
        (Some(x), Some(y)) if x.neg == y.neg => {
            let o = x.cmp_abs(y);
            if x.neg { o.reverse() } else { o }
        }
        _ => sign(a).cmp(&sign(b)),
    }
}

/// A small unsigned big integer, base 10⁹ little-endian limbs; only what the exact `f64`
/// expansion needs.
struct BigUint(Vec<u32>);

const LIMB: u64 = 1_000_000_000;

impl BigUint {
    fn from_u64(mut v: u64) -> Self {
        let mut limbs = Vec::new();
        while v > 0 {
            limbs.push((v % LIMB) as u32);
            v /= LIMB;
        }
        BigUint(limbs)
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry: u64 = 0;
        for limb in &mut self.0 {
            let p = u64::from(*limb) * u64::from(m) + carry;
            *limb = (p % LIMB) as u32;
            carry = p / LIMB;
        }
        while carry > 0 {
            self.0.push((carry % LIMB) as u32);
            carry /= LIMB;
        }
    }

    /// Multiplies by `base^n` for base 2 or 5.
    fn mul_pow(&mut self, base: u32, mut n: u32) {
        // Largest power of the base that fits in u32.
        let (chunk, chunk_exp) = if base == 2 {
            (1u32 << 31, 31)
        } else {
            (1_220_703_125, 13)
        };
        while n >= chunk_exp {
            self.mul_small(chunk);
            n -= chunk_exp;
        }
        if n > 0 {
            self.mul_small(base.pow(n));
        }
    }

    fn to_decimal_string(&self) -> String {
        let mut s = String::new();
        let mut it = self.0.iter().rev();
        if let Some(top) = it.next() {
            s.push_str(&top.to_string());
        }
        for limb in it {
            s.push_str(&format!("{limb:09}"));
        }
        s
    }
}
