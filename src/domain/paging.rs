//! Page numbers from requests, bounded before they reach a query: a huge
//! page times the page size must not overflow into a negative OFFSET.
use crate::error::AppError;

/// Far beyond any real table (a million pages), far below overflow.
pub const MAX_PAGE: u64 = 1_000_000;

/// A zero-based page number that is safe to multiply by any page size we use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageNumber(u64);

impl PageNumber {
    pub fn parse(page: u64) -> Result<Self, AppError> {
        if page > MAX_PAGE {
            return Err(AppError::invalid(format!("Page numbers go up to {MAX_PAGE}.")));
        }
        Ok(Self(page))
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_pages() {
        assert_eq!(PageNumber::parse(0).unwrap().get(), 0);
        assert_eq!(PageNumber::parse(MAX_PAGE).unwrap().get(), MAX_PAGE);
        assert!(PageNumber::parse(MAX_PAGE + 1).is_err());
        assert!(PageNumber::parse(u64::MAX).is_err());
        // The largest page times a generous page size still fits an i64 OFFSET.
        assert!(MAX_PAGE.checked_mul(1_000).is_some_and(|o| o < i64::MAX as u64));
    }
}
