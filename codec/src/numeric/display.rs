//! Printing `numeric` values exactly as PostgreSQL's `numeric_out` does:
//! plain positional notation (never an exponent), a `-` sign for negative
//! values (zero never has one), at least one digit before the point, and
//! exactly `dscale` digits after it (`1.50` stays `1.50`, `1e3` is `1000`).

use std::fmt;

use super::{Numeric, NumericClass};

impl Numeric {
    /// The digit at decimal position `pos` (0 = units).
    fn digit_at(&self, pos: i64) -> u8 {
        let index = i64::from(self.weight) - pos;
        if index < 0 {
            return 0;
        }
        self.digits.get(index as usize).copied().unwrap_or(0)
    }
}

/// Writes ASCII digits through a small stack buffer, so long values do not
/// go through one `write_char` call per digit.
struct DigitWriter<'f, 'g> {
    f: &'f mut fmt::Formatter<'g>,
    buf: [u8; 64],
    len: usize,
}

impl DigitWriter<'_, '_> {
    fn push(&mut self, byte: u8) -> fmt::Result {
        if self.len == self.buf.len() {
            self.flush()?;
        }
        self.buf[self.len] = byte;
        self.len += 1;
        Ok(())
    }

    fn flush(&mut self) -> fmt::Result {
        // Only ASCII digits, '-' and '.' are pushed.
        let text = std::str::from_utf8(&self.buf[..self.len]).map_err(|_| fmt::Error)?;
        self.f.write_str(text)?;
        self.len = 0;
        Ok(())
    }
}

impl fmt::Display for Numeric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.class {
            NumericClass::NaN => return f.write_str("NaN"),
            NumericClass::Infinity => return f.write_str("Infinity"),
            NumericClass::NegInfinity => return f.write_str("-Infinity"),
            NumericClass::Zero | NumericClass::Negative | NumericClass::Positive => {}
        }
        let mut out = DigitWriter {
            f,
            buf: [0; 64],
            len: 0,
        };
        if self.class == NumericClass::Negative {
            out.push(b'-')?;
        }
        let top = i64::from(self.weight).max(0);
        for pos in (0..=top).rev() {
            out.push(b'0' + self.digit_at(pos))?;
        }
        if self.dscale > 0 {
            out.push(b'.')?;
            for pos in 1..=i64::from(self.dscale) {
                out.push(b'0' + self.digit_at(-pos))?;
            }
        }
        out.flush()
    }
}

impl fmt::Debug for Numeric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Numeric({self})")
    }
}
