//! Money as integer nano-dollars (10⁻⁹ USD). One token costs about 10⁻⁷ USD,
//! so cents or micro-dollars would round small events away; an i64 still
//! holds 9.2 billion dollars. Decimals are parsed from their text, never
//! through a float, so sums stay exact.
use serde::{Deserialize, Serialize};

pub const NANOS_PER_USD: i64 = 1_000_000_000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Nanos(pub i64);

impl Nanos {
    /// A non-negative decimal number of dollars, written as JSON writes
    /// numbers (`0.0012`, `12`, `1.5e-6`), exactly. More precision than a
    /// nano-dollar, a negative amount or one past i64 is refused.
    pub fn parse_usd(text: &str) -> Result<Self, String> {
        let bad = || format!("must be a non-negative decimal number of dollars, not {}", clip(text));
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(i) => (&text[..i], text[i + 1..].parse::<i32>().map_err(|_| bad())?),
            None => (text, 0),
        };
        let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits_ok(whole) || !digits_ok(frac) || (mantissa.contains('.') && frac.is_empty()) {
            return Err(bad());
        }
        // The value is digits × 10^(exponent − frac.len()); in nanos, shift by 9 more.
        let digits = format!("{whole}{frac}");
        let digits = digits.trim_start_matches('0');
        let shift = i64::from(exponent) - frac.len() as i64 + 9;
        if digits.is_empty() {
            return Ok(Self(0));
        }
        if shift < 0 {
            let cut = (-shift) as usize;
            if cut >= digits.len() || digits[digits.len() - cut..].bytes().any(|b| b != b'0') {
                return Err("is more precise than a nano-dollar (9 decimals)".into());
            }
            return digits[..digits.len() - cut].parse::<i64>().map(Self).map_err(|_| too_large());
        }
        if digits.len() as i64 + shift > 19 {
            return Err(too_large());
        }
        let base: i64 = digits.parse().map_err(|_| too_large())?;
        base.checked_mul(10i64.pow(shift as u32)).map(Self).ok_or_else(too_large)
    }

    /// Dollars with nine decimals, trailing zeros dropped down to two: "0.000123", "12.50".
    pub fn usd_exact(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let n = self.0.unsigned_abs();
        let (whole, frac) = (n / NANOS_PER_USD as u64, n % NANOS_PER_USD as u64);
        let mut frac = format!("{frac:09}");
        while frac.len() > 2 && frac.ends_with('0') {
            frac.pop();
        }
        format!("{sign}{whole}.{frac}")
    }

    /// For people: "$12.35", and small amounts with enough digits to not read
    /// as zero ("$0.00012"). A sum that reached the ceiling reads "≥ $…":
    /// it is a floor, not a figure (no single call costs that much).
    pub fn usd_display(self) -> String {
        if self.is_capped() {
            return format!("≥ {}", Self(i64::MAX - 1).usd_display());
        }
        let n = self.0;
        if n != 0 && n.abs() < NANOS_PER_USD / 100 {
            let exact = self.usd_exact();
            // Keep the first two significant digits of a sub-cent amount.
            let (head, frac) = exact.split_once('.').unwrap_or((&exact, ""));
            let first = frac.find(|c| c != '0').unwrap_or(0);
            let end = (first + 2).min(frac.len());
            return format!("{}${}.{}", if head.starts_with('-') { "-" } else { "" }, head.trim_start_matches('-'), &frac[..end]);
        }
        // Round half away from zero to the cent.
        let cents = (n as i128 * 100 + n.signum() as i128 * (NANOS_PER_USD as i128 / 2)) / NANOS_PER_USD as i128;
        let sign = if cents < 0 { "-" } else { "" };
        let c = cents.unsigned_abs();
        format!("{sign}${}.{:02}", count((c / 100) as i64), c % 100)
    }

    pub fn checked_add(self, other: Self) -> Option<Self> {
        self.0.checked_add(other.0).map(Self)
    }

    /// The largest amount a sum can hold: sums stop here instead of
    /// overflowing, and an amount here is shown as capped, never as exact.
    pub const CAPPED: Self = Self(i64::MAX);

    pub fn is_capped(self) -> bool {
        self == Self::CAPPED
    }

    pub fn saturating_add(self, other: Self) -> Self {
        Self(self.0.saturating_add(other.0))
    }
}

/// Cost of tokens at prices in nano-dollars per million tokens, rounded half
/// up to the nano-dollar; `None` when it would not fit.
pub fn token_cost(input_tokens: i64, output_tokens: i64, input_per_million: Nanos, output_per_million: Nanos) -> Option<Nanos> {
    let total = input_tokens as i128 * input_per_million.0 as i128 + output_tokens as i128 * output_per_million.0 as i128;
    let rounded = (total + 500_000) / 1_000_000;
    i64::try_from(rounded).ok().map(Nanos)
}

fn too_large() -> String {
    "is too large (at most 9,223,372,036 dollars)".into()
}

fn clip(text: &str) -> String {
    let short: String = text.chars().take(40).collect();
    if short.len() < text.len() { format!("{short}…") } else { short }
}

/// A count for people: 1234567 as "1,234,567".
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::from(if n < 0 { "-" } else { "" });
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `part` of `whole` in hundredths of a percent, rounded down: integers,
/// so a share shown as text never carries a float's error.
pub fn basis_points(part: i64, whole: i64) -> i64 {
    if whole <= 0 { 0 } else { (part.max(0) as i128 * 10_000 / whole as i128).clamp(0, 10_000) as i64 }
}

/// Basis points as a percentage with one decimal: 1234 → "12.3%".
pub fn percent(bp: i64) -> String {
    format!("{}.{}%", bp / 100, bp % 100 / 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_integer_percentages() {
        assert_eq!((basis_points(1, 3), basis_points(2, 3), basis_points(5, 0), basis_points(-1, 3)), (3_333, 6_666, 0, 0));
        assert_eq!(basis_points(i64::MAX, i64::MAX), 10_000);
        assert_eq!([3_333, 10_000, 5, 0].map(percent), ["33.3%", "100.0%", "0.0%", "0.0%"]);
    }

    #[test]
    fn decimals_parse_exactly() {
        let ok = |s: &str| Nanos::parse_usd(s).unwrap().0;
        assert_eq!(ok("0"), 0);
        assert_eq!(ok("12"), 12 * NANOS_PER_USD);
        assert_eq!(ok("0.1"), 100_000_000);
        assert_eq!(ok("0.000000001"), 1);
        assert_eq!(ok("0.0000001230"), 123);
        assert_eq!(ok("1.5e-6"), 1_500);
        assert_eq!(ok("2E3"), 2_000 * NANOS_PER_USD);
        assert_eq!(ok("9223372036.854775807"), i64::MAX);
        // 0.1 + 0.2 as floats is 0.30000000000000004; as nanos it is exact.
        assert_eq!(ok("0.1") + ok("0.2"), ok("0.3"));
    }

    #[test]
    fn bad_decimals_are_refused() {
        for s in ["", "-1", "+1", "1.", ".5", "abc", "1e", "1e999999999999", "0x10", "1,5", "NaN", "Infinity", "1.2.3", " 1"] {
            assert!(Nanos::parse_usd(s).is_err(), "{s:?} parsed");
        }
        assert!(Nanos::parse_usd("0.0000000001").unwrap_err().contains("nano-dollar"));
        assert!(Nanos::parse_usd("9223372036.854775808").unwrap_err().contains("too large"));
        assert!(Nanos::parse_usd("1e30").unwrap_err().contains("too large"));
        assert!(Nanos::parse_usd(&"9".repeat(5000)).unwrap_err().contains("too large"));
        assert_eq!(Nanos::parse_usd("0e999999").unwrap(), Nanos(0));
    }

    #[test]
    fn amounts_print_for_machines_and_people() {
        assert_eq!(Nanos(0).usd_exact(), "0.00");
        assert_eq!(Nanos(123).usd_exact(), "0.000000123");
        assert_eq!(Nanos(12_500_000_000).usd_exact(), "12.50");
        assert_eq!(Nanos(12_345_000_000).usd_display(), "$12.35");
        assert_eq!(Nanos(1_234_567_890_000_000).usd_display(), "$1,234,567.89");
        assert_eq!(Nanos(120_000).usd_display(), "$0.00012");
        assert_eq!(Nanos(0).usd_display(), "$0.00");
        assert_eq!(Nanos(-5_000_000_000).usd_display(), "-$5.00");
        assert_eq!(Nanos(i64::MAX - 1).usd_display(), "$9,223,372,036.85");
        assert_eq!(Nanos(i64::MAX).usd_display(), "≥ $9,223,372,036.85", "a sum at the ceiling is a floor");
        assert!(Nanos(i64::MAX - 5).saturating_add(Nanos(10)).is_capped());
        assert_eq!((count(0), count(999), count(1000), count(-1_234_567)), ("0".into(), "999".into(), "1,000".into(), "-1,234,567".into()));
    }

    #[test]
    fn token_costs_round_half_up_and_never_overflow() {
        // gpt-4o-mini: $0.15 and $0.60 per million tokens.
        let (i, o) = (Nanos(150_000_000), Nanos(600_000_000));
        assert_eq!(token_cost(1_000, 500, i, o), Some(Nanos(450_000)));
        assert_eq!(token_cost(1, 0, i, o), Some(Nanos(150)));
        assert_eq!(token_cost(1, 0, Nanos(500_000), Nanos(0)), Some(Nanos(1)), "half a nano rounds up");
        assert_eq!(token_cost(1, 0, Nanos(499_999), Nanos(0)), Some(Nanos(0)));
        assert_eq!(token_cost(i64::MAX, i64::MAX, Nanos(i64::MAX), Nanos(i64::MAX)), None);
    }
}
