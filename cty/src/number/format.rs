//! Writing numbers as exact decimal text.

use std::fmt;

use super::decimal::Decimal;
use super::{Number, Repr};

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
