//! Reading numbers from decimal text.

use std::str::FromStr;

use super::decimal::Decimal;
use super::{MAX_DECIMAL_LEN, Number};

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
