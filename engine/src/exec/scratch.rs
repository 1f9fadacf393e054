//! Pooled buffers for the executor.
//!
//! Executing a statement needs short-lived byte buffers (keys being
//! encoded, values read from storage, rows being encoded) and rows of
//! values (decoded rows, updated rows). Allocating them per row would cost
//! several heap allocations per row; instead a [`Scratch`] lends them out
//! and takes them back, keeping their capacity. A session owns one and
//! lends it to each statement's [`crate::exec::ctx::Ctx`], so in steady
//! state a statement reuses the buffers of the previous one.
//!
//! Borrowing is by value (`take_bytes` ... `give_bytes`) so a buffer can
//! be used while the context that lent it is borrowed mutably. A buffer
//! not given back (on an error path) is simply dropped; the pool then
//! allocates a new one later. The pool is bounded: at most [`POOL_MAX`]
//! idle buffers of each kind, and none larger than [`RETAIN_MAX_BYTES`]
//! bytes (or values) is kept, so one huge row does not stay pinned.
//!
//! Rows come back with their values, not cleared: a text value left in a
//! pooled row keeps its `String`, which [`crate::types::Value::set_from_datum`]
//! and [`crate::types::Value::assign_from`] overwrite in place.

use crate::types::Value;

/// Idle buffers of each kind kept at most.
pub const POOL_MAX: usize = 16;

/// Largest byte buffer (in bytes) or row (in values) kept for reuse.
pub const RETAIN_MAX_BYTES: usize = 64 << 10;

/// Text or bytea values larger than this are not kept in a pooled row.
const RETAIN_MAX_VALUE_BYTES: usize = 4 << 10;

/// A pool of reusable buffers; see the module docs.
#[derive(Debug, Default)]
pub struct Scratch {
    bytes: Vec<Vec<u8>>,
    rows: Vec<Vec<Value>>,
}

impl Scratch {
    /// An empty byte buffer (with the capacity of a returned one, if any).
    pub fn take_bytes(&mut self) -> Vec<u8> {
        self.bytes.pop().unwrap_or_default()
    }

    /// Returns a byte buffer to the pool.
    pub fn give_bytes(&mut self, mut buf: Vec<u8>) {
        if self.bytes.len() < POOL_MAX && buf.capacity() <= RETAIN_MAX_BYTES {
            buf.clear();
            self.bytes.push(buf);
        }
    }

    /// A row buffer. It may still hold values of an earlier row: callers
    /// overwrite it (decoding or copying into it), which reuses the text
    /// buffers of the values it holds.
    pub fn take_row(&mut self) -> Vec<Value> {
        self.rows.pop().unwrap_or_default()
    }

    /// Returns a row buffer to the pool.
    pub fn give_row(&mut self, mut row: Vec<Value>) {
        if self.rows.len() >= POOL_MAX || row.capacity() > RETAIN_MAX_BYTES {
            return;
        }
        for v in &mut row {
            let large = match v {
                Value::Text(s) => s.capacity() > RETAIN_MAX_VALUE_BYTES,
                Value::Bytea(b) => b.capacity() > RETAIN_MAX_VALUE_BYTES,
                _ => false,
            };
            if large {
                *v = Value::Null;
            }
        }
        self.rows.push(row);
    }
}

/// Makes `dst` a copy of `src`, reusing the buffers of the values `dst`
/// already holds.
pub fn copy_row(dst: &mut Vec<Value>, src: &[Value]) {
    dst.truncate(src.len());
    let kept = dst.len();
    for (d, s) in dst.iter_mut().zip(src) {
        d.assign_from(s);
    }
    dst.extend(src[kept..].iter().cloned());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_keep_their_capacity() {
        let mut s = Scratch::default();
        let mut b = s.take_bytes();
        b.extend_from_slice(&[1; 100]);
        let ptr = b.as_ptr();
        s.give_bytes(b);
        let b = s.take_bytes();
        assert!(b.is_empty());
        assert_eq!(b.as_ptr(), ptr, "the same buffer comes back");
    }

    #[test]
    fn oversized_buffers_are_dropped() {
        let mut s = Scratch::default();
        s.give_bytes(Vec::with_capacity(RETAIN_MAX_BYTES + 1));
        assert_eq!(s.take_bytes().capacity(), 0);
        s.give_row(vec![Value::Text("x".repeat(RETAIN_MAX_VALUE_BYTES + 1))]);
        assert_eq!(s.take_row(), vec![Value::Null]);
    }

    #[test]
    fn copy_row_reuses_text_buffers() {
        let mut dst = vec![Value::Text(String::with_capacity(32)), Value::Int4(1)];
        let ptr = match &dst[0] {
            Value::Text(t) => t.as_ptr(),
            _ => unreachable!(),
        };
        copy_row(
            &mut dst,
            &[Value::Text("abc".into()), Value::Null, Value::Int8(3)],
        );
        assert_eq!(
            dst,
            vec![Value::Text("abc".into()), Value::Null, Value::Int8(3)]
        );
        assert!(matches!(&dst[0], Value::Text(t) if t.as_ptr() == ptr));
        copy_row(&mut dst, &[Value::Bool(true)]);
        assert_eq!(dst, vec![Value::Bool(true)]);
    }
}
