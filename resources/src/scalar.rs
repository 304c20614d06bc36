//! Scalar quantities in Mesos's fixed point.
//!
//! Mesos keeps scalar values as doubles on the wire but does all arithmetic
//! and comparison on `round(value * 1000)` as a 64-bit integer, so clients see
//! three decimals of precision and no drift from repeated `+=`/`-=`. We keep
//! the integer itself: a [`Scalar`] is a count of thousandths, arithmetic is
//! integer arithmetic, and the double only exists at the edges (proto, JSON,
//! text).

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};

/// A scalar quantity with Mesos's three-decimal fixed-point semantics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Scalar(i64);

/// Thousandths per unit: the fixed-point scale.
const SCALE: i64 = 1000;

impl Scalar {
    /// Nothing.
    pub const ZERO: Scalar = Scalar(0);

    /// Rounds `value` to the nearest thousandth, halves away from zero, as
    /// Mesos does when it converts a double to fixed point.
    pub fn from_f64(value: f64) -> Scalar {
        // `as` saturates on overflow and maps NaN to 0; validation rejects
        // both long before arithmetic sees them.
        Scalar((value * SCALE as f64).round() as i64)
    }

    /// A whole number of units (ports counted, set items, ...).
    pub fn from_units(units: u64) -> Scalar {
        Scalar(
            i64::try_from(units)
                .unwrap_or(i64::MAX)
                .saturating_mul(SCALE),
        )
    }

    /// A scalar of exactly `milli` thousandths.
    pub const fn from_milli(milli: i64) -> Scalar {
        Scalar(milli)
    }

    /// The fixed-point representation: thousandths of a unit.
    pub const fn milli(self) -> i64 {
        self.0
    }

    /// The value as a double, exact to three decimals.
    pub fn as_f64(self) -> f64 {
        // Integer and fractional parts separately: only the remainder, in
        // [0, 999], goes through a floating-point division, so every value
        // with three decimals comes out as the closest double to itself.
        (self.0 / SCALE) as f64 + (self.0 % SCALE) as f64 / SCALE as f64
    }

    /// Whether the quantity is zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl Add for Scalar {
    type Output = Scalar;
    fn add(self, other: Scalar) -> Scalar {
        Scalar(self.0.saturating_add(other.0))
    }
}

impl Sub for Scalar {
    type Output = Scalar;
    fn sub(self, other: Scalar) -> Scalar {
        Scalar(self.0.saturating_sub(other.0))
    }
}

impl AddAssign for Scalar {
    fn add_assign(&mut self, other: Scalar) {
        *self = *self + other;
    }
}

impl SubAssign for Scalar {
    fn sub_assign(&mut self, other: Scalar) {
        *self = *self - other;
    }
}

impl std::iter::Sum for Scalar {
    fn sum<I: Iterator<Item = Scalar>>(iter: I) -> Scalar {
        iter.fold(Scalar::ZERO, Add::add)
    }
}

/// Writes the value as C++ streams write a double at 15 significant digits
/// (`%.15g`), which is how Mesos prints scalars in logs and endpoints:
/// `4`, `0.5`, `1024`, and exponent form from 1e15 up.
impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&proto::text::format_general(self.as_f64(), 15))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_three_decimals_half_away_from_zero() {
        assert_eq!(Scalar::from_f64(0.0005).milli(), 1);
        assert_eq!(Scalar::from_f64(0.0004).milli(), 0);
        assert_eq!(Scalar::from_f64(1.2345).milli(), 1235);
        assert_eq!(Scalar::from_f64(-0.0005).milli(), -1);
    }

    #[test]
    fn repeated_small_additions_do_not_drift() {
        let mut total = Scalar::ZERO;
        for _ in 0..1000 {
            total += Scalar::from_f64(0.1);
        }
        assert_eq!(total, Scalar::from_f64(100.0));
        assert_eq!(total.as_f64(), 100.0);
    }

    #[test]
    fn displays_like_a_cpp_stream_at_fifteen_digits() {
        assert_eq!(Scalar::from_f64(4.0).to_string(), "4");
        assert_eq!(Scalar::from_f64(0.5).to_string(), "0.5");
        assert_eq!(Scalar::from_f64(1024.0).to_string(), "1024");
        assert_eq!(Scalar::from_f64(0.001).to_string(), "0.001");
        assert_eq!(Scalar::from_f64(1.1119).to_string(), "1.112");
        assert_eq!(Scalar::from_f64(-2.5).to_string(), "-2.5");
        assert_eq!(Scalar::from_f64(1e15).to_string(), "1e+15");
        assert_eq!(
            Scalar::from_f64(1_234_567_890_123.456).to_string(),
            "1234567890123.46"
        );
    }
}
