//! Billing periods: calendar months that start at 00:00 on the 1st in the
//! organization's billing time zone (an IANA name), as UTC instants.
use crate::error::AppError;
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// `[start, end)`, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// An IANA time zone name, as the organization's settings hold it.
pub fn parse_zone(name: &str) -> Result<Tz, AppError> {
    name.trim().parse::<Tz>().map_err(|_| AppError::invalid("Choose a time zone by its IANA name, such as Europe/Paris or America/New_York."))
}

/// An organization's billing zone. One stored by an older tzdata that no
/// longer parses counts as UTC.
pub fn zone_of(org: &crate::server::entities::organization::Model) -> Tz {
    parse_zone(&org.billing_time_zone).unwrap_or(chrono_tz::UTC)
}

/// The first instant of `date` in `tz`. Where a clock change skips
/// midnight (America/Havana springs from 00:00 to 01:00), the day starts at
/// its first minute that exists; where midnight comes twice, at the first.
pub fn day_start(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    for minutes in (0..=180).step_by(15) {
        match tz.from_local_datetime(&(midnight + Duration::minutes(minutes))) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
            LocalResult::None => continue,
        }
    }
    // No zone skips three hours; keep the wall time as if it were UTC.
    midnight.and_utc()
}

fn month_start(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default()
}

fn next_month(d: NaiveDate) -> NaiveDate {
    if d.month() == 12 { month_start(d.year() + 1, 1) } else { month_start(d.year(), d.month() + 1) }
}

/// The period that holds `at`.
pub fn containing(at: DateTime<Utc>, tz: Tz) -> Period {
    let local = at.with_timezone(&tz).date_naive();
    let first = month_start(local.year(), local.month());
    let start = day_start(first, tz);
    // Where the 1st starts late (a skipped midnight), `at` may fall before it.
    if at < start {
        let prev = if first.month() == 1 { month_start(first.year() - 1, 12) } else { month_start(first.year(), first.month() - 1) };
        return Period { start: day_start(prev, tz), end: start };
    }
    Period { start, end: day_start(next_month(first), tz) }
}

/// The days left in the period that holds `now`, counting today (an
/// upgrade on the period's last day pays for one), and its days: calendar
/// days in `tz`, so a DST day counts as one.
pub fn days_left(now: DateTime<Utc>, tz: Tz) -> (i64, i64) {
    let p = containing(now, tz);
    let days = p.days(tz);
    let left = (p.end.with_timezone(&tz).date_naive() - now.with_timezone(&tz).date_naive()).num_days();
    (left.clamp(1, days), days)
}

/// A day as people read it, in `tz`: "1 Jan 2027".
pub fn day_label(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%-d %b %Y").to_string()
}

impl Period {
    /// "1 Dec 2026 – 31 Dec 2026": its first and last day in `tz`.
    pub fn label(self, tz: Tz) -> String {
        format!("{} – {}", day_label(self.start, tz), day_label(self.end - Duration::seconds(1), tz))
    }

    /// The period after this one.
    pub fn next(self, tz: Tz) -> Period {
        containing(self.end, tz)
    }

    /// The period before this one.
    pub fn previous(self, tz: Tz) -> Period {
        containing(self.start - Duration::seconds(1), tz)
    }

    /// Its name: the month it covers in `tz`, `2026-12`.
    pub fn month(self, tz: Tz) -> String {
        self.start.with_timezone(&tz).format("%Y-%m").to_string()
    }

    /// Its calendar days in `tz` (28 to 31).
    pub fn days(self, tz: Tz) -> i64 {
        let first = self.start.with_timezone(&tz).date_naive();
        (next_month(first) - first).num_days()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn zone(s: &str) -> Tz {
        parse_zone(s).unwrap()
    }

    #[test]
    fn a_period_starts_at_local_midnight_on_the_first() {
        let cases = [
            // zone, an instant, the period's start and end
            ("UTC", "2026-03-15T12:00:00Z", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
            // Tokyo is UTC+9: its March starts on February 28th at 15:00 UTC.
            ("Asia/Tokyo", "2026-02-28T16:00:00Z", "2026-02-28T15:00:00Z", "2026-03-31T15:00:00Z"),
            ("Asia/Tokyo", "2026-02-28T14:59:59Z", "2026-01-31T15:00:00Z", "2026-02-28T15:00:00Z"),
            // India is UTC+5:30: half-hour edges.
            ("Asia/Kolkata", "2026-07-31T18:30:00Z", "2026-07-31T18:30:00Z", "2026-08-31T18:30:00Z"),
            ("Asia/Kolkata", "2026-07-31T18:29:59Z", "2026-06-30T18:30:00Z", "2026-07-31T18:30:00Z"),
            // Adelaide, +9:30 in winter and +10:30 in summer (DST starts 4 October 2026).
            ("Australia/Adelaide", "2026-10-15T00:00:00Z", "2026-09-30T14:30:00Z", "2026-10-31T13:30:00Z"),
            // New York: March holds the spring change (UTC−5 → −4), November the autumn one.
            ("America/New_York", "2026-03-20T00:00:00Z", "2026-03-01T05:00:00Z", "2026-04-01T04:00:00Z"),
            ("America/New_York", "2026-11-20T00:00:00Z", "2026-11-01T04:00:00Z", "2026-12-01T05:00:00Z"),
            // A leap year's February has 29 days.
            ("Europe/Paris", "2028-02-29T22:59:59Z", "2028-01-31T23:00:00Z", "2028-02-29T23:00:00Z"),
            ("Europe/Paris", "2028-02-29T23:00:00Z", "2028-02-29T23:00:00Z", "2028-03-31T22:00:00Z"),
            // December to January crosses the year.
            ("UTC", "2026-12-31T23:59:59Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ];
        for (tz, at, start, end) in cases {
            let p = containing(utc(at), zone(tz));
            assert_eq!((p.start, p.end), (utc(start), utc(end)), "{tz} {at}");
            assert!(p.start <= utc(at) && utc(at) < p.end);
        }
    }

    #[test]
    fn a_skipped_midnight_starts_the_day_at_its_first_minute() {
        // Havana springs forward at 00:00 on 8 March 2026: the day starts at 01:00 CDT (05:00 UTC).
        assert_eq!(day_start(NaiveDate::from_ymd_opt(2026, 3, 8).unwrap(), zone("America/Havana")), utc("2026-03-08T05:00:00Z"));
    }

    #[test]
    fn periods_follow_each_other_without_gap_or_overlap() {
        for tz in ["UTC", "Asia/Tokyo", "Asia/Kolkata", "America/New_York", "Australia/Lord_Howe", "America/Havana", "Pacific/Chatham"] {
            let tz = zone(tz);
            let mut p = containing(utc("2025-12-15T00:00:00Z"), tz);
            for _ in 0..40 {
                let next = p.next(tz);
                assert_eq!(next.start, p.end);
                assert_eq!(next.previous(tz), p);
                assert!((28..=31).contains(&p.days(tz)));
                assert_ne!(next.month(tz), p.month(tz));
                p = next;
            }
        }
    }

    #[test]
    fn a_period_is_named_by_its_local_month() {
        // 19:00 UTC on 31 July is already August in India.
        let at = utc("2026-07-31T19:00:00Z");
        assert_eq!(containing(at, zone("Asia/Kolkata")).month(zone("Asia/Kolkata")), "2026-08");
        assert_eq!(containing(at, zone("UTC")).month(zone("UTC")), "2026-07");
        assert_eq!(containing(utc("2026-12-31T15:00:00Z"), zone("Asia/Tokyo")).month(zone("Asia/Tokyo")), "2027-01");
    }

    #[test]
    fn days_left_count_today_in_the_zone() {
        // 15:30 UTC on 31 March is already 1 April in Tokyo: a whole April left.
        assert_eq!(days_left(utc("2026-03-31T15:30:00Z"), zone("Asia/Tokyo")), (30, 30));
        assert_eq!(days_left(utc("2026-03-31T14:59:00Z"), zone("Asia/Tokyo")), (1, 31), "Tokyo's last day of March");
        // New York's DST day (8 March 2026) is one day, of 23 hours.
        assert_eq!(days_left(utc("2026-03-08T12:00:00Z"), zone("America/New_York")), (24, 31));
        // Kolkata, half an hour either side of its midnight.
        assert_eq!(days_left(utc("2026-06-30T18:29:00Z"), zone("Asia/Kolkata")), (1, 30));
        assert_eq!(days_left(utc("2026-06-30T18:30:00Z"), zone("Asia/Kolkata")), (31, 31));
        // The first and last instants of a UTC period.
        assert_eq!(days_left(utc("2026-02-01T00:00:00Z"), zone("UTC")), (28, 28));
        assert_eq!(days_left(utc("2026-02-28T23:59:59Z"), zone("UTC")), (1, 28));
    }

    #[test]
    fn days_count_the_local_month() {
        assert_eq!(containing(utc("2028-02-10T00:00:00Z"), zone("Asia/Tokyo")).days(zone("Asia/Tokyo")), 29);
        assert_eq!(containing(utc("2026-02-10T00:00:00Z"), zone("UTC")).days(zone("UTC")), 28);
        assert_eq!(containing(utc("2026-03-10T00:00:00Z"), zone("America/New_York")).days(zone("America/New_York")), 31);
    }

    #[test]
    fn a_zone_is_an_iana_name() {
        assert!(parse_zone("Europe/Paris").is_ok());
        assert!(parse_zone(" Asia/Tokyo ").is_ok());
        for bad in ["", "CEST+2", "Mars/Olympus", "europe/paris\0"] {
            assert_eq!(parse_zone(bad).unwrap_err().status_code(), 422, "{bad:?}");
        }
    }
}
