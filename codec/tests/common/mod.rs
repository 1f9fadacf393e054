//! Shared strategies and oracles for the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use std::borrow::Cow;
use std::cmp::Ordering;

use proptest::prelude::*;
use proptest::sample::select;
use rocksgres_codec::{encode_key_column, DataType, Datum, Numeric, SortOrder};

/// All four sort orders.
pub const ORDERS: [SortOrder; 4] = [
    SortOrder::new(false, true),
    SortOrder::new(false, false),
    SortOrder::new(true, true),
    SortOrder::new(true, false),
];

pub fn arb_order() -> impl Strategy<Value = SortOrder> {
    select(ORDERS.to_vec())
}

pub fn arb_type() -> impl Strategy<Value = DataType> {
    select(DataType::ALL.to_vec())
}

/// Numeric literals: small decimals, long ones, big exponents and specials.
pub fn arb_numeric() -> BoxedStrategy<Numeric> {
    let finite = (
        any::<bool>(),
        "[0-9]{0,12}",
        proptest::option::of("[0-9]{0,12}"),
        prop_oneof![4 => Just(0i32), 4 => -20i32..20, 1 => -16000i32..131000],
    )
        .prop_filter_map("needs a digit / in range", |(neg, int, frac, exp)| {
            let frac_part = frac.map(|f| format!(".{f}")).unwrap_or_default();
            if int.is_empty() && frac_part.len() <= 1 {
                return None;
            }
            let text = format!("{}{int}{frac_part}e{exp}", if neg { "-" } else { "" });
            text.parse::<Numeric>().ok()
        });
    let small = (-30i64..30, 0u32..4).prop_map(|(v, scale)| {
        let text = format!("{}e-{scale}", v);
        text.parse::<Numeric>().unwrap()
    });
    let long = "-?[1-9][0-9]{20,60}\\.[0-9]{0,40}".prop_map(|s| s.parse::<Numeric>().unwrap());
    prop_oneof![
        4 => finite,
        3 => small,
        1 => long,
        1 => select(vec!["NaN", "Infinity", "-Infinity", "0", "0.00", "-0", "1", "1.0", "10"])
            .prop_map(|s| s.parse::<Numeric>().unwrap()),
    ]
    .boxed()
}

pub fn arb_f64() -> BoxedStrategy<f64> {
    prop_oneof![
        3 => any::<u64>().prop_map(f64::from_bits),
        2 => any::<f64>(),
        2 => (-3i32..3).prop_map(f64::from),
        1 => select(vec![
            0.0,
            -0.0,
            f64::NAN,
            -f64::NAN,
            f64::from_bits(0x7FF0_0000_0000_0001),
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::from_bits(1),
            -f64::from_bits(1),
            f64::MAX,
            f64::MIN,
        ]),
    ]
    .boxed()
}

pub fn arb_f32() -> BoxedStrategy<f32> {
    prop_oneof![
        3 => any::<u32>().prop_map(f32::from_bits),
        2 => any::<f32>(),
        2 => (-3i16..3).prop_map(f32::from),
        1 => select(vec![
            0.0,
            -0.0,
            f32::NAN,
            -f32::NAN,
            f32::from_bits(0x7F80_0001),
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MIN_POSITIVE,
            f32::from_bits(1),
            -f32::from_bits(1),
            f32::MAX,
            f32::MIN,
        ]),
    ]
    .boxed()
}

pub fn arb_text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[ab]{0,3}",
        2 => "[^\\x00]{0,12}",
        1 => "[a\\x01\\x7f\\u{80}\\u{7ff}\\u{800}\\u{ffff}\\u{10000}\\u{10ffff}]{0,4}",
    ]
    .boxed()
}

pub fn arb_bytes() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        3 => proptest::collection::vec(select(vec![0u8, 1, 2, 0xFE, 0xFF]), 0..5),
        2 => proptest::collection::vec(any::<u8>(), 0..24),
    ]
    .boxed()
}

/// A non-null value of type `ty`, often from a small domain so that equal
/// values and shared prefixes are common.
pub fn arb_value(ty: DataType) -> BoxedStrategy<Datum<'static>> {
    match ty {
        DataType::Bool => any::<bool>().prop_map(Datum::Bool).boxed(),
        DataType::Int2 => prop_oneof![any::<i16>(), -3i16..3, select(vec![i16::MIN, i16::MAX])]
            .prop_map(Datum::Int2)
            .boxed(),
        DataType::Int4 => prop_oneof![any::<i32>(), -3i32..3, select(vec![i32::MIN, i32::MAX])]
            .prop_map(Datum::Int4)
            .boxed(),
        DataType::Int8 => prop_oneof![any::<i64>(), -3i64..3, select(vec![i64::MIN, i64::MAX])]
            .prop_map(Datum::Int8)
            .boxed(),
        DataType::Date => prop_oneof![
            any::<i32>(),
            -3i32..3,
            select(vec![Datum::DATE_NEG_INFINITY, Datum::DATE_INFINITY])
        ]
        .prop_map(Datum::Date)
        .boxed(),
        DataType::Timestamp => prop_oneof![
            any::<i64>(),
            -3i64..3,
            select(vec![
                Datum::TIMESTAMP_NEG_INFINITY,
                Datum::TIMESTAMP_INFINITY
            ])
        ]
        .prop_map(Datum::Timestamp)
        .boxed(),
        DataType::Float4 => arb_f32().prop_map(Datum::Float4).boxed(),
        DataType::Float8 => arb_f64().prop_map(Datum::Float8).boxed(),
        DataType::Numeric => arb_numeric().prop_map(Datum::Numeric).boxed(),
        DataType::Text => arb_text().prop_map(|s| Datum::Text(Cow::Owned(s))).boxed(),
        DataType::Bytea => arb_bytes()
            .prop_map(|b| Datum::Bytea(Cow::Owned(b)))
            .boxed(),
    }
}

/// A value of type `ty` or NULL.
pub fn arb_nullable(ty: DataType) -> BoxedStrategy<Datum<'static>> {
    prop_oneof![1 => Just(Datum::Null), 6 => arb_value(ty)].boxed()
}

/// The expected order of two values of one type in a key column.
pub fn oracle(a: &Datum<'_>, b: &Datum<'_>, order: SortOrder) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) if order.nulls_first => Ordering::Less,
        (true, false) => Ordering::Greater,
        (false, true) if order.nulls_first => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => {
            let c = a.pg_cmp(b).expect("same type");
            if order.descending {
                c.reverse()
            } else {
                c
            }
        }
    }
}

/// Lexicographic oracle for composite keys.
pub fn composite_oracle(a: &[Datum<'_>], b: &[Datum<'_>], orders: &[SortOrder]) -> Ordering {
    for ((x, y), order) in a.iter().zip(b).zip(orders) {
        match oracle(x, y, *order) {
            Ordering::Equal => continue,
            other => return other,
        }
    }
    Ordering::Equal
}

/// Encodes a composite key.
pub fn key_of(values: &[Datum<'_>], orders: &[SortOrder]) -> Vec<u8> {
    let mut buf = Vec::new();
    for (v, o) in values.iter().zip(orders) {
        encode_key_column(&mut buf, v, *o).unwrap();
    }
    buf
}

/// What a key round trip should give back: `-0.0` as `0.0`, NaN as the
/// canonical NaN, numerics with their smallest display scale.
pub fn key_canonical(d: &Datum<'_>) -> Datum<'static> {
    match d {
        Datum::Float4(v) if v.is_nan() => Datum::Float4(f32::NAN),
        Datum::Float4(v) if *v == 0.0 => Datum::Float4(0.0),
        Datum::Float8(v) if v.is_nan() => Datum::Float8(f64::NAN),
        Datum::Float8(v) if *v == 0.0 => Datum::Float8(0.0),
        Datum::Numeric(n) if n.is_finite() => {
            let frac = n.digits().len() as i64 - 1 - i64::from(n.weight());
            let dscale = if n.is_zero() { 0 } else { frac.max(0) as u16 };
            Datum::Numeric(
                Numeric::from_parts(n.is_negative(), n.digits(), n.weight(), dscale).unwrap(),
            )
        }
        other => other.clone().into_owned(),
    }
}

/// Exact equality: float bits, numeric display scale, text/bytea bytes.
pub fn identical(a: &Datum<'_>, b: &Datum<'_>) -> bool {
    match (a, b) {
        (Datum::Float4(x), Datum::Float4(y)) => x.to_bits() == y.to_bits(),
        (Datum::Float8(x), Datum::Float8(y)) => x.to_bits() == y.to_bits(),
        (Datum::Numeric(x), Datum::Numeric(y)) => {
            x.to_string() == y.to_string() && x == y && x.dscale() == y.dscale()
        }
        _ => a == b,
    }
}

/// An oracle for numeric order independent of the digit/weight logic:
/// compares the printed forms, aligned on the decimal point.
pub fn numeric_text_cmp(a: &Numeric, b: &Numeric) -> Ordering {
    fn rank(n: &Numeric) -> (i32, bool, String, String) {
        let s = n.to_string();
        match s.as_str() {
            "NaN" => return (3, false, String::new(), String::new()),
            "Infinity" => return (2, false, String::new(), String::new()),
            "-Infinity" => return (-2, false, String::new(), String::new()),
            _ => {}
        }
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest.to_string()),
            None => (false, s.clone()),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i.to_string(), f.to_string()),
            None => (body.clone(), String::new()),
        };
        let int = int.trim_start_matches('0').to_string();
        let frac = frac.trim_end_matches('0').to_string();
        let zero = int.is_empty() && frac.is_empty();
        let class = if zero {
            0
        } else if neg {
            -1
        } else {
            1
        };
        (class, neg, int, frac)
    }
    let (ca, _, ia, fa) = rank(a);
    let (cb, _, ib, fb) = rank(b);
    if ca != cb || ca.abs() != 1 {
        return ca.cmp(&cb);
    }
    let magnitude = ia
        .len()
        .cmp(&ib.len())
        .then_with(|| ia.cmp(&ib))
        .then_with(|| fa.cmp(&fb));
    if ca < 0 {
        magnitude.reverse()
    } else {
        magnitude
    }
}
