//! `int2vector` and `oidvector`, the system catalogs' vector types
//! (`pg_index.indkey`, `pg_index.indclass`, `pg_proc.proargtypes`, ...).
//!
//! A vector value is carried in its output form: the elements' text
//! separated by single spaces (`1 2`), which is what clients such as
//! `pg_dump` parse. PostgreSQL makes both types binary-coercible to the
//! array of their element with lower bound 0, so `indkey[0]` is the first
//! column; here the binder inserts the same implicit cast (see
//! [`to_array`]) wherever a vector meets an array operation.

use super::array;
use super::sql_type::SqlType;
use super::text_io::{parse_int, parse_oid};
use crate::error::Result;

/// The input function (`int2vectorin` / `oidvectorin`): elements
/// separated by white space, each read with the element type's input
/// rules; returns the canonical text.
pub fn parse(input: &str, elem: &SqlType) -> Result<String> {
    let mut out = String::with_capacity(input.len());
    for word in input.split_ascii_whitespace() {
        let n = match elem {
            SqlType::Oid => parse_oid(word)?,
            _ => parse_int(word, i64::from(i16::MIN), i64::from(i16::MAX), "smallint")?,
        };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&n.to_string());
    }
    Ok(out)
}

/// The implicit cast to the element's array: `1 2` becomes
/// `[0:1]={1,2}` (PostgreSQL's vectors are zero-based); the empty vector
/// is `{}`.
pub fn to_array(text: &str) -> String {
    let items: Vec<&str> = text.split_ascii_whitespace().collect();
    if items.is_empty() {
        return "{}".to_owned();
    }
    format!(
        "[0:{}]={}",
        items.len() - 1,
        array::format(items.iter().map(|s| Some(*s)))
    )
}

/// A vector's canonical text from its element numbers.
pub fn format<I: IntoIterator<Item = i64>>(items: I) -> String {
    items
        .into_iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_and_array_form() {
        assert_eq!(parse(" 1  2 ", &SqlType::Int2).unwrap(), "1 2");
        assert_eq!(parse("", &SqlType::Int2).unwrap(), "");
        assert_eq!(
            parse("4294967295 -1", &SqlType::Oid).unwrap(),
            "4294967295 4294967295"
        );
        assert!(parse("1 x", &SqlType::Int2).is_err());
        assert!(parse("40000", &SqlType::Int2).is_err());
        assert_eq!(to_array("1 2"), "[0:1]={1,2}");
        assert_eq!(to_array(""), "{}");
        assert_eq!(format([3, 1]), "3 1");
    }
}
