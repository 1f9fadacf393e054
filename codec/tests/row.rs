//! Row encoding: round trips, single-column access, absent columns, offset
//! widths, and the encoder's buffer handling.

mod common;

use std::borrow::Cow;

use common::*;
use proptest::prelude::*;
use rocksgres_codec::{encode_row, DataType, Datum, RowEncoder, RowRef};

fn arb_row() -> impl Strategy<Value = (Vec<DataType>, Vec<Datum<'static>>)> {
    proptest::collection::vec(arb_type(), 0..20).prop_flat_map(|types| {
        let values: Vec<_> = types.iter().map(|ty| arb_nullable(*ty)).collect();
        (Just(types), values)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn rows_round_trip((types, values) in arb_row(), prefix in proptest::collection::vec(any::<u8>(), 0..4)) {
        let mut buf = prefix.clone();
        let len = encode_row(&mut buf, &values);
        prop_assert_eq!(&buf[..prefix.len()], &prefix[..]);
        prop_assert_eq!(buf.len(), prefix.len() + len);
        let row = RowRef::new(&buf[prefix.len()..]).unwrap();
        prop_assert_eq!(row.column_count(), values.len());
        for (i, (ty, value)) in types.iter().zip(&values).enumerate() {
            let got = row.get(i, *ty).unwrap().expect("stored column");
            prop_assert!(identical(&got, value), "column {}: {:?} vs {:?}", i, got, value);
            prop_assert_eq!(row.is_null(i), value.is_null());
            // The typed getters agree with `get`.
            match ty {
                DataType::Int2 | DataType::Int4 | DataType::Int8 | DataType::Date | DataType::Timestamp => {
                    let width = match ty {
                        DataType::Int2 => 2,
                        DataType::Int4 | DataType::Date => 4,
                        _ => 8,
                    };
                    let want = match &got {
                        Datum::Int2(v) => Some(i64::from(*v)),
                        Datum::Int4(v) | Datum::Date(v) => Some(i64::from(*v)),
                        Datum::Int8(v) | Datum::Timestamp(v) => Some(*v),
                        _ => None,
                    };
                    prop_assert_eq!(row.get_int(i, width).unwrap(), Some(want));
                }
                DataType::Numeric => {
                    let mut n: rocksgres_codec::Numeric = "123.4567".parse().unwrap();
                    let written = row.get_numeric_into(i, &mut n).unwrap();
                    prop_assert_eq!(written, Some(!value.is_null()));
                    if let Datum::Numeric(want) = &got {
                        prop_assert_eq!(n.to_string(), want.to_string());
                    }
                }
                DataType::Text => {
                    let want = match &got {
                        Datum::Text(t) => Some(t.as_ref()),
                        _ => None,
                    };
                    prop_assert_eq!(row.get_str(i).unwrap(), Some(want));
                }
                _ => {}
            }
            // Text and bytea are borrowed from the row.
            match &got {
                Datum::Text(t) => prop_assert!(matches!(t, Cow::Borrowed(_))),
                Datum::Bytea(b) => prop_assert!(matches!(b, Cow::Borrowed(_))),
                _ => {}
            }
        }
        // Columns past the stored count are absent, not NULL.
        for i in values.len()..values.len() + 3 {
            prop_assert_eq!(row.get(i, DataType::Int4).unwrap(), None);
            prop_assert!(!row.is_null(i));
            prop_assert_eq!(row.raw(i).unwrap(), None);
            prop_assert_eq!(row.get_int(i, 4).unwrap(), None);
            prop_assert_eq!(row.get_str(i).unwrap(), None);
        }

        // The streaming encoder writes the same bytes.
        let mut streamed = Vec::new();
        let mut enc = RowEncoder::begin(&mut streamed, values.len());
        for v in &values {
            enc.push(v);
        }
        enc.finish();
        prop_assert_eq!(&streamed[..], &buf[prefix.len()..]);
    }

    /// A row written under an older, shorter schema reads back with the new
    /// columns absent.
    #[test]
    fn old_rows_have_absent_trailing_columns((types, values) in arb_row(), added in proptest::collection::vec(arb_type(), 1..4)) {
        let mut buf = Vec::new();
        encode_row(&mut buf, &values);
        let row = RowRef::new(&buf).unwrap();
        let schema: Vec<DataType> = types.iter().chain(&added).copied().collect();
        for (i, ty) in schema.iter().enumerate() {
            let got = row.get(i, *ty).unwrap();
            if i < values.len() {
                prop_assert!(identical(&got.unwrap(), &values[i]));
            } else {
                prop_assert!(got.is_none());
            }
        }
    }

    /// Every proper prefix and every extension of a row is rejected.
    #[test]
    fn truncated_or_extended_rows_are_rejected((_types, values) in arb_row(), extra in 1u8..=255) {
        let mut buf = Vec::new();
        encode_row(&mut buf, &values);
        for cut in 0..buf.len() {
            prop_assert!(RowRef::new(&buf[..cut]).is_err(), "prefix {} of {:02x?}", cut, buf);
        }
        buf.push(extra);
        prop_assert!(RowRef::new(&buf).is_err());
    }
}

#[test]
fn offset_widths() {
    for len in [0usize, 253, 254, 65533, 65534, 70000] {
        let text = "x".repeat(len);
        let values = [
            Datum::Int4(1),
            Datum::text(&text),
            Datum::Null,
            Datum::Int8(-1),
        ];
        let mut buf = Vec::new();
        encode_row(&mut buf, &values);
        // Data is 1 (int4) + len + 0 + 1 (int8) bytes.
        let data_len = len + 2;
        let (want_width, want_code) = match data_len {
            0..=255 => (1, 0),
            256..=65535 => (2, 1),
            _ => (4, 2),
        };
        assert_eq!(buf[0] & 3, want_code);
        // flags + count + bitmap + offsets + data
        assert_eq!(buf.len(), 1 + 1 + 1 + 4 * want_width + data_len);
        let row = RowRef::new(&buf).unwrap();
        assert_eq!(row.get(0, DataType::Int4).unwrap(), Some(Datum::Int4(1)));
        assert_eq!(
            row.get(1, DataType::Text).unwrap(),
            Some(Datum::text(&text))
        );
        assert_eq!(row.get(2, DataType::Bytea).unwrap(), Some(Datum::Null));
        assert_eq!(row.get(3, DataType::Int8).unwrap(), Some(Datum::Int8(-1)));
    }
}

#[test]
fn exact_values_survive() {
    let values = [
        Datum::Float8(-0.0),
        Datum::Float8(f64::from_bits(0x7FF0_0000_DEAD_BEEF)),
        Datum::Float4(-0.0),
        Datum::Float4(f32::from_bits(0xFFC0_1234)),
        Datum::Numeric("1.50".parse().unwrap()),
        Datum::Numeric("-0.000".parse().unwrap()),
        Datum::Numeric("1e100".parse().unwrap()),
        Datum::Numeric("NaN".parse().unwrap()),
        Datum::text(""),
        Datum::bytea(b""),
        Datum::bytea(b"\x00\x00"),
    ];
    let types = [
        DataType::Float8,
        DataType::Float8,
        DataType::Float4,
        DataType::Float4,
        DataType::Numeric,
        DataType::Numeric,
        DataType::Numeric,
        DataType::Numeric,
        DataType::Text,
        DataType::Bytea,
        DataType::Bytea,
    ];
    let mut buf = Vec::new();
    encode_row(&mut buf, &values);
    let row = RowRef::new(&buf).unwrap();
    for (i, (ty, v)) in types.iter().zip(&values).enumerate() {
        let got = row.get(i, *ty).unwrap().unwrap();
        assert!(identical(&got, v), "{got:?} vs {v:?}");
    }
    match row.get(4, DataType::Numeric).unwrap().unwrap() {
        Datum::Numeric(n) => assert_eq!(n.to_string(), "1.50"),
        other => panic!("{other:?}"),
    }
    // Empty text/bytea are values, not NULL.
    assert!(!row.is_null(8));
    assert!(!row.is_null(9));
}

#[test]
fn compact_small_rows() {
    // pgbench_accounts-like: aid, bid, abalance, filler char(84).
    let filler = " ".repeat(84);
    let values = [
        Datum::Int4(100_000),
        Datum::Int4(1),
        Datum::Int4(0),
        Datum::text(&filler),
    ];
    let mut buf = Vec::new();
    let len = encode_row(&mut buf, &values);
    // flags, count, 4 one-byte offsets, 3 + 1 + 0 + 84 bytes of data.
    assert_eq!(len, 1 + 1 + 4 + 88);
    // Integers written narrow can be read wider (int4 column read as int8).
    let row = RowRef::new(&buf).unwrap();
    assert_eq!(
        row.get(0, DataType::Int8).unwrap(),
        Some(Datum::Int8(100_000))
    );
    // An empty row.
    let mut buf = Vec::new();
    assert_eq!(encode_row(&mut buf, &[]), 2);
    let row = RowRef::new(&buf).unwrap();
    assert_eq!(row.column_count(), 0);
    assert_eq!(row.get(0, DataType::Bool).unwrap(), None);
}

#[test]
fn dropped_encoder_leaves_buffer_as_it_was() {
    let mut buf = vec![9, 9];
    {
        let mut enc = RowEncoder::begin(&mut buf, 3);
        enc.push(&Datum::Int4(5));
    }
    assert_eq!(buf, [9, 9]);
}

#[test]
#[should_panic(expected = "more than the declared")]
fn pushing_too_many_columns_panics() {
    let mut buf = Vec::new();
    let mut enc = RowEncoder::begin(&mut buf, 1);
    enc.push(&Datum::Int4(5));
    enc.push(&Datum::Int4(6));
}

#[test]
fn type_mismatches_are_errors_not_panics() {
    let mut buf = Vec::new();
    encode_row(
        &mut buf,
        &[
            Datum::Int8(i64::MAX),
            Datum::Bool(true),
            Datum::bytea(b"\xff\xfe"),
        ],
    );
    let row = RowRef::new(&buf).unwrap();
    assert!(row.get(0, DataType::Int4).is_err());
    assert!(row.get(0, DataType::Float4).is_err());
    assert!(row.get(0, DataType::Bool).is_err());
    assert!(row.get(2, DataType::Text).is_err());
    assert!(row.get(2, DataType::Numeric).is_err());
    assert_eq!(
        row.get(1, DataType::Int2).unwrap(),
        Some(Datum::Int2(1)),
        "bool byte 1 reads as a small int"
    );
}
