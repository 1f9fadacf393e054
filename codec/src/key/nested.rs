//! Nested key values: key columns whose value bytes the caller assembles
//! from parts (arrays, rows, `jsonb` trees, interval spans).
//!
//! Some SQL types order by rules no single [`Datum`] encoding captures:
//! an array compares element by element, then by its number of elements
//! and its dimensions; a row compares field by field; a `jsonb` value
//! walks its tree. Their keys are built with [`encode_key_nested`], which
//! writes the usual value marker, lets the caller append the *ascending*
//! body from the parts below, and inverts the body for a descending
//! column, exactly as [`super::encode_key_column`] does for scalars.
//!
//! # Parts (all ascending, all self-delimiting)
//!
//! | part | bytes |
//! |---|---|
//! | [`push_element`] | a scalar element: `0x01` + its key encoding, or `0x02` for NULL |
//! | [`push_nested_element`] | `0x01`, before a non-null element whose body the caller writes |
//! | [`push_null_element`] | `0x02`: a NULL element, after every value |
//! | [`push_elements_end`] | `0x00`: after the last element of a variable-length list, before every element |
//! | [`push_u32`], [`push_i32`], [`push_i128`] | big-endian, sign bit flipped for the signed ones |
//! | [`push_u8`] | one byte (a tag) |
//!
//! A list of elements ended by [`push_elements_end`] orders as PostgreSQL
//! orders arrays: element by element, NULL after any value, a list before
//! its extensions. A fixed number of elements (a row's fields) needs no
//! end. As long as the caller writes, for one SQL type, a body whose
//! shape is determined by its own bytes read from the front (each part
//! above is), the body is self-delimiting and the key prefix-free, which
//! the storage layer relies on (see the module documentation of
//! [`super`]).
//!
//! # No decoding
//!
//! Nested keys are not decodable (the encoding is canonical: `'1 day'`
//! and `'24 hours'` share a key). The engine never reads values back from
//! such keys; it reads the row instead.

use super::{fixed, SortOrder, NULL_LAST, VALUE};
use crate::datum::Datum;
use crate::error::Result;

/// End of a variable-length element list: below every element marker.
const ELEMENTS_END: u8 = 0x00;

/// Ascending order with NULLs after values: the order of elements.
const ELEMENT_ORDER: SortOrder = SortOrder::new(false, false);

/// Appends one non-null key column in `order` whose ascending value bytes
/// `body` appends to the buffer it is given. On error `buf` is left as it
/// was.
pub fn encode_key_nested<E>(
    buf: &mut Vec<u8>,
    order: SortOrder,
    body: impl FnOnce(&mut Vec<u8>) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let start = buf.len();
    buf.push(VALUE);
    if let Err(e) = body(buf) {
        buf.truncate(start);
        return Err(e);
    }
    if order.descending {
        for b in &mut buf[start + 1..] {
            *b = !*b;
        }
    }
    Ok(())
}

/// Appends a scalar element (NULL sorts after every value). Errors as
/// [`super::encode_key_column`].
pub fn push_element(buf: &mut Vec<u8>, value: &Datum<'_>) -> Result<()> {
    super::encode_key_column(buf, value, ELEMENT_ORDER)
}

/// Appends the marker of a non-null element whose nested body follows.
pub fn push_nested_element(buf: &mut Vec<u8>) {
    buf.push(VALUE);
}

/// Appends a NULL element (after every value).
pub fn push_null_element(buf: &mut Vec<u8>) {
    buf.push(NULL_LAST);
}

/// Ends a variable-length list of elements: a list sorts before its
/// extensions.
pub fn push_elements_end(buf: &mut Vec<u8>) {
    buf.push(ELEMENTS_END);
}

/// Appends one byte.
pub fn push_u8(buf: &mut Vec<u8>, v: u8) {
    buf.push(v);
}

/// Appends an unsigned 32-bit number, big-endian.
pub fn push_u32(buf: &mut Vec<u8>, v: u32) {
    buf.extend_from_slice(&v.to_be_bytes());
}

/// Appends a signed 32-bit number (sign bit flipped, big-endian).
pub fn push_i32(buf: &mut Vec<u8>, v: i32) {
    fixed::encode_i32(buf, v);
}

/// Appends a signed 128-bit number (sign bit flipped, big-endian).
pub fn push_i128(buf: &mut Vec<u8>, v: i128) {
    buf.extend_from_slice(&((v as u128) ^ (1 << 127)).to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn key(order: SortOrder, f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut buf = Vec::new();
        encode_key_nested::<()>(&mut buf, order, |b| {
            f(b);
            Ok(())
        })
        .unwrap();
        buf
    }

    fn list(items: &[Option<i32>]) -> Vec<u8> {
        key(SortOrder::ASC, |b| {
            for i in items {
                match i {
                    Some(v) => push_element(b, &Datum::Int4(*v)).unwrap(),
                    None => push_null_element(b),
                }
            }
            push_elements_end(b);
        })
    }

    #[test]
    fn lists_order_element_wise_then_by_length() {
        let sorted = [
            list(&[]),
            list(&[Some(1)]),
            list(&[Some(1), Some(2)]),
            list(&[Some(1), None]),
            list(&[Some(9)]),
            list(&[Some(10)]),
            list(&[None]),
        ];
        for w in sorted.windows(2) {
            assert!(w[0] < w[1], "{:?} < {:?}", w[0], w[1]);
        }
    }

    #[test]
    fn signed_parts_keep_order() {
        let a = key(SortOrder::ASC, |b| push_i128(b, -5));
        let b = key(SortOrder::ASC, |b| push_i128(b, 3));
        assert!(a < b);
        let a = key(SortOrder::new(true, false), |b| push_i128(b, -5));
        let b = key(SortOrder::new(true, false), |b| push_i128(b, 3));
        assert!(a > b);
    }

    #[test]
    fn errors_leave_the_buffer_alone() {
        let mut buf = vec![7];
        let r = encode_key_nested(&mut buf, SortOrder::ASC, |b| {
            push_element(b, &Datum::Text(Cow::Borrowed("a\0b")))
        });
        assert!(r.is_err());
        assert_eq!(buf, vec![7]);
    }
}
