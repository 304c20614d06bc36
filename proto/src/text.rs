//! How Mesos writes a double as text: C++ `ostream` (`%g`) formatting.
//!
//! Flags, durations and resources in Mesos's text forms and endpoints are
//! printed by C++ streams in the "general" notation: fixed point when the
//! exponent is small, scientific otherwise, never trailing zeros. Durations
//! and scalar resources use 15 significant digits, plain doubles the stream
//! default of 6.

/// Formats `value` like C's `%.{precision}g`.
pub fn format_general(value: f64, precision: usize) -> String {
    // Zero (of either sign) and non-finite values have no digits to round.
    if value == 0.0 || !value.is_finite() {
        return if value == 0.0 {
            "0".to_owned()
        } else {
            value.to_string()
        };
    }
    let precision = precision.max(1);
    let scientific = format!("{:.*e}", precision - 1, value);
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("`{:e}` output always has an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` exponent is an integer");
    let limit = i32::try_from(precision).unwrap_or(i32::MAX);
    if exponent < -4 || exponent >= limit {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{}e{sign}{:02}",
            strip_trailing_zeros(mantissa),
            exponent.unsigned_abs()
        )
    } else {
        let decimals = usize::try_from(limit - 1 - exponent).unwrap_or(0);
        strip_trailing_zeros(&format!("{value:.decimals$}")).to_owned()
    }
}

fn strip_trailing_zeros(number: &str) -> &str {
    if number.contains('.') {
        number.trim_end_matches('0').trim_end_matches('.')
    } else {
        number
    }
}

#[cfg(test)]
mod tests {
    use super::format_general;

    #[test]
    fn matches_printf_general_notation() {
        assert_eq!(format_general(0.8, 6), "0.8");
        assert_eq!(format_general(1.0, 6), "1");
        assert_eq!(format_general(0.123456789, 6), "0.123457");
        assert_eq!(format_general(1234567.0, 6), "1.23457e+06");
        assert_eq!(format_general(0.00001, 6), "1e-05");
        assert_eq!(format_general(9.9999999, 6), "10");
        assert_eq!(format_general(1.5, 15), "1.5");
        assert_eq!(format_general(2.0 / 3.0, 15), "0.666666666666667");
        assert_eq!(format_general(-2.5, 6), "-2.5");
        assert_eq!(format_general(0.0, 6), "0");
    }
}
