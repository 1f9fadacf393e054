//! Decoders on garbage: random bytes and corrupted valid encodings must give
//! errors (or some value), never panics.

mod common;

use common::*;
use proptest::prelude::*;
use rocksgres_codec::{
    decode_index_prefix, decode_key_column, encode_row, skip_key_column, DataType, Numeric, RowRef,
};

fn poke_row(bytes: &[u8]) {
    if let Ok(row) = RowRef::new(bytes) {
        for i in 0..row.column_count().min(64) + 2 {
            let _ = row.is_null(i);
            let _ = row.raw(i);
            for ty in DataType::ALL {
                let _ = row.get(i, ty);
            }
        }
    }
}

fn poke_key(bytes: &[u8]) {
    for ty in DataType::ALL {
        for order in ORDERS {
            let mut input = bytes;
            // Decode columns until an error or the end.
            while !input.is_empty() {
                let before = input.len();
                match decode_key_column(&mut input, ty, order) {
                    Ok(_) => assert!(input.len() < before, "decode must consume bytes"),
                    Err(_) => {
                        assert_eq!(input.len(), before, "cursor unchanged on error");
                        break;
                    }
                }
            }
            let mut input = bytes;
            let _ = skip_key_column(&mut input, ty, order);
        }
    }
    let mut input = bytes;
    let _ = decode_index_prefix(&mut input);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5000))]

    #[test]
    fn random_bytes_do_not_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        poke_row(&bytes);
        poke_key(&bytes);
    }

    #[test]
    fn random_row_like_bytes_do_not_panic(
        flags in 0u8..8,
        count in 0u8..10,
        rest in proptest::collection::vec(any::<u8>(), 0..48),
    ) {
        let mut bytes = vec![flags, count];
        bytes.extend(rest);
        poke_row(&bytes);
    }

    #[test]
    fn corrupted_rows_do_not_panic(
        value in arb_value(DataType::Numeric),
        text in arb_text(),
        pos in any::<prop::sample::Index>(),
        xor in 1u8..=255,
    ) {
        let mut buf = Vec::new();
        encode_row(&mut buf, &[value.clone(), text.as_str().into(), rocksgres_codec::Datum::Null, value]);
        let i = pos.index(buf.len());
        buf[i] ^= xor;
        poke_row(&buf);
    }

    #[test]
    fn corrupted_keys_do_not_panic(
        (ty, value) in arb_type().prop_flat_map(|ty| (Just(ty), arb_nullable(ty))),
        order in arb_order(),
        pos in any::<prop::sample::Index>(),
        xor in 1u8..=255,
    ) {
        let mut buf = Vec::new();
        rocksgres_codec::encode_key_column(&mut buf, &value, order).unwrap();
        let i = pos.index(buf.len());
        buf[i] ^= xor;
        poke_key(&buf);
        let mut input = &buf[..];
        let _ = decode_key_column(&mut input, ty, order);
    }

    #[test]
    fn numeric_parse_does_not_panic(s in "[-+0-9.eE \\tNaInfity_x]{0,24}") {
        if let Ok(n) = s.parse::<Numeric>() {
            // Whatever parses prints and reparses to the same value and scale.
            let printed = n.to_string();
            let again: Numeric = printed.parse().unwrap();
            prop_assert_eq!(&again, &n);
            prop_assert_eq!(again.to_string(), printed);
        }
    }
}
