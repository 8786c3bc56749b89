//! `xs:dateTime` instants as SAML uses them.
//!
//! SAML core §1.3.3 says every time value is an `xs:dateTime` in UTC. IdPs write it with a
//! `Z` (most), with no zone at all (allowed by the spec) and, rarely, with a numeric offset;
//! all three are accepted. The crate never reads the clock: callers hand `now` in as a
//! [`std::time::SystemTime`] and it is converted with [`Timestamp::from`].

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awsfed_policy::civil::{civil_from_days, days_from_civil, days_in_month};
use serde::{Serialize, Serializer};

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// An instant with nanosecond precision, counted from the Unix epoch in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    unix_nanos: i128,
}

impl Timestamp {
    /// Parses an `xs:dateTime` (`2016-09-10T02:59:39.387Z`). Returns `None` when the text
    /// is not one; the caller knows which field it was and builds the error.
    pub fn parse_xs_datetime(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        // The fixed part: YYYY-MM-DDTHH:MM:SS is 19 bytes.
        if bytes.len() < 19
            || bytes[4] != b'-'
            || bytes[7] != b'-'
            || bytes[10] != b'T'
            || bytes[13] != b':'
            || bytes[16] != b':'
        {
            return None;
        }
        let year = digits(&bytes[0..4])?;
        let month = digits(&bytes[5..7])?;
        let day = digits(&bytes[8..10])?;
        let hour = digits(&bytes[11..13])?;
        let minute = digits(&bytes[14..16])?;
        let second = digits(&bytes[17..19])?;
        if !(1..=12).contains(&month)
            || day < 1
            || i64::from(day) > days_in_month(i64::from(year), i64::from(month))
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }

        let mut rest = &bytes[19..];
        let mut nanos: i128 = 0;
        if let Some(fraction) = rest.strip_prefix(b".") {
            let len = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
            if len == 0 {
                return None;
            }
            // Digits past nanoseconds carry no meaning for a validity check; they are
            // still required to be digits so that garbage is not silently accepted.
            for (i, digit) in fraction[..len].iter().enumerate() {
                if i < 9 {
                    nanos = nanos * 10 + i128::from(digit - b'0');
                }
            }
            for _ in len..9 {
                nanos *= 10;
            }
            rest = &fraction[len..];
        }

        let offset_seconds: i64 = match rest {
            [] | [b'Z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let hours = digits(&[*h1, *h2])?;
                let minutes = digits(&[*m1, *m2])?;
                if hours > 14 || minutes > 59 {
                    return None;
                }
                let magnitude = i64::from(hours * 3600 + minutes * 60);
                if *sign == b'-' { -magnitude } else { magnitude }
            }
            _ => return None,
        };

        let days = days_from_civil(i64::from(year), i64::from(month), i64::from(day));
        let seconds =
            days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)
                - offset_seconds;
        Some(Self {
            unix_nanos: i128::from(seconds) * NANOS_PER_SECOND + nanos,
        })
    }

    /// Seconds since the Unix epoch (negative before it), rounded towards negative infinity.
    pub fn unix_seconds(&self) -> i64 {
        // A Timestamp comes from a 4-digit year or from a SystemTime, both far inside i64.
        i64::try_from(self.unix_nanos.div_euclid(NANOS_PER_SECOND)).unwrap_or(i64::MAX)
    }

    /// This instant moved by `duration` (later when `forward`), used for clock-skew margins.
    pub(crate) fn shifted(self, duration: Duration, forward: bool) -> Self {
        let delta = i128::try_from(duration.as_nanos()).unwrap_or(i128::MAX / 2);
        let unix_nanos = if forward {
            self.unix_nanos.saturating_add(delta)
        } else {
            self.unix_nanos.saturating_sub(delta)
        };
        Self { unix_nanos }
    }
}

impl From<SystemTime> for Timestamp {
    fn from(time: SystemTime) -> Self {
        let unix_nanos = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX / 2),
            Err(before) => -i128::try_from(before.duration().as_nanos()).unwrap_or(i128::MAX / 2),
        };
        Self { unix_nanos }
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, with milliseconds only when the instant has a fraction, so that
    /// output reads like the IdP's own timestamps.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.unix_nanos.div_euclid(NANOS_PER_SECOND);
        let nanos = self.unix_nanos.rem_euclid(NANOS_PER_SECOND);
        let days = i64::try_from(seconds.div_euclid(86_400)).unwrap_or(0);
        let second_of_day = seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        )?;
        if nanos != 0 {
            if nanos % 1_000_000 == 0 {
                write!(f, ".{:03}", nanos / 1_000_000)?;
            } else {
                write!(f, ".{nanos:09}")?;
            }
        }
        f.write_str("Z")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        Timestamp::parse_xs_datetime(text).expect(text)
    }

    #[test]
    fn parses_the_forms_idps_send() {
        assert_eq!(ts("1970-01-01T00:00:00Z").unix_seconds(), 0);
        assert_eq!(
            ts("2016-09-10T02:59:39.387Z").to_string(),
            "2016-09-10T02:59:39.387Z"
        );
        assert_eq!(
            ts("2016-09-10T02:59:39Z").to_string(),
            "2016-09-10T02:59:39Z"
        );
        // No zone is UTC (SAML core 1.3.3).
        assert_eq!(ts("2016-09-10T02:59:39"), ts("2016-09-10T02:59:39Z"));
        assert_eq!(ts("2016-09-10T04:59:39+02:00"), ts("2016-09-10T02:59:39Z"));
        assert_eq!(
            ts("2020-02-29T23:59:59.123456789Z").to_string(),
            "2020-02-29T23:59:59.123456789Z"
        );
        assert_eq!(ts("1969-12-31T23:59:59Z").unix_seconds(), -1);
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "This-is-invalid-2016-09-10F32:59:39.387Z",
            "2016-09-10F02:59:39Z",
            "2016-13-10T02:59:39Z",
            "2019-02-29T02:59:39Z",
            "2016-09-10T24:00:00Z",
            "2016-09-10T02:59:39.Z",
            "2016-09-10T02:59:39ZZ",
            "2016-09-10T02:59:39+0200",
            "２016-09-10T02:59:39Z",
        ] {
            assert_eq!(Timestamp::parse_xs_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn system_time_round_trip() {
        let t = UNIX_EPOCH + Duration::from_millis(1_473_476_379_387);
        assert_eq!(Timestamp::from(t), ts("2016-09-10T02:59:39.387Z"));
    }
}
