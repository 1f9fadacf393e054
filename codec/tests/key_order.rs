//! Per-type key properties: order preservation against `Datum::pg_cmp`,
//! round trips, self-delimitation, for every sort order.

mod common;

use common::*;
use proptest::prelude::*;
use rocksgres_codec::{
    decode_key_column, encode_key_column, skip_key_column, DataType, Datum, SortOrder,
};

fn check_pair(ty: DataType, a: &Datum<'_>, b: &Datum<'_>, order: SortOrder) {
    let mut ka = Vec::new();
    let mut kb = Vec::new();
    encode_key_column(&mut ka, a, order).unwrap();
    encode_key_column(&mut kb, b, order).unwrap();
    assert_eq!(
        ka.cmp(&kb),
        oracle(a, b, order),
        "{ty:?} {order:?}: {a:?} vs {b:?} encoded {ka:02x?} vs {kb:02x?}"
    );
    check_round_trip(ty, a, &ka, order);
}

fn check_round_trip(ty: DataType, value: &Datum<'_>, key: &[u8], order: SortOrder) {
    // Decoding consumes exactly the column and leaves what follows.
    let mut with_suffix = key.to_vec();
    with_suffix.extend_from_slice(&[0xFF, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0xFE]);
    let mut input = &with_suffix[..];
    let decoded = decode_key_column(&mut input, ty, order).unwrap();
    assert_eq!(input.len(), 8, "{ty:?} {order:?} {value:?}");
    let want = key_canonical(value);
    assert!(
        identical(&decoded, &want),
        "{ty:?} {order:?}: {value:?} decoded as {decoded:?}"
    );
    // Skipping consumes the same bytes.
    let mut input = &with_suffix[..];
    skip_key_column(&mut input, ty, order).unwrap();
    assert_eq!(input.len(), 8);
    // Re-encoding the decoded value gives the same key (canonical form).
    let mut again = Vec::new();
    encode_key_column(&mut again, &decoded, order).unwrap();
    assert_eq!(again, key);
    // Every proper prefix is an error, and the cursor does not move.
    for cut in 0..key.len() {
        let mut input = &key[..cut];
        assert!(
            decode_key_column(&mut input, ty, order).is_err(),
            "{ty:?} prefix {cut}"
        );
        assert_eq!(input.len(), cut);
        let mut input = &key[..cut];
        assert!(skip_key_column(&mut input, ty, order).is_err());
    }
}

macro_rules! order_tests {
    ($($name:ident => $ty:expr,)*) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            $(
                #[test]
                fn $name(
                    a in arb_nullable($ty),
                    b in arb_nullable($ty),
                    order in arb_order(),
                ) {
                    check_pair($ty, &a, &b, order);
                    check_pair($ty, &a, &a, order);
                }
            )*
        }
    };
}

order_tests! {
    bool_order => DataType::Bool,
    int2_order => DataType::Int2,
    int4_order => DataType::Int4,
    int8_order => DataType::Int8,
    float4_order => DataType::Float4,
    float8_order => DataType::Float8,
    numeric_order => DataType::Numeric,
    text_order => DataType::Text,
    bytea_order => DataType::Bytea,
    date_order => DataType::Date,
    timestamp_order => DataType::Timestamp,
}

/// Values listed in increasing PostgreSQL order (ties allowed where noted),
/// checked pairwise in every sort order.
fn check_sorted(ty: DataType, values: &[Datum<'_>], equal_pairs: &[(usize, usize)]) {
    for order in ORDERS {
        for (i, a) in values.iter().enumerate() {
            for (j, b) in values.iter().enumerate() {
                let tie = equal_pairs.contains(&(i, j)) || equal_pairs.contains(&(j, i));
                let mut want = if tie {
                    std::cmp::Ordering::Equal
                } else {
                    i.cmp(&j)
                };
                assert_eq!(a.pg_cmp(b).unwrap(), want, "pg_cmp {a:?} {b:?}");
                if order.descending {
                    want = want.reverse();
                }
                let mut ka = Vec::new();
                let mut kb = Vec::new();
                encode_key_column(&mut ka, a, order).unwrap();
                encode_key_column(&mut kb, b, order).unwrap();
                assert_eq!(ka.cmp(&kb), want, "{order:?} {a:?} vs {b:?}");
                check_round_trip(ty, a, &ka, order);
            }
        }
    }
}

#[test]
fn float8_special_values_in_postgres_order() {
    let v = [
        f64::NEG_INFINITY,
        f64::MIN,
        -1.0,
        -f64::MIN_POSITIVE,
        -f64::from_bits(1),
        -0.0,
        0.0,
        f64::from_bits(1),
        f64::MIN_POSITIVE,
        1.0,
        f64::MAX,
        f64::INFINITY,
        f64::NAN,
        -f64::NAN,
        f64::from_bits(0x7FF0_0000_0000_0001),
    ];
    let values: Vec<Datum> = v.iter().map(|&x| Datum::Float8(x)).collect();
    check_sorted(
        DataType::Float8,
        &values,
        &[(5, 6), (12, 13), (12, 14), (13, 14)],
    );
}

#[test]
fn float4_special_values_in_postgres_order() {
    let v = [
        f32::NEG_INFINITY,
        f32::MIN,
        -1.0,
        -0.0,
        0.0,
        f32::from_bits(1),
        1.0,
        f32::MAX,
        f32::INFINITY,
        f32::NAN,
        -f32::NAN,
    ];
    let values: Vec<Datum> = v.iter().map(|&x| Datum::Float4(x)).collect();
    check_sorted(DataType::Float4, &values, &[(3, 4), (9, 10)]);
}

#[test]
fn numeric_values_in_postgres_order() {
    let texts = [
        "-Infinity",
        "-1e100",
        "-123.45",
        "-100",
        "-99.99",
        "-10",
        "-1.5",
        "-1.05",
        "-1",
        "-0.5",
        "-0.05",
        "-1e-100",
        "0",
        "0.000",
        "1e-100",
        "0.05",
        "0.5",
        "1",
        "1.0",
        "1.05",
        "1.5",
        "1.50",
        "10",
        "99.99",
        "100",
        "123.45",
        "1e100",
        "Infinity",
        "NaN",
    ];
    let values: Vec<Datum> = texts
        .iter()
        .map(|t| Datum::Numeric(t.parse().unwrap()))
        .collect();
    let mut equal = Vec::new();
    for (i, a) in texts.iter().enumerate() {
        for (j, b) in texts.iter().enumerate() {
            let (x, y): (rocksgres_codec::Numeric, rocksgres_codec::Numeric) =
                (a.parse().unwrap(), b.parse().unwrap());
            if i < j && x == y {
                equal.push((i, j));
            }
        }
    }
    // 0 = 0.000, 1 = 1.0, 1.5 = 1.50 and nothing else.
    assert_eq!(equal, vec![(12, 13), (17, 18), (20, 21)]);
    check_sorted(DataType::Numeric, &values, &equal);
}

#[test]
fn text_and_bytea_prefix_cases() {
    let texts = [
        "",
        "\u{1}",
        "a",
        "a\u{1}",
        "ab",
        "b",
        "\u{7f}",
        "\u{80}",
        "\u{10ffff}",
    ];
    let values: Vec<Datum> = texts.iter().map(|t| Datum::text(t)).collect();
    check_sorted(DataType::Text, &values, &[]);

    let bytes: [&[u8]; 10] = [
        b"",
        b"\x00",
        b"\x00\x00",
        b"\x00\x01",
        b"\x00\xff",
        b"\x01",
        b"a",
        b"a\x00",
        b"ab",
        b"\xff",
    ];
    let values: Vec<Datum> = bytes.iter().map(|b| Datum::bytea(b)).collect();
    check_sorted(DataType::Bytea, &values, &[]);
}

#[test]
fn integer_extremes() {
    let values: Vec<Datum> = [i64::MIN, i64::MIN + 1, -256, -1, 0, 1, 255, 256, i64::MAX]
        .iter()
        .map(|&v| Datum::Int8(v))
        .collect();
    check_sorted(DataType::Int8, &values, &[]);
    let dates = [Datum::DATE_NEG_INFINITY, -1, 0, 1, Datum::DATE_INFINITY];
    let values: Vec<Datum> = dates.iter().map(|&d| Datum::Date(d)).collect();
    check_sorted(DataType::Date, &values, &[]);
    let values = [Datum::Bool(false), Datum::Bool(true)];
    check_sorted(DataType::Bool, &values, &[]);
}
