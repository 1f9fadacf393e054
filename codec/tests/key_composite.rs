//! Composite keys: lexicographic order by column, prefix-freedom, and the
//! "versions" property the MVCC layer relies on (a key plus any 8-byte
//! suffix never sorts between another key's versions).

mod common;

use std::cmp::Ordering;

use common::*;
use proptest::prelude::*;
use rocksgres_codec::{
    decode_key_column, encode_index_prefix, encode_key_column, prefix_successor, skip_key_column,
    CodecError, DataType, Datum, SortOrder,
};

/// A column list of 1-3 (type, order) pairs and two keys for it.
fn arb_two_keys() -> impl Strategy<
    Value = (
        Vec<(DataType, SortOrder)>,
        Vec<Datum<'static>>,
        Vec<Datum<'static>>,
    ),
> {
    proptest::collection::vec((arb_type(), arb_order()), 1..=3).prop_flat_map(|cols| {
        let values: Vec<_> = cols.iter().map(|(ty, _)| arb_nullable(*ty)).collect();
        (Just(cols), values.clone(), values)
    })
}

/// Derives a second key sharing a prefix of columns with the first, so the
/// interesting "equal first column" cases are frequent.
fn share_prefix(a: &[Datum<'static>], b: &mut [Datum<'static>], shared: usize) {
    let n = shared.min(a.len());
    b[..n].clone_from_slice(&a[..n]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn composite_keys_order_lexicographically(
        (cols, a, mut b) in arb_two_keys(),
        shared in 0usize..3,
        s1 in any::<[u8; 8]>(),
        s2 in any::<[u8; 8]>(),
    ) {
        share_prefix(&a, &mut b, shared);
        let orders: Vec<SortOrder> = cols.iter().map(|c| c.1).collect();
        let ka = key_of(&a, &orders);
        let kb = key_of(&b, &orders);
        let want = composite_oracle(&a, &b, &orders);
        prop_assert_eq!(ka.cmp(&kb), want, "{:?} vs {:?}", a, b);

        // Versions: key ++ 8-byte suffix keeps the key order, and equal keys
        // order by their suffixes.
        let mut va = ka.clone();
        va.extend_from_slice(&s1);
        let mut vb = kb.clone();
        vb.extend_from_slice(&s2);
        let want_versions = want.then_with(|| s1.cmp(&s2));
        prop_assert_eq!(va.cmp(&vb), want_versions);

        // Prefix-free: distinct keys are never prefixes of each other.
        if ka != kb {
            prop_assert!(!ka.starts_with(&kb) && !kb.starts_with(&ka));
        }

        // The full key decodes column by column back to the values.
        let mut input = &va[..];
        for ((ty, order), value) in cols.iter().zip(&a) {
            let got = decode_key_column(&mut input, *ty, *order).unwrap();
            prop_assert!(identical(&got, &key_canonical(value)), "{:?} vs {:?}", got, value);
        }
        prop_assert_eq!(input, &s1[..]);
        let mut input = &vb[..];
        for (ty, order) in &cols {
            skip_key_column(&mut input, *ty, *order).unwrap();
        }
        prop_assert_eq!(input, &s2[..]);
    }
}

/// Hand-picked pairs where the first key is a byte-wise prefix of the
/// second in a naive encoding; with any suffixes the order must hold.
#[test]
fn versions_never_interleave_for_prefix_like_keys() {
    let cases: Vec<(Vec<Datum>, Vec<Datum>, Vec<SortOrder>)> = vec![
        (
            vec![Datum::text("a")],
            vec![Datum::text("ab")],
            vec![SortOrder::ASC],
        ),
        (
            vec![Datum::text("ab")],
            vec![Datum::text("a")],
            vec![SortOrder::new(true, true)],
        ),
        (
            vec![Datum::bytea(b"")],
            vec![Datum::bytea(b"\x00")],
            vec![SortOrder::ASC],
        ),
        (
            vec![Datum::bytea(b"\x00")],
            vec![Datum::bytea(b"\x00\x00")],
            vec![SortOrder::ASC],
        ),
        (
            vec![Datum::bytea(b"\x00\x00")],
            vec![Datum::bytea(b"\x00")],
            vec![SortOrder::new(true, false)],
        ),
        (
            vec![Datum::text("a"), Datum::Int4(i32::MAX)],
            vec![Datum::text("ab"), Datum::Int4(i32::MIN)],
            vec![SortOrder::ASC, SortOrder::ASC],
        ),
        (
            vec![Datum::bytea(b"a"), Datum::bytea(b"\xff\xff")],
            vec![Datum::bytea(b"a\x00"), Datum::bytea(b"")],
            vec![SortOrder::ASC, SortOrder::ASC],
        ),
        (
            vec![Datum::Numeric("1".parse().unwrap())],
            vec![Datum::Numeric("1.000001".parse().unwrap())],
            vec![SortOrder::ASC],
        ),
        (
            vec![Datum::Numeric("-1.000001".parse().unwrap())],
            vec![Datum::Numeric("-1".parse().unwrap())],
            vec![SortOrder::ASC],
        ),
        (
            vec![Datum::Null, Datum::Int8(5)],
            vec![Datum::Int8(0), Datum::Null],
            vec![SortOrder::ASC, SortOrder::ASC],
        ),
    ];
    let suffixes: [[u8; 8]; 3] = [[0; 8], [0xFF; 8], [0x00, 0x01, 0xFF, 0, 0, 0, 0, 7]];
    for (a, b, orders) in cases {
        assert_eq!(composite_oracle(&a, &b, &orders), Ordering::Less);
        let ka = key_of(&a, &orders);
        let kb = key_of(&b, &orders);
        for s1 in &suffixes {
            for s2 in &suffixes {
                let mut va = ka.clone();
                va.extend_from_slice(s1);
                let mut vb = kb.clone();
                vb.extend_from_slice(s2);
                assert!(va < vb, "{a:?}+{s1:?} !< {b:?}+{s2:?}");
            }
        }
    }
}

#[test]
fn nulls_placement_is_independent_of_direction() {
    for order in ORDERS {
        let mut null = Vec::new();
        let mut min = Vec::new();
        let mut max = Vec::new();
        encode_key_column(&mut null, &Datum::Null, order).unwrap();
        encode_key_column(&mut min, &Datum::Int4(i32::MIN), order).unwrap();
        encode_key_column(&mut max, &Datum::Int4(i32::MAX), order).unwrap();
        if order.nulls_first {
            assert!(null < min && null < max, "{order:?}");
        } else {
            assert!(null > min && null > max, "{order:?}");
        }
        assert_eq!(min < max, !order.descending);
        let mut input = &null[..];
        assert_eq!(
            decode_key_column(&mut input, DataType::Int4, order).unwrap(),
            Datum::Null
        );
        // A NULL marker of the other placement is rejected.
        let other = SortOrder::new(order.descending, !order.nulls_first);
        let mut input = &null[..];
        assert!(decode_key_column(&mut input, DataType::Int4, other).is_err());
    }
}

#[test]
fn text_with_nul_is_rejected_and_buffer_untouched() {
    let mut buf = vec![1, 2, 3];
    let err = encode_key_column(&mut buf, &Datum::text("a\0b"), SortOrder::ASC).unwrap_err();
    assert_eq!(err, CodecError::NulInText);
    assert_eq!(buf, [1, 2, 3]);
}

#[test]
fn encoding_appends_to_a_reused_buffer() {
    let mut buf = Vec::with_capacity(64);
    let ptr = buf.as_ptr();
    for i in 0..100 {
        buf.clear();
        encode_index_prefix(&mut buf, 1, 7, 1);
        encode_key_column(&mut buf, &Datum::Int8(i), SortOrder::ASC).unwrap();
        encode_key_column(&mut buf, &Datum::text("hello"), SortOrder::ASC).unwrap();
        assert_eq!(buf.len(), 9 + 9 + 7);
    }
    assert_eq!(buf.as_ptr(), ptr, "no reallocation");
}

#[test]
fn decode_borrows_where_possible() {
    use std::borrow::Cow;
    let mut buf = Vec::new();
    encode_key_column(&mut buf, &Datum::text("abc"), SortOrder::ASC).unwrap();
    encode_key_column(&mut buf, &Datum::bytea(b"xyz"), SortOrder::ASC).unwrap();
    encode_key_column(&mut buf, &Datum::bytea(b"x\0z"), SortOrder::ASC).unwrap();
    encode_key_column(&mut buf, &Datum::text("abc"), SortOrder::new(true, true)).unwrap();
    let mut input = &buf[..];
    let t = decode_key_column(&mut input, DataType::Text, SortOrder::ASC).unwrap();
    assert!(matches!(t, Datum::Text(Cow::Borrowed("abc"))));
    let b = decode_key_column(&mut input, DataType::Bytea, SortOrder::ASC).unwrap();
    assert!(matches!(b, Datum::Bytea(Cow::Borrowed(b"xyz"))));
    let b = decode_key_column(&mut input, DataType::Bytea, SortOrder::ASC).unwrap();
    assert!(matches!(&b, Datum::Bytea(Cow::Owned(v)) if v == b"x\0z"));
    let t = decode_key_column(&mut input, DataType::Text, SortOrder::new(true, true)).unwrap();
    assert!(matches!(&t, Datum::Text(Cow::Owned(s)) if s == "abc"));
    assert!(input.is_empty());
}

#[test]
fn index_prefix_ranges_contain_their_keys() {
    let mut lower = Vec::new();
    encode_index_prefix(&mut lower, 1, 7, 2);
    let mut upper = Vec::new();
    assert!(prefix_successor(&lower, &mut upper));
    let mut key = lower.clone();
    encode_key_column(&mut key, &Datum::bytea(&[0xFF; 32]), SortOrder::ASC).unwrap();
    key.extend_from_slice(&[0xFF; 8]);
    assert!(lower <= key && key < upper);
    let mut next_index = Vec::new();
    encode_index_prefix(&mut next_index, 1, 7, 3);
    assert_eq!(upper, next_index);
}
