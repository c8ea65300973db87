//! The console's one way to show dates and times.
//!
//! Written out by hand rather than with chrono's `format("%b …")`: these run
//! in the browser too, and chrono's format-string parser and formatter were
//! a sizeable part of the WASM bundle for two fixed layouts.
use chrono::{DateTime, Datelike, Timelike, Utc};

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// "Nov 23, 2026": tables and cards.
pub fn date(d: &DateTime<Utc>) -> String {
    format!("{} {}, {:04}", MONTHS[d.month0() as usize], d.day(), d.year())
}

/// "2026-11-23 14:05:09 UTC": the audit log, where the second matters.
pub fn date_time(d: &DateTime<Utc>) -> String {
    format!("{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC", d.year(), d.month(), d.day(), d.hour(), d.minute(), d.second())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn same_layouts_as_chrono_formats() {
        for (y, m, day, h, min, s) in [(2026, 11, 23, 14, 5, 9), (2024, 2, 29, 0, 0, 0), (999, 1, 1, 23, 59, 59), (2030, 12, 31, 9, 7, 3)] {
            let t = Utc.with_ymd_and_hms(y, m, day, h, min, s).unwrap();
            assert_eq!(date(&t), t.format("%b %-d, %Y").to_string());
            assert_eq!(date_time(&t), t.format("%Y-%m-%d %H:%M:%S UTC").to_string());
        }
    }
}
