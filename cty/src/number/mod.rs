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
//! [`Display`](std::fmt::Display) writes the *exact* decimal value with no exponent (so a
//! float such as `0.1f64` prints its full binary expansion), and
//! [`FromStr`](std::str::FromStr) reads it back to the identical `Number`.

mod decimal;
mod format;
mod order;
mod parse;
#[cfg(test)]
mod tests;

use decimal::Decimal;
pub use parse::ParseNumberError;

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
