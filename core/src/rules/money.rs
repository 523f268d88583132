//! Money as people type and read it: yuan with at most two decimals
//! (`45`, `45.5`, `45.00`), kept as whole fen (cents) so sums are exact.
//! The field command line, the bindings and the console all spell amounts
//! through here, so `45.00` means the same everywhere.

/// Why a typed amount is not money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not an amount in yuan such as 45 or 45.00 ({why})")]
pub struct MoneyError {
    pub text: String,
    pub why: &'static str,
}

/// The largest amount accepted, ¥100,000,000.00: far above any repair fee,
/// far below where fen would overflow when summed.
const MAX_FEN: i64 = 10_000_000_000;

/// Parses yuan (`45`, `45.5`, `45.00`, `-3.20`, an optional `¥`) into fen.
pub fn parse_yuan(text: &str) -> Result<i64, MoneyError> {
    let fail = |why| MoneyError {
        text: text.to_owned(),
        why,
    };
    let trimmed = text.trim();
    let (negative, unsigned) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let unsigned = unsigned.trim_start_matches(['¥', '￥']).replace(',', "");
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let (whole, fraction, well_formed) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, fraction, digits(whole) && digits(fraction)),
        None => (unsigned.as_str(), "", digits(&unsigned)),
    };
    if !well_formed {
        return Err(fail("digits, with at most one decimal point"));
    }
    if fraction.len() > 2 {
        return Err(fail("at most two decimals: fen are the smallest unit"));
    }
    let yuan: i64 = whole.parse().map_err(|_| fail("too large"))?;
    let fen: i64 = format!("{fraction:0<2}")
        .parse()
        .map_err(|_| fail("bad decimals"))?;
    let amount = yuan
        .checked_mul(100)
        .and_then(|fen_of_yuan| fen_of_yuan.checked_add(fen))
        .filter(|amount| *amount <= MAX_FEN)
        .ok_or_else(|| fail("too large"))?;
    Ok(if negative { -amount } else { amount })
}

/// Fen as yuan with two decimals: `4500` is `45.00`.
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let amount = fen.unsigned_abs();
    format!("{sign}{}.{:02}", amount / 100, amount % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_are_typed_as_people_write_them() {
        assert_eq!(parse_yuan("45"), Ok(4500));
        assert_eq!(parse_yuan("45.00"), Ok(4500));
        assert_eq!(parse_yuan("45.5"), Ok(4550));
        assert_eq!(parse_yuan(" ¥1,200.05 "), Ok(120_005));
        assert_eq!(parse_yuan("-3.20"), Ok(-320));
        assert_eq!(parse_yuan("0.01"), Ok(1));
    }

    #[test]
    fn what_is_not_money_is_refused_with_the_reason() {
        for bad in [
            "",
            "abc",
            "4.5.6",
            "45.",
            ".5",
            "45.001",
            "1e3",
            "99999999999999999999",
        ] {
            let err = parse_yuan(bad).expect_err(bad);
            assert!(
                err.to_string().contains("is not an amount in yuan"),
                "{err}"
            );
        }
        assert!(
            parse_yuan("45.001")
                .expect_err("three decimals")
                .why
                .contains("two decimals")
        );
    }

    #[test]
    fn fen_read_as_yuan_with_two_decimals() {
        assert_eq!(format_yuan(4500), "45.00");
        assert_eq!(format_yuan(5), "0.05");
        assert_eq!(format_yuan(-320), "-3.20");
        assert_eq!(
            format_yuan(parse_yuan("1234.5").unwrap_or_default()),
            "1234.50"
        );
    }
}
