//! COPY data formats: decoding incoming text/CSV into rows of fields, and
//! encoding result rows for COPY TO STDOUT.
//!
//! [`CopyDecoder`] is fed CopyData payloads as they arrive. Payloads are not
//! aligned to rows, so it keeps only the unfinished tail of the input (one
//! partial record) between calls; complete records are decoded into
//! `Option<String>` fields (None = NULL) and handed out at once. The
//! end-of-data marker `\.` on a line of its own ends the data; anything after
//! it is ignored, as PostgreSQL does.

use super::statement::{CopyFormat, CopyOptions};

/// A decoded record: one optional string per field.
pub type Record = Vec<Option<String>>;

/// A record with the input line it started on (1-based).
pub type NumberedRecord = (u64, Record);

/// A data error: SQLSTATE, message (line context is added by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    /// SQLSTATE.
    pub code: &'static str,
    /// Message.
    pub message: String,
}

fn bad(code: &'static str, message: impl Into<String>) -> DataError {
    DataError {
        code,
        message: message.into(),
    }
}

/// Incremental decoder of COPY FROM STDIN data.
pub struct CopyDecoder {
    opts: CopyOptions,
    /// Unconsumed input (at most one partial record after each call).
    buf: Vec<u8>,
    /// Records seen so far (for `line N` context; includes the header).
    line: u64,
    /// The end marker was seen.
    done: bool,
    /// The header still has to be skipped.
    skip_header: bool,
}

impl CopyDecoder {
    /// A decoder for the given options.
    pub fn new(opts: CopyOptions) -> Self {
        let skip_header = opts.header;
        CopyDecoder {
            opts,
            buf: Vec::new(),
            line: 0,
            done: false,
            skip_header,
        }
    }

    /// The number of the line being decoded (1-based), for error context.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Decodes every complete record in `data` (plus the kept tail) into
    /// `out`.
    pub fn push(&mut self, data: &[u8], out: &mut Vec<NumberedRecord>) -> Result<(), DataError> {
        if self.done {
            return Ok(());
        }
        self.buf.extend_from_slice(data);
        let mut start = 0;
        while !self.done {
            let Some(end) = self.record_end(start) else {
                break;
            };
            let mut rec_end = end;
            if rec_end > start && self.buf[rec_end - 1] == b'\r' {
                rec_end -= 1;
            }
            let record = self.buf[start..rec_end].to_vec();
            start = end + 1;
            self.handle(&record, out)?;
        }
        self.buf.drain(..start);
        if self.done {
            self.buf.clear();
        }
        Ok(())
    }

    /// Decodes the final record if the data did not end with a newline.
    pub fn finish(&mut self, out: &mut Vec<NumberedRecord>) -> Result<(), DataError> {
        if !self.done && !self.buf.is_empty() {
            if self.opts.format == CopyFormat::Csv && self.record_end_quoted_open() {
                self.line += 1;
                return Err(bad("22P04", "unterminated CSV quoted field"));
            }
            let record = std::mem::take(&mut self.buf);
            self.handle(&record, out)?;
        }
        self.done = true;
        Ok(())
    }

    fn handle(&mut self, record: &[u8], out: &mut Vec<NumberedRecord>) -> Result<(), DataError> {
        self.line += 1;
        if record == b"\\." {
            self.done = true;
            return Ok(());
        }
        if self.skip_header {
            self.skip_header = false;
            return Ok(());
        }
        let fields = match self.opts.format {
            CopyFormat::Text => decode_text(record, &self.opts)?,
            CopyFormat::Csv => decode_csv(record, &self.opts)?,
            CopyFormat::Binary => return Err(bad("XX000", "binary COPY data in the text decoder")),
        };
        out.push((self.line, fields));
        Ok(())
    }

    /// The index of the newline ending the record that starts at `start`.
    fn record_end(&self, start: usize) -> Option<usize> {
        let b = &self.buf[start..];
        match self.opts.format {
            CopyFormat::Text | CopyFormat::Binary => {
                b.iter().position(|&c| c == b'\n').map(|i| start + i)
            }
            CopyFormat::Csv => {
                let (q, e) = (self.opts.quote, self.opts.escape);
                let mut in_quote = false;
                let mut i = 0;
                while i < b.len() {
                    let c = b[i];
                    if in_quote {
                        if c == e && e != q && b.get(i + 1) == Some(&q) {
                            i += 2;
                            continue;
                        }
                        if c == q {
                            in_quote = false;
                        }
                    } else if c == q {
                        in_quote = true;
                    } else if c == b'\n' {
                        return Some(start + i);
                    }
                    i += 1;
                }
                None
            }
        }
    }

    fn record_end_quoted_open(&self) -> bool {
        let (q, e) = (self.opts.quote, self.opts.escape);
        let mut in_quote = false;
        let mut i = 0;
        while i < self.buf.len() {
            let c = self.buf[i];
            if in_quote && c == e && e != q && self.buf.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            if c == q {
                in_quote = !in_quote;
            }
            i += 1;
        }
        in_quote
    }
}

fn utf8(bytes: Vec<u8>) -> Result<String, DataError> {
    String::from_utf8(bytes)
        .map_err(|_| bad("22021", "invalid byte sequence for encoding \"UTF8\""))
}

fn hex_val(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Splits a text-format line into fields, de-escaping each.
fn decode_text(line: &[u8], opts: &CopyOptions) -> Result<Record, DataError> {
    let mut fields = Vec::new();
    let mut start = 0;
    let mut i = 0;
    loop {
        if i >= line.len() || line[i] == opts.delimiter {
            let raw = &line[start..i.min(line.len())];
            fields.push(if raw == opts.null.as_bytes() {
                None
            } else {
                Some(unescape_text(raw)?)
            });
            if i >= line.len() {
                break;
            }
            i += 1;
            start = i;
            continue;
        }
        if line[i] == b'\\' {
            i += 2;
        } else {
            i += 1;
        }
    }
    Ok(fields)
}

fn unescape_text(raw: &[u8]) -> Result<String, DataError> {
    if !raw.contains(&b'\\') {
        return utf8(raw.to_vec());
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let Some(&n) = raw.get(i + 1) else {
            // A trailing lone backslash: PostgreSQL keeps it.
            out.push(b'\\');
            break;
        };
        i += 2;
        match n {
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v = u32::from(n - b'0');
                for _ in 0..2 {
                    match raw.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push((v & 0xff) as u8);
            }
            b'x' => match raw.get(i).copied().and_then(hex_val) {
                Some(h) => {
                    let mut v = h;
                    i += 1;
                    if let Some(l) = raw.get(i).copied().and_then(hex_val) {
                        v = v * 16 + l;
                        i += 1;
                    }
                    out.push(v);
                }
                None => out.push(b'x'),
            },
            other => out.push(other),
        }
    }
    if out.contains(&0) {
        return Err(bad(
            "22021",
            "invalid byte sequence for encoding \"UTF8\": 0x00",
        ));
    }
    utf8(out)
}

/// Splits a CSV record into fields.
fn decode_csv(rec: &[u8], opts: &CopyOptions) -> Result<Record, DataError> {
    let (d, q, e) = (opts.delimiter, opts.quote, opts.escape);
    let mut fields = Vec::new();
    let mut i = 0;
    loop {
        let mut value = Vec::new();
        let mut quoted = false;
        let field_start = i;
        while i < rec.len() && rec[i] != d {
            if rec[i] == q {
                quoted = true;
                i += 1;
                loop {
                    match rec.get(i) {
                        None => return Err(bad("22P04", "unterminated CSV quoted field")),
                        Some(&c) if c == e && rec.get(i + 1) == Some(&q) => {
                            value.push(q);
                            i += 2;
                        }
                        Some(&c) if c == q => {
                            i += 1;
                            break;
                        }
                        Some(&c) => {
                            value.push(c);
                            i += 1;
                        }
                    }
                }
            } else {
                value.push(rec[i]);
                i += 1;
            }
        }
        let raw = &rec[field_start..i];
        fields.push(if !quoted && raw == opts.null.as_bytes() {
            None
        } else {
            Some(utf8(value)?)
        });
        if i >= rec.len() {
            break;
        }
        i += 1;
    }
    Ok(fields)
}

/// Appends one field of COPY TO output (`None` = NULL).
pub fn encode_field(out: &mut String, value: Option<&str>, opts: &CopyOptions) {
    match opts.format {
        // Binary rows are written by `super::binary`, never as text.
        CopyFormat::Binary => {}
        CopyFormat::Text => match value {
            None => out.push_str(&opts.null),
            Some(v) => {
                let delim = opts.delimiter as char;
                for c in v.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\t' if delim == '\t' => out.push_str("\\t"),
                        '\u{8}' => out.push_str("\\b"),
                        '\u{c}' => out.push_str("\\f"),
                        '\u{b}' => out.push_str("\\v"),
                        c if c == delim => {
                            out.push('\\');
                            out.push(c);
                        }
                        c => out.push(c),
                    }
                }
            }
        },
        CopyFormat::Csv => match value {
            None => out.push_str(&opts.null),
            Some(v) => {
                let (d, q, e) = (
                    opts.delimiter as char,
                    opts.quote as char,
                    opts.escape as char,
                );
                let needs_quote = v == opts.null
                    || v.contains([d, q, '\n', '\r'])
                    || (opts.escape != opts.quote && v.contains(e))
                    || v == "\\.";
                if needs_quote {
                    out.push(q);
                    for c in v.chars() {
                        if c == q || (c == e && e != q) {
                            out.push(e);
                        }
                        out.push(c);
                    }
                    out.push(q);
                } else {
                    out.push_str(v);
                }
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::statement::parse;
    use super::*;

    fn decode(sql: &str, chunks: &[&[u8]]) -> Result<Vec<Record>, DataError> {
        let opts = parse(sql).unwrap().options;
        let mut d = CopyDecoder::new(opts);
        let mut out = Vec::new();
        for c in chunks {
            d.push(c, &mut out)?;
        }
        d.finish(&mut out)?;
        Ok(out.into_iter().map(|(_, r)| r).collect())
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn text_rows_split_across_chunks() {
        let rows = decode(
            "copy t from stdin",
            &[
                b"1\tab",
                b"c\t\\N\n2\t\\tx\\\\y\t\n",
                b"\\.\n",
                b"ignored\n",
            ],
        )
        .unwrap();
        assert_eq!(
            rows,
            vec![
                vec![s("1"), s("abc"), None],
                vec![s("2"), s("\tx\\y"), s("")],
            ]
        );
    }

    #[test]
    fn text_escapes() {
        let rows = decode("copy t from stdin", &[b"\\101\\x41\\n\\q\n"]).unwrap();
        assert_eq!(rows, vec![vec![s("AA\nq")]]);
        let rows = decode("copy t from stdin", &[b"a\\\tb\n"]).unwrap();
        assert_eq!(rows, vec![vec![s("a\tb")]]);
    }

    #[test]
    fn csv_quotes_and_nulls() {
        let rows = decode(
            "copy t from stdin (format csv, header)",
            &[b"a,b,c\n1,\"x,\"\"y\"\"\",\n2,\"multi\nline\",\"\"\n"],
        )
        .unwrap();
        assert_eq!(
            rows,
            vec![
                vec![s("1"), s("x,\"y\""), None],
                vec![s("2"), s("multi\nline"), s("")],
            ]
        );
        assert!(decode("copy t from stdin csv", &[b"1,\"open\n"]).is_err());
    }

    #[test]
    fn encode_roundtrip() {
        let opts = parse("copy t to stdout").unwrap().options;
        let mut out = String::new();
        encode_field(&mut out, Some("a\tb\\c\nd"), &opts);
        out.push('\t');
        encode_field(&mut out, None, &opts);
        assert_eq!(out, "a\\tb\\\\c\\nd\t\\N");
        let opts = parse("copy t to stdout csv").unwrap().options;
        let mut out = String::new();
        encode_field(&mut out, Some("x,\"y\""), &opts);
        out.push(',');
        encode_field(&mut out, Some(""), &opts);
        out.push(',');
        encode_field(&mut out, None, &opts);
        assert_eq!(out, "\"x,\"\"y\"\"\",\"\",");
    }
}
