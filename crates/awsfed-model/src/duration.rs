/// Reads a session duration as people write it: `1h`, `90m`, `12h`, `1h30m`, `3600s`, or a bare
/// number of seconds. Returns seconds.
pub fn parse_duration(text: &str) -> Result<u32, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".to_owned());
    }
    if let Ok(seconds) = text.parse::<u32>() {
        return Ok(seconds);
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return Err(format!("unexpected `{c}` in duration `{text}`")),
        };
        let value: u64 = digits
            .parse()
            .map_err(|_| format!("a number must come before `{c}` in duration `{text}`"))?;
        total = total.saturating_add(value.saturating_mul(unit));
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!(
            "`{digits}` in duration `{text}` has no unit (h, m or s)"
        ));
    }
    u32::try_from(total).map_err(|_| format!("duration `{text}` is too long"))
}

/// The shortest spelling of a duration, the inverse of [`parse_duration`].
pub fn format_duration(seconds: u32) -> String {
    let (h, m, s) = (seconds / 3_600, seconds % 3_600 / 60, seconds % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn common_spellings() {
        assert_eq!(parse_duration("1h"), Ok(3_600));
        assert_eq!(parse_duration("90m"), Ok(5_400));
        assert_eq!(parse_duration("12h"), Ok(43_200));
        assert_eq!(parse_duration("1h30m"), Ok(5_400));
        assert_eq!(parse_duration("3600"), Ok(3_600));
        assert!(parse_duration("1d").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("10").is_ok());
        assert!(parse_duration("99999999999h").is_err());
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(seconds in 0u32..1_000_000) {
            prop_assert_eq!(parse_duration(&format_duration(seconds)), Ok(seconds));
        }
    }
}
