//! A payment card as Plinth keeps it: brand, last four digits, expiry and
//! the name on it. The number is checked (digits, length, Luhn) and then
//! dropped: `Card::parse` returns no field that holds it, and its errors
//! never repeat it.
use crate::error::AppError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub brand: String,
    pub last4: String,
    pub exp_month: u32,
    pub exp_year: i32,
    pub name: String,
}

impl Card {
    /// Check a card typed into the form, at `today` (year, month).
    pub fn parse(number: &str, expiry: &str, name: &str, today: (i32, u32)) -> Result<Card, AppError> {
        let digits: String = number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.is_empty() {
            return Err(AppError::invalid("Enter the card number."));
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) || !(12..=19).contains(&digits.len()) {
            return Err(AppError::invalid("A card number is 12 to 19 digits (spaces and dashes are fine)."));
        }
        if !luhn(&digits) {
            return Err(AppError::invalid("That card number is not valid: check it for a mistyped digit."));
        }
        let (exp_month, exp_year) = parse_expiry(expiry)?;
        if (exp_year, exp_month) < today {
            return Err(AppError::invalid("That card has expired: enter one whose expiry is this month or later."));
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || crate::domain::text::has_hidden(name) {
            return Err(AppError::invalid("Enter the name on the card (up to 100 characters)."));
        }
        Ok(Card { brand: brand(&digits).into(), last4: digits[digits.len() - 4..].to_string(), exp_month, exp_year, name: name.to_string() })
    }

    /// "Visa •••• 4242".
    pub fn label(&self) -> String {
        format!("{} •••• {}", self.brand, self.last4)
    }

    /// "04/2028".
    pub fn expiry(&self) -> String {
        format!("{:02}/{}", self.exp_month, self.exp_year)
    }
}

/// The Luhn check digit test, on ASCII digits.
pub fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The brand from the number's first digits (IIN ranges).
fn brand(digits: &str) -> &'static str {
    let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u32>().ok()).unwrap_or(0);
    match (prefix(1), prefix(2), prefix(3), prefix(4), prefix(6)) {
        (4, ..) => "Visa",
        (_, 51..=55, ..) | (_, _, _, 2221..=2720, _) => "Mastercard",
        (_, 34 | 37, ..) => "American Express",
        (_, 65, ..) | (_, _, 644..=649, ..) | (_, _, _, 6011, _) => "Discover",
        (_, _, _, 3528..=3589, _) => "JCB",
        (_, 62, ..) => "UnionPay",
        _ => "Card",
    }
}

/// "MM/YY", "MM/YYYY" or "MM-YY"; month 1 to 12.
fn parse_expiry(s: &str) -> Result<(u32, i32), AppError> {
    let bad = || AppError::invalid("Enter the expiry as MM/YY, for example 04/28.");
    let (m, y) = s.trim().split_once(['/', '-']).ok_or_else(bad)?;
    let (m, y) = (m.trim(), y.trim());
    if !(1..=2).contains(&m.len()) || !(y.len() == 2 || y.len() == 4) || !m.bytes().chain(y.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let month: u32 = m.parse().map_err(|_| bad())?;
    let year: i32 = y.parse().map_err(|_| bad())?;
    let year = if y.len() == 2 { 2000 + year } else { year };
    if !(1..=12).contains(&month) || !(2000..=2099).contains(&year) {
        return Err(bad());
    }
    Ok((month, year))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: (i32, u32) = (2026, 12);

    #[test]
    fn numbers_pass_luhn_and_keep_only_their_last_four() {
        let card = Card::parse("4242 4242 4242 4242", "04/28", " Ada Lovelace ", TODAY).unwrap();
        assert_eq!(card, Card { brand: "Visa".into(), last4: "4242".into(), exp_month: 4, exp_year: 2028, name: "Ada Lovelace".into() });
        assert_eq!((card.label(), card.expiry()), ("Visa •••• 4242".into(), "04/2028".into()));
        for (number, brand) in [
            ("5555-5555-5555-4444", "Mastercard"),
            ("2223003122003222", "Mastercard"),
            ("378282246310005", "American Express"),
            ("6011111111111117", "Discover"),
            ("3530111333300000", "JCB"),
            ("6200000000000005", "UnionPay"),
        ] {
            assert_eq!(Card::parse(number, "12/26", "A", TODAY).unwrap().brand, brand, "{number}");
        }
    }

    #[test]
    fn bad_cards_are_refused_without_repeating_the_number() {
        for number in ["4242 4242 4242 4241", "1234", "4242-4242-4242-424x", "", "42424242424242424242424", "４２４２４２４２４２４２４２４２"]
        {
            let err = Card::parse(number, "04/28", "A", TODAY).unwrap_err();
            assert_eq!(err.status_code(), 422, "{number}");
            assert!(!err.to_string().contains("4242"), "{err}");
        }
    }

    #[test]
    fn the_expiry_is_this_month_or_later() {
        assert!(Card::parse("4242424242424242", "12/26", "A", TODAY).is_ok(), "this month still works");
        assert!(Card::parse("4242424242424242", "12/2026", "A", TODAY).is_ok());
        for expiry in ["11/26", "01/2026", "13/27", "00/27", "4/2", "0428", "04/28/1", "ab/cd", "", "04/1999"] {
            assert_eq!(Card::parse("4242424242424242", expiry, "A", TODAY).unwrap_err().status_code(), 422, "{expiry}");
        }
    }

    #[test]
    fn the_name_is_printable_and_short() {
        for name in ["", "   ", "A\u{200b}B", &"n".repeat(101)] {
            assert!(Card::parse("4242424242424242", "04/28", name, TODAY).is_err(), "{name:?}");
        }
    }

    #[test]
    fn luhn_on_known_numbers() {
        assert!(luhn("79927398713"));
        assert!(!luhn("79927398710"));
        assert!(luhn("0"));
    }
}
