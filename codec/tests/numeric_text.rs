//! `numeric` text forms against PostgreSQL's, and numeric ordering against
//! an independent oracle.

mod common;

use std::cmp::Ordering;

use common::*;
use proptest::prelude::*;
use rocksgres_codec::{CodecError, Numeric, NumericClass};

/// `(input, what PostgreSQL 15 prints for input::numeric)`.
const POSTGRES_FORMS: &[(&str, &str)] = &[
    ("0", "0"),
    ("-0", "0"),
    ("+0", "0"),
    ("0.0", "0.0"),
    ("-0.000", "0.000"),
    ("00000", "0"),
    ("1", "1"),
    ("-1", "-1"),
    ("1.50", "1.50"),
    ("1.5", "1.5"),
    ("-1.50", "-1.50"),
    ("001.500", "1.500"),
    (".5", "0.5"),
    ("-.5", "-0.5"),
    ("5.", "5"),
    ("1e3", "1000"),
    ("1E3", "1000"),
    ("1e+3", "1000"),
    ("1.5e3", "1500"),
    ("1.2345e2", "123.45"),
    ("1e-3", "0.001"),
    ("1.50e-2", "0.0150"),
    ("-2.5e-1", "-0.25"),
    ("0e10", "0"),
    ("0.00e1", "0.0"),
    ("0e-3", "0.000"),
    ("0.000123", "0.000123"),
    (
        "123456789012345678901234567890.123456789",
        "123456789012345678901234567890.123456789",
    ),
    (
        "-123456789012345678901234567890.123456789",
        "-123456789012345678901234567890.123456789",
    ),
    (
        "99999999999999999999999999999999999999",
        "99999999999999999999999999999999999999",
    ),
    (
        "0.00000000000000000000000000000000000001",
        "0.00000000000000000000000000000000000001",
    ),
    ("1e30", "1000000000000000000000000000000"),
    ("  42  ", "42"),
    ("\t-7\n", "-7"),
    ("NaN", "NaN"),
    ("nan", "NaN"),
    ("NAN", "NaN"),
    (" NaN ", "NaN"),
    ("Infinity", "Infinity"),
    ("infinity", "Infinity"),
    ("+Infinity", "Infinity"),
    ("-Infinity", "-Infinity"),
    ("inf", "Infinity"),
    ("+inf", "Infinity"),
    ("-inf", "-Infinity"),
    ("-INF", "-Infinity"),
];

#[test]
fn parse_and_print_match_postgres() {
    for (input, want) in POSTGRES_FORMS {
        let n: Numeric = input.parse().unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(n.to_string(), *want, "input {input:?}");
        // The printed form is a fixed point.
        let again: Numeric = want.parse().unwrap();
        assert_eq!(again.to_string(), *want);
        assert_eq!(again, n);
    }
}

#[test]
fn postgres_rejects_these() {
    for input in [
        "",
        "   ",
        ".",
        "-",
        "+-1",
        "1e",
        "1e-",
        "e1",
        "1..2",
        "1.2.3",
        "1 2",
        "abc",
        "- 1",
        "-NaN",
        "+NaN",
        "Infinity1",
        "1x",
        "0x1F",
        "1_000",
        "١",
    ] {
        match input.parse::<Numeric>() {
            Err(CodecError::NumericSyntax(s)) => assert_eq!(s, input),
            other => panic!("{input:?} gave {other:?}"),
        }
    }
    let err = "abc".parse::<Numeric>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid input syntax for type numeric: \"abc\""
    );
    assert_eq!(
        "1e200000".parse::<Numeric>().unwrap_err().to_string(),
        "value overflows numeric format"
    );
}

#[test]
fn limits_match_postgres() {
    // 131072 digits before the point is the most PostgreSQL stores.
    let big = "9".repeat(131_072);
    let n: Numeric = big.parse().unwrap();
    assert_eq!(n.weight(), 131_071);
    assert_eq!(n.to_string(), big);
    let too_big = "1".to_string() + &"0".repeat(131_072);
    assert_eq!(too_big.parse::<Numeric>(), Err(CodecError::NumericOverflow));
    // A display scale of 16383 is the most.
    let small = format!("0.{}1", "0".repeat(16_382));
    assert_eq!(small.parse::<Numeric>().unwrap().dscale(), 16_383);
    let too_small = format!("0.{}1", "0".repeat(16_383));
    assert_eq!(
        too_small.parse::<Numeric>(),
        Err(CodecError::NumericOverflow)
    );
}

#[test]
fn equality_ignores_display_scale() {
    let a: Numeric = "1.5".parse().unwrap();
    let b: Numeric = "1.50".parse().unwrap();
    assert_eq!(a, b);
    assert_eq!(a.cmp(&b), Ordering::Equal);
    assert_ne!(a.to_string(), b.to_string());
    use std::hash::{BuildHasher, RandomState};
    let s = RandomState::new();
    assert_eq!(s.hash_one(&a), s.hash_one(&b));
    assert_eq!(Numeric::nan(), "NaN".parse::<Numeric>().unwrap());
    assert!(Numeric::nan() > Numeric::infinity());
    assert!(Numeric::neg_infinity() < "-1e100".parse::<Numeric>().unwrap());
    assert_eq!("-0".parse::<Numeric>().unwrap().class(), NumericClass::Zero);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn print_parse_round_trip(n in arb_numeric()) {
        let text = n.to_string();
        let back: Numeric = text.parse().unwrap();
        prop_assert_eq!(&back, &n);
        prop_assert_eq!(back.dscale(), n.dscale());
        prop_assert_eq!(back.to_string(), text);
    }

    #[test]
    fn order_matches_text_oracle(a in arb_numeric(), b in arb_numeric()) {
        prop_assert_eq!(a.cmp(&b), numeric_text_cmp(&a, &b), "{} vs {}", a, b);
    }

    #[test]
    fn integers_compare_like_integers(x in any::<i64>(), y in any::<i64>()) {
        let (a, b) = (Numeric::from(x), Numeric::from(y));
        prop_assert_eq!(a.cmp(&b), x.cmp(&y));
        prop_assert_eq!(a.to_string(), x.to_string());
    }
}
