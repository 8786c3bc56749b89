//! Date values for the `Date*` condition operators: ISO 8601 ("W3C date and time formats") or an
//! epoch in seconds ("IAM JSON policy elements: Condition operators" → "Date condition operators":
//! "You must specify … a date in one of the W3C implementations of the ISO 8601 date formats or in
//! epoch (UNIX) time").

use crate::civil::{days_from_civil, days_in_month};

/// Milliseconds since 1970-01-01T00:00:00Z, or `None` when the text is not a date.
pub fn parse_date_millis(text: &str) -> Option<i64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<i64>().ok()?.checked_mul(1000);
    }
    parse_iso8601(text)
}

fn parse_iso8601(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let slice = text.get(from..from + len)?;
        slice
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| slice.parse().ok())?
    };
    let year = num(0, 4)?;
    let (month, day, mut pos) = match bytes.get(4) {
        None => (1, 1, 4),
        Some(b'-') => {
            let month = num(5, 2)?;
            match bytes.get(7) {
                None => (month, 1, 7),
                Some(b'-') => (month, num(8, 2)?, 10),
                _ => return None,
            }
        }
        _ => return None,
    };
    if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let mut millis = days_from_civil(year, month, day) * 86_400_000;
    if pos == text.len() {
        return Some(millis);
    }
    if bytes.get(pos) != Some(&b'T') {
        return None;
    }
    let hour = num(pos + 1, 2)?;
    if bytes.get(pos + 3) != Some(&b':') {
        return None;
    }
    let minute = num(pos + 4, 2)?;
    pos += 6;
    let mut second = 0;
    let mut fraction_ms = 0;
    if bytes.get(pos) == Some(&b':') {
        second = num(pos + 1, 2)?;
        pos += 3;
        if bytes.get(pos) == Some(&b'.') {
            let start = pos + 1;
            let mut end = start;
            while bytes.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
            if end == start {
                return None;
            }
            let digits = &text[start..end.min(start + 3)];
            fraction_ms = digits.parse::<i64>().ok()? * 10_i64.pow(3 - digits.len() as u32);
            pos = end;
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    millis += ((hour * 60 + minute) * 60 + second) * 1000 + fraction_ms;
    let offset_minutes = match &text[pos..] {
        "Z" | "z" => 0,
        rest => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (h, m) = rest[1..].split_once(':')?;
            if h.len() != 2 || m.len() != 2 {
                return None;
            }
            sign * (h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?)
        }
    };
    Some(millis - offset_minutes * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_and_epoch_forms() {
        assert_eq!(parse_date_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date_millis("0"), Some(0));
        assert_eq!(
            parse_date_millis("2024-02-29T12:30:15Z"),
            Some(1_709_209_815_000)
        );
        assert_eq!(
            parse_date_millis("2024-02-29T12:30:15.5Z"),
            Some(1_709_209_815_500)
        );
        assert_eq!(
            parse_date_millis("2024-02-29T14:30:15+02:00"),
            parse_date_millis("2024-02-29T12:30:15Z")
        );
        assert_eq!(parse_date_millis("2024-02-29"), Some(1_709_164_800_000));
        assert_eq!(
            parse_date_millis("1709209815"),
            parse_date_millis("2024-02-29T12:30:15Z")
        );
        for bad in [
            "",
            "2023-02-29",
            "yesterday",
            "2024-13-01",
            "2024-01-01T25:00Z",
        ] {
            assert_eq!(parse_date_millis(bad), None, "{bad}");
        }
    }
}
