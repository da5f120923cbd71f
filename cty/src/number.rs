//! cty numbers.
//!
//! cty numbers are arbitrary-precision decimals. Terraform sends them either as msgpack
//! integers, as float64 (when the value is exactly a binary64 value) or as decimal strings
//! (when it is neither). [`Number`] mirrors that: every numeric value has exactly one
//! canonical representation, chosen in this order:
//!
//! 1. an `i64` when the value is an integer that fits;
//! 2. an `f64` when the value is exactly representable as a binary64 value (and ±∞);
//! 3. otherwise the exact decimal (digits and a power-of-ten exponent).
//!
//! Because the representation is canonical, structural equality is numeric equality, and
//! [`Ord`] is the numeric order (with NaN, which only [`Number::from_f64`] can produce,
//! sorted above everything and equal to itself so that `Eq`/`Ord` stay lawful).
//!
//! [`Display`](fmt::Display) writes the *exact* decimal value with no exponent (so a float
//! such as `0.1f64` prints its full binary expansion), and [`FromStr`] reads it back to the
//! identical `Number`.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// The longest plain decimal rendering (no exponent) a [`Number`] may have. Large enough
/// for every finite `f64` (the longest exact expansion is about 1,100 characters) while
/// keeping hostile inputs such as `1e999999999` from allocating without bound.
pub const MAX_DECIMAL_LEN: usize = 4096;

/// An exact cty number. See the [module documentation](self) for the representation.
#[derive(Clone)]
pub struct Number(Repr);

#[derive(Clone)]
enum Repr {
    Int(i64),
    /// Never an integer that fits in `i64`, never `-0.0`.
    Float(f64),
    Big(Box<Decimal>),
}

/// A non-zero exact decimal `(-1)^neg × digits × 10^exp`, with no leading or trailing zeros
/// in `digits`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
struct Decimal {
    neg: bool,
    digits: Box<str>,
    exp: i64,
}

/// The error of [`Number::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid number {text:?}: {reason}")]
pub struct ParseNumberError {
    text: String,
    reason: &'static str,
}

impl ParseNumberError {
    fn new(text: &str, reason: &'static str) -> Self {
        let mut text = text.to_owned();
        if text.len() > 64 {
            let mut cut = 64;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            text.push('…');
        }
        ParseNumberError { text, reason }
    }
}

const I64_MIN_F: f64 = -9_223_372_036_854_775_808.0;
const I64_END_F: f64 = 9_223_372_036_854_775_808.0;

impl Number {
    /// An integer.
    pub fn from_i64(i: i64) -> Self {
        Number(Repr::Int(i))
    }

    /// An unsigned integer (values above `i64::MAX` become exact floats or decimals).
    pub fn from_u64(u: u64) -> Self {
        match i64::try_from(u) {
            Ok(i) => Number(Repr::Int(i)),
            Err(_) => Number::from_decimal(Decimal::from_integer_text(false, &u.to_string())),
        }
    }

    /// A binary64 value. Integral values that fit in `i64` (and `-0.0`) become integers.
    /// NaN is kept (cty has no NaN, so both encoders refuse it), compares equal to itself
    /// and greater than every other number.
    pub fn from_f64(f: f64) -> Self {
        if f.is_finite() && f.fract() == 0.0 && (I64_MIN_F..I64_END_F).contains(&f) {
            // In range and integral, so the conversion is exact.
            Number(Repr::Int(f as i64))
        } else if f.is_nan() {
            Number(Repr::Float(f64::NAN))
        } else {
            Number(Repr::Float(f))
        }
    }

    /// The value as `i64`, if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self.0 {
            Repr::Int(i) => Some(i),
            _ => None,
        }
    }

    /// The value as `u64`, if it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        match &self.0 {
            Repr::Int(i) => u64::try_from(*i).ok(),
            Repr::Float(f) => {
                if f.fract() == 0.0 && *f >= 0.0 && *f < 18_446_744_073_709_551_616.0 {
                    Some(*f as u64)
                } else {
                    None
                }
            }
            Repr::Big(d) => {
                if d.neg || d.exp < 0 {
                    return None;
                }
                d.plain_text().parse::<u64>().ok()
            }
        }
    }

    /// The nearest `f64` (possibly rounded; ±∞ stays infinite). `None` for NaN and for a
    /// finite decimal too large for `f64`.
    pub fn as_f64(&self) -> Option<f64> {
        match &self.0 {
            Repr::Int(i) => Some(*i as f64),
            Repr::Float(f) => (!f.is_nan()).then_some(*f),
            Repr::Big(d) => {
                let f = format!("{}{}e{}", if d.neg { "-" } else { "" }, d.digits, d.exp)
                    .parse::<f64>()
                    .ok()?;
                f.is_finite().then_some(f)
            }
        }
    }

    /// Whether the value is an integer (of any size).
    pub fn is_integer(&self) -> bool {
        match &self.0 {
            Repr::Int(_) => true,
            Repr::Float(f) => f.is_finite() && f.fract() == 0.0,
            Repr::Big(d) => d.exp >= 0,
        }
    }

    /// Whether the value is finite (not ±∞, not NaN).
    pub fn is_finite(&self) -> bool {
        match &self.0 {
            Repr::Float(f) => f.is_finite(),
            _ => true,
        }
    }

    /// Whether the value is NaN (only possible through [`Number::from_f64`]).
    pub fn is_nan(&self) -> bool {
        matches!(&self.0, Repr::Float(f) if f.is_nan())
    }

    /// Positive infinity.
    pub fn infinity() -> Self {
        Number(Repr::Float(f64::INFINITY))
    }

    /// Negative infinity.
    pub fn neg_infinity() -> Self {
        Number(Repr::Float(f64::NEG_INFINITY))
    }

    /// How the number is held, for the wire encoders.
    pub(crate) fn wire(&self) -> Wire {
        match &self.0 {
            Repr::Int(i) => Wire::Int(*i),
            Repr::Float(f) => Wire::Float(*f),
            Repr::Big(_) => Wire::Decimal,
        }
    }

    fn from_decimal(d: Option<Decimal>) -> Self {
        let Some(d) = d else {
            return Number(Repr::Int(0));
        };
        // 1. an integer that fits in i64
        if d.exp >= 0 && d.digits.len() as i64 + d.exp <= 19 {
            let mut text = String::with_capacity(20);
            if d.neg {
                text.push('-');
            }
            text.push_str(&d.digits);
            for _ in 0..d.exp {
                text.push('0');
            }
            if let Ok(i) = text.parse::<i64>() {
                return Number(Repr::Int(i));
            }
        }
        // 2. exactly a binary64 value (an f64 has at most 767 significant decimal digits)
        if d.digits.len() <= 767 {
            let approx = format!("{}{}e{}", if d.neg { "-" } else { "" }, d.digits, d.exp);
            if let Ok(f) = approx.parse::<f64>()
                && f.is_finite()
                && f != 0.0
                && Decimal::exact_from_f64(f).as_ref() == Some(&d)
            {
                return Number(Repr::Float(f));
            }
        }
        // 3. an exact decimal
        Number(Repr::Big(Box::new(d)))
    }

    /// The exact decimal of a finite value (`None` for zero).
    fn to_decimal(&self) -> Option<Decimal> {
        match &self.0 {
            Repr::Int(0) => None,
            Repr::Int(i) => Decimal::from_integer_text(*i < 0, &i.unsigned_abs().to_string()),
            Repr::Float(f) => Decimal::exact_from_f64(*f),
            Repr::Big(d) => Some((**d).clone()),
        }
    }
}

/// How a number goes on the wire.
pub(crate) enum Wire {
    Int(i64),
    Float(f64),
    /// Write the `Display` text.
    Decimal,
}

impl Decimal {
    /// Builds a decimal from an unsigned integer's digit text (`None` for zero).
    fn from_integer_text(neg: bool, text: &str) -> Option<Decimal> {
        Decimal::normalise(neg, text.to_owned(), 0)
    }

    /// Strips leading/trailing zeros; `None` for zero.
    fn normalise(neg: bool, mut digits: String, mut exp: i64) -> Option<Decimal> {
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
    fn exact_from_f64(f: f64) -> Option<Decimal> {
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
    fn plain_len(digits_len: i64, exp: i64) -> i64 {
        if exp >= 0 {
            digits_len.saturating_add(exp)
        } else if exp.saturating_neg() < digits_len {
            digits_len + 1
        } else {
            exp.saturating_neg().saturating_add(2)
        }
    }

    fn plain_text(&self) -> String {
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
fn cmp_decimal(a: Option<&Decimal>, b: Option<&Decimal>) -> Ordering {
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

impl FromStr for Number {
    type Err = ParseNumberError;

    /// Reads decimal text: an optional sign, digits with an optional fraction, and an
    /// optional exponent (`-12.5e3`); also `Inf`/`Infinity` with an optional sign
    /// (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (neg, body) = match s.as_bytes().first() {
            Some(b'-') => (true, s.get(1..).unwrap_or("")),
            Some(b'+') => (false, s.get(1..).unwrap_or("")),
            _ => (false, s),
        };
        if body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity") {
            return Ok(if neg {
                Number::neg_infinity()
            } else {
                Number::infinity()
            });
        }
        let (mantissa, exponent) = match body.find(['e', 'E']) {
            Some(i) => (
                body.get(..i).unwrap_or(""),
                Some(body.get(i + 1..).unwrap_or("")),
            ),
            None => (body, None),
        };
        let (int_part, frac_part) = match mantissa.find('.') {
            Some(i) => (
                mantissa.get(..i).unwrap_or(""),
                mantissa.get(i + 1..).unwrap_or(""),
            ),
            None => (mantissa, ""),
        };
        let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(ParseNumberError::new(s, "no digits"));
        }
        if !all_digits(int_part) || !all_digits(frac_part) {
            return Err(ParseNumberError::new(s, "not a decimal number"));
        }
        let exp: i64 = match exponent {
            None => 0,
            Some(e) => {
                let (eneg, edigits) = match e.as_bytes().first() {
                    Some(b'-') => (true, e.get(1..).unwrap_or("")),
                    Some(b'+') => (false, e.get(1..).unwrap_or("")),
                    _ => (false, e),
                };
                if edigits.is_empty() || !all_digits(edigits) {
                    return Err(ParseNumberError::new(s, "malformed exponent"));
                }
                // Saturate: anything this large is out of range unless the mantissa is zero.
                let mut v: i64 = 0;
                for b in edigits.bytes() {
                    v = v.saturating_mul(10).saturating_add(i64::from(b - b'0'));
                }
                v = v.min(1 << 40);
                if eneg { -v } else { v }
            }
        };
        if int_part.len() + frac_part.len() > 2 * MAX_DECIMAL_LEN {
            return Err(ParseNumberError::new(s, "too many digits"));
        }
        let mut digits = String::with_capacity(int_part.len() + frac_part.len());
        digits.push_str(int_part);
        digits.push_str(frac_part);
        let exp = exp - frac_part.len() as i64;
        let Some(d) = Decimal::normalise(neg, digits, exp) else {
            return Ok(Number::from_i64(0));
        };
        let len = Decimal::plain_len(d.digits.len() as i64, d.exp);
        if len > MAX_DECIMAL_LEN as i64 {
            return Err(ParseNumberError::new(s, "out of the supported range"));
        }
        Ok(Number::from_decimal(Some(d)))
    }
}

impl fmt::Display for Number {
    /// The exact value as plain decimal text (no exponent); `+Inf`, `-Inf`, `NaN`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Int(i) => write!(f, "{i}"),
            Repr::Float(x) if x.is_nan() => f.write_str("NaN"),
            Repr::Float(x) if x.is_infinite() => {
                f.write_str(if *x > 0.0 { "+Inf" } else { "-Inf" })
            }
            Repr::Float(x) => match Decimal::exact_from_f64(*x) {
                Some(d) => f.write_str(&d.plain_text()),
                None => f.write_str("0"),
            },
            Repr::Big(d) => f.write_str(&d.plain_text()),
        }
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Int(i) => write!(f, "Number({i})"),
            Repr::Float(x) => write!(f, "Number({x:?}f64)"),
            Repr::Big(d) => write!(f, "Number({})", d.plain_text()),
        }
    }
}

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

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        Number::from_i64(i)
    }
}

impl From<i32> for Number {
    fn from(i: i32) -> Self {
        Number::from_i64(i64::from(i))
    }
}

impl From<u32> for Number {
    fn from(i: u32) -> Self {
        Number::from_i64(i64::from(i))
    }
}

impl From<u64> for Number {
    fn from(u: u64) -> Self {
        Number::from_u64(u)
    }
}

impl From<f64> for Number {
    fn from(f: f64) -> Self {
        Number::from_f64(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        match s.parse::<Number>() {
            Ok(n) => n,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn canonical_representations() {
        assert_eq!(n("42").as_i64(), Some(42));
        assert_eq!(n("4.2e1").as_i64(), Some(42));
        assert_eq!(n("-0").as_i64(), Some(0));
        assert_eq!(Number::from_f64(-0.0).as_i64(), Some(0));
        assert_eq!(Number::from_f64(3.0), Number::from_i64(3));
        assert!(matches!(n("0.5").0, Repr::Float(f) if f == 0.5));
        assert!(matches!(n("0.1").0, Repr::Big(_)));
        assert!(matches!(n("1e20").0, Repr::Float(f) if f == 1e20));
        assert!(matches!(
            n("123456789012345678901234567890").0,
            Repr::Big(_)
        ));
        assert!(matches!(n("9223372036854775808").0, Repr::Float(_)));
        assert!(matches!(n("9223372036854775809").0, Repr::Big(_)));
        assert_eq!(n("-9223372036854775808").as_i64(), Some(i64::MIN));
    }

    #[test]
    fn display_is_exact_and_round_trips() {
        for s in [
            "0",
            "-17",
            "0.5",
            "-0.000123",
            "123456789012345678901234567890",
            "0.1000000000000000000001",
            "100000000000000000000",
            "+Inf",
            "-Inf",
        ] {
            assert_eq!(n(s).to_string(), s);
            assert_eq!(n(&n(s).to_string()), n(s));
        }
        assert_eq!(
            Number::from_f64(0.1).to_string(),
            "0.1000000000000000055511151231257827021181583404541015625"
        );
        let tiny = Number::from_f64(f64::from_bits(1));
        assert_eq!(n(&tiny.to_string()), tiny);
        let big = Number::from_f64(f64::MAX);
        assert_eq!(n(&big.to_string()), big);
    }

    #[test]
    fn numeric_order() {
        let mut v = vec![
            n("0.1"),
            Number::from_f64(0.1),
            n("-1e30"),
            Number::from_i64(i64::MAX),
            n("9223372036854775808"),
            n("9223372036854775807.5"),
            Number::from_f64(f64::NAN),
            Number::infinity(),
            Number::neg_infinity(),
            n("0"),
            n("-0.5"),
        ];
        v.sort();
        let text: Vec<String> = v.iter().map(|x| x.to_string()).collect();
        assert_eq!(
            text,
            [
                "-Inf",
                "-1000000000000000000000000000000",
                "-0.5",
                "0",
                "0.1",
                "0.1000000000000000055511151231257827021181583404541015625",
                "9223372036854775807",
                "9223372036854775807.5",
                "9223372036854775808",
                "+Inf",
                "NaN"
            ]
        );
        assert_eq!(Number::from_f64(f64::NAN), Number::from_f64(f64::NAN));
    }

    #[test]
    fn rejects_garbage_and_huge() {
        for s in [
            "", "-", "abc", "1.2.3", "1e", "e5", "0x10", "1_000", " 1", "NaN",
        ] {
            assert!(s.parse::<Number>().is_err(), "{s:?}");
        }
        assert!("1e999999999999999999".parse::<Number>().is_err());
        assert_eq!(n("0e999999999999999999"), Number::from_i64(0));
        assert!("1e-5000".parse::<Number>().is_err());
    }

    #[test]
    fn conversions() {
        assert_eq!(n("0.1").as_f64(), Some(0.1));
        assert_eq!(
            Number::from_u64(u64::MAX).to_string(),
            "18446744073709551615"
        );
        assert_eq!(Number::from_u64(u64::MAX).as_u64(), Some(u64::MAX));
        assert_eq!(n("1e400").as_f64(), None);
        assert!(n("1e400").is_integer());
    }
}
