//! Composite types (`CREATE TYPE pair AS (a int, b text)`) and row values.
//!
//! A [`CompositeDef`] is the whole definition of one composite type: its
//! OIDs (the type, its array type `_name` and the `pg_class` row of
//! relkind `c` that PostgreSQL gives every composite type), its name and
//! its attributes. Definitions are interned ([`intern`]) into `'static`
//! references, so [`crate::types::SqlType::Composite`] stays `Copy`.
//!
//! A row value, of a composite type or of the anonymous `record` type
//! (`ROW(1, 'x')`), is carried as its canonical text, PostgreSQL's
//! `record_out` form (`(1,"a b")`), in a [`Value::Text`], as arrays are:
//! input ([`parse_typed`]) checks every field with its type's input
//! function and writes the canonical form, field access and comparison
//! parse the text ([`split`]) and read the fields they need. Comparison
//! follows `record_cmp`: field by field, a NULL field greater than any
//! value and equal to another NULL.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::sql_type::SqlType;
use super::value::Value;
use crate::error::{EngineError, Result, SqlState};

/// The first byte of a composite type's catalog descriptor (enum
/// descriptors start with 1, domains with 2).
pub const COMPOSITE_TAG: u8 = 3;

/// One attribute of a composite type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CompositeAttr {
    /// The attribute name.
    pub name: String,
    /// Its type (a built-in type).
    pub ty: SqlType,
}

/// A composite type's definition (its `pg_type`, `pg_class` and
/// `pg_attribute` rows).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CompositeDef {
    /// `pg_type.oid`.
    pub oid: u32,
    /// The OID of the array type `_name`.
    pub array_oid: u32,
    /// `pg_type.typrelid`: the OID of its `pg_class` row (relkind `c`).
    pub relid: u32,
    /// The schema.
    pub schema: String,
    /// The type name.
    pub name: String,
    /// The attributes in order.
    pub attrs: Vec<CompositeAttr>,
}

impl CompositeDef {
    /// Serializes the definition.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.clear();
        out.push(COMPOSITE_TAG);
        for v in [self.oid, self.array_oid, self.relid] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        put_str(out, &self.schema);
        put_str(out, &self.name);
        out.extend_from_slice(&(self.attrs.len() as u32).to_be_bytes());
        for a in &self.attrs {
            put_str(out, &a.name);
            out.extend_from_slice(&a.ty.oid().to_be_bytes());
            out.extend_from_slice(&(a.ty.typmod() as u32).to_be_bytes());
        }
    }

    /// Deserializes a definition written by [`CompositeDef::encode`],
    /// from the front of `input` (advanced past it).
    pub fn decode(input: &mut &[u8]) -> Result<CompositeDef> {
        if get_u8(input)? != COMPOSITE_TAG {
            return Err(corrupt());
        }
        let oid = get_u32(input)?;
        let array_oid = get_u32(input)?;
        let relid = get_u32(input)?;
        let schema = get_str(input)?;
        let name = get_str(input)?;
        let n = get_u32(input)? as usize;
        let mut attrs = Vec::with_capacity(n.min(1600));
        for _ in 0..n {
            let name = get_str(input)?;
            let toid = get_u32(input)?;
            let typmod = get_u32(input)? as i32;
            let ty = SqlType::from_oid_typmod(toid, typmod).ok_or_else(corrupt)?;
            attrs.push(CompositeAttr { name, ty });
        }
        Ok(CompositeDef {
            oid,
            array_oid,
            relid,
            schema,
            name,
            attrs,
        })
    }

    /// The position of attribute `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.attrs.iter().position(|a| a.name == name)
    }
}

/// The `'static` copy of `def`: one per distinct definition.
pub fn intern(def: &CompositeDef) -> &'static CompositeDef {
    static TABLE: OnceLock<Mutex<HashMap<Vec<u8>, &'static CompositeDef>>> = OnceLock::new();
    let mut key = Vec::new();
    def.encode(&mut key);
    let mut table = TABLE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    table
        .entry(key)
        .or_insert_with(|| Box::leak(Box::new(def.clone())))
}

/// The array type of composite type `def` (`pair[]`, OID
/// `def.array_oid`); `None` for a table's row type, which has no array
/// type here.
pub fn array_type(def: &'static CompositeDef) -> Option<SqlType> {
    if def.array_oid == 0 {
        return None;
    }
    Some(SqlType::Array(super::array_typmod::element(
        SqlType::Composite(def),
    )))
}

fn malformed(input: &str, detail: &str) -> EngineError {
    EngineError::new(
        SqlState::InvalidTextRepresentation,
        format!("malformed record literal: \"{input}\""),
    )
    .with_detail(detail)
}

/// Splits a record literal into its fields as `record_in` reads them
/// (`None` for an empty, unquoted field: NULL), expecting `n` fields.
pub fn split(input: &str, n: usize) -> Result<Vec<Option<String>>> {
    let b = input.as_bytes();
    let mut p = 0;
    while p < b.len() && b[p].is_ascii_whitespace() {
        p += 1;
    }
    if b.get(p) != Some(&b'(') {
        return Err(malformed(input, "Missing left parenthesis."));
    }
    p += 1;
    let mut fields = Vec::with_capacity(n.min(1600));
    for i in 0..n {
        if i > 0 {
            if b.get(p) == Some(&b',') {
                p += 1;
            } else {
                return Err(malformed(input, "Too few columns."));
            }
        }
        if matches!(b.get(p), Some(b',' | b')')) {
            fields.push(None);
            continue;
        }
        let mut buf = Vec::new();
        let mut inquote = false;
        loop {
            let Some(&ch) = b.get(p) else {
                return Err(malformed(input, "Unexpected end of input."));
            };
            if !inquote && (ch == b',' || ch == b')') {
                break;
            }
            p += 1;
            match ch {
                b'\\' => {
                    let Some(&next) = b.get(p) else {
                        return Err(malformed(input, "Unexpected end of input."));
                    };
                    buf.push(next);
                    p += 1;
                }
                b'"' if !inquote => inquote = true,
                b'"' if b.get(p) == Some(&b'"') => {
                    buf.push(b'"');
                    p += 1;
                }
                b'"' => inquote = false,
                _ => buf.push(ch),
            }
        }
        // Only ASCII bytes were removed, so the rest is still UTF-8.
        fields.push(Some(String::from_utf8_lossy(&buf).into_owned()));
    }
    if b.get(p) != Some(&b')') {
        return Err(malformed(input, "Too many columns."));
    }
    p += 1;
    while p < b.len() && b[p].is_ascii_whitespace() {
        p += 1;
    }
    if p < b.len() {
        return Err(malformed(input, "Junk after right parenthesis."));
    }
    Ok(fields)
}

/// Appends one field as `record_out` writes it: nothing for NULL, the
/// text in double quotes (doubling `"` and `\`) when it is empty or holds
/// a quote, backslash, parenthesis, comma or white space.
pub fn write_field(out: &mut String, field: Option<&str>) {
    let Some(s) = field else {
        return;
    };
    let quote = s.is_empty()
        || s.bytes()
            .any(|c| matches!(c, b'"' | b'\\' | b'(' | b')' | b',') || c.is_ascii_whitespace());
    if !quote {
        out.push_str(s);
        return;
    }
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push(c);
        }
        out.push(c);
    }
    out.push('"');
}

/// The canonical text of a row of `values` (`record_out`).
pub fn row_text(values: &[Value]) -> String {
    let mut out = String::from("(");
    let mut text = String::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if v.is_null() {
            continue;
        }
        text.clear();
        v.write_text(&mut text);
        write_field(&mut out, Some(&text));
    }
    out.push(')');
    out
}

/// The fields of a row of type `def` given as text, as values of the
/// attribute types.
pub fn fields(def: &CompositeDef, input: &str) -> Result<Vec<Value>> {
    split(input, def.attrs.len())?
        .into_iter()
        .zip(&def.attrs)
        .map(|(f, a)| match f {
            None => Ok(Value::Null),
            Some(s) => Value::parse_text(&s, &a.ty),
        })
        .collect()
}

/// Reads `input` as a value of composite type `def` (`record_in`):
/// every field through its type's input function; the canonical text.
pub fn parse_typed(def: &CompositeDef, input: &str) -> Result<String> {
    Ok(row_text(&fields(def, input)?))
}

/// Field `index` of a row of type `def`.
pub fn field(def: &CompositeDef, input: &str, index: usize) -> Result<Value> {
    let f = split(input, def.attrs.len())?;
    match f.into_iter().nth(index).flatten() {
        None => Ok(Value::Null),
        Some(s) => Value::parse_text(&s, &def.attrs[index].ty),
    }
}

/// Compares two rows of type `def` as `record_cmp`: field by field, NULL
/// fields equal to each other and greater than any value.
pub fn compare(def: &CompositeDef, a: &str, b: &str) -> Result<Ordering> {
    let fa = fields(def, a)?;
    let fb = fields(def, b)?;
    for ((x, y), attr) in fa.iter().zip(&fb).zip(&def.attrs) {
        let o = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => super::compare_typed(&attr.ty, x, y).unwrap_or(Ordering::Equal),
        };
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(Ordering::Equal)
}

/// `row IS NULL` of a row carried as text: true when every field is NULL.
pub fn all_null(input: &str, n: usize) -> Result<bool> {
    Ok(split(input, n)?.iter().all(Option::is_none))
}

/// `row IS NOT NULL`: true when no field is NULL.
pub fn none_null(input: &str, n: usize) -> Result<bool> {
    Ok(split(input, n)?.iter().all(Option::is_some))
}

/// The number of fields of a canonical row text (for anonymous
/// `record` values, whose type does not say).
pub fn field_count(input: &str) -> usize {
    let mut n = 1;
    let mut inquote = false;
    let mut chars = input.trim().chars().skip(1).peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => inquote = !inquote,
            ',' if !inquote => n += 1,
            _ => {}
        }
    }
    n
}

/// What a corrupt descriptor of this kind is called in the error.
const WHAT: &str = "composite type";

fn put_str(out: &mut Vec<u8>, s: &str) {
    super::descriptor::put_str(out, s)
}

fn corrupt() -> EngineError {
    EngineError::new(SqlState::DataCorrupted, format!("bad {WHAT} descriptor"))
}

fn get_u8(r: &mut &[u8]) -> Result<u8> {
    super::descriptor::get_u8(r, WHAT)
}

fn get_u32(r: &mut &[u8]) -> Result<u32> {
    super::descriptor::get_u32(r, WHAT)
}

fn get_str(r: &mut &[u8]) -> Result<String> {
    super::descriptor::get_str(r, WHAT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> CompositeDef {
        CompositeDef {
            oid: 16400,
            array_oid: 16401,
            relid: 16402,
            schema: "public".into(),
            name: "pair".into(),
            attrs: vec![
                CompositeAttr {
                    name: "a".into(),
                    ty: SqlType::Int4,
                },
                CompositeAttr {
                    name: "b".into(),
                    ty: SqlType::Text,
                },
            ],
        }
    }

    #[test]
    fn round_trips_and_interns() {
        let def = pair();
        let mut buf = Vec::new();
        def.encode(&mut buf);
        let back = CompositeDef::decode(&mut buf.as_slice()).unwrap();
        assert_eq!(back, def);
        assert!(std::ptr::eq(intern(&def), intern(&back)));
    }

    #[test]
    fn quotes_as_record_out() {
        let d = pair();
        assert_eq!(parse_typed(&d, "(1,x)").unwrap(), "(1,x)");
        assert_eq!(parse_typed(&d, " ( 1,\"a b\") ").unwrap(), "(1,\"a b\")");
        assert_eq!(parse_typed(&d, "(1,\"\")").unwrap(), "(1,\"\")");
        assert_eq!(parse_typed(&d, "(,)").unwrap(), "(,)");
        assert_eq!(parse_typed(&d, "(2,a\\\"b)").unwrap(), "(2,\"a\"\"b\")");
        assert_eq!(parse_typed(&d, "(3,\"x\"\"y\")").unwrap(), "(3,\"x\"\"y\")");
        assert_eq!(parse_typed(&d, "(4,\"a\\\\b\")").unwrap(), "(4,\"a\\\\b\")");
        assert_eq!(parse_typed(&d, "(5,\"(,)\")").unwrap(), "(5,\"(,)\")");
    }

    #[test]
    fn rejects_as_record_in() {
        let d = pair();
        let detail = |s: &str| parse_typed(&d, s).unwrap_err().detail.unwrap_or_default();
        assert_eq!(detail("1,x"), "Missing left parenthesis.");
        assert_eq!(detail("(1)"), "Too few columns.");
        assert_eq!(detail("(1,x,y)"), "Too many columns.");
        assert_eq!(detail("(1,x) z"), "Junk after right parenthesis.");
        assert_eq!(detail("(1,\"x"), "Unexpected end of input.");
        let e = parse_typed(&d, "(z,x)").unwrap_err();
        assert_eq!(e.message, "invalid input syntax for type integer: \"z\"");
    }

    #[test]
    fn compares_as_record_cmp() {
        let d = pair();
        assert_eq!(compare(&d, "(1,x)", "(1,y)").unwrap(), Ordering::Less);
        assert_eq!(compare(&d, "(10,x)", "(9,y)").unwrap(), Ordering::Greater);
        assert_eq!(compare(&d, "(1,)", "(1,)").unwrap(), Ordering::Equal);
        assert_eq!(compare(&d, "(1,)", "(1,z)").unwrap(), Ordering::Greater);
        assert!(all_null("(,)", 2).unwrap());
        assert!(!none_null("(1,)", 2).unwrap());
        assert_eq!(field_count("(1,\"a,b\",)"), 3);
        assert_eq!(field(&d, "(7,q)", 0).unwrap(), Value::Int4(7));
    }
}
