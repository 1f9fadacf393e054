//! One-dimensional arrays in PostgreSQL's text form.
//!
//! An array value is carried as its canonical text (`{1,2,3}`,
//! `{a,"b c",NULL}`), which is exactly what PostgreSQL's `array_out`
//! prints. The engine needs arrays for the system catalogs and the
//! functions over them (`= ANY (array)`, `array_to_string`,
//! `array_position`, `ARRAY(SELECT ...)`, `||`), not as a storage type,
//! so keeping them as text keeps every other layer (row codec, comparison,
//! wire output) unchanged: [`parse`] splits the text into element texts,
//! [`format`] joins element texts back, quoting as `array_out` does.
//! Multi-dimensional arrays and explicit bounds (`[0:1]={...}`) are
//! rejected with 0A000.

use super::sql_type::SqlType;
use super::value::Value;
use crate::error::{EngineError, Result, SqlState};

fn malformed(input: &str, detail: &str) -> EngineError {
    EngineError::new(
        SqlState::InvalidTextRepresentation,
        format!("malformed array literal: \"{input}\""),
    )
    .with_detail(detail.to_string())
}

/// Splits an array literal into its elements' texts (`None` for `NULL`).
pub fn parse(input: &str) -> Result<Vec<Option<String>>> {
    let s = input.trim();
    if s.starts_with('[') {
        return Err(EngineError::unsupported("array bounds in array literals"));
    }
    let inner = s
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .ok_or_else(|| {
            malformed(
                input,
                "Array value must start with \"{\" or dimension information.",
            )
        })?;
    let mut out = Vec::new();
    if inner.trim().is_empty() {
        return Ok(out);
    }
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut text = String::new();
        let mut quoted = false;
        match chars.peek() {
            Some('{') => return Err(EngineError::unsupported("multidimensional arrays")),
            Some('"') => {
                quoted = true;
                chars.next();
                loop {
                    match chars.next() {
                        None => return Err(malformed(input, "Unexpected end of input.")),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c) => text.push(c),
                            None => return Err(malformed(input, "Unexpected end of input.")),
                        },
                        Some(c) => text.push(c),
                    }
                }
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            }
            _ => {
                while let Some(&c) = chars.peek() {
                    if c == ',' {
                        break;
                    }
                    chars.next();
                    if c == '\\' {
                        if let Some(n) = chars.next() {
                            text.push(n);
                        }
                    } else if c == '"' || c == '{' || c == '}' {
                        return Err(malformed(input, "Unexpected array element."));
                    } else {
                        text.push(c);
                    }
                }
                let trimmed = text.trim_end().len();
                text.truncate(trimmed);
                if text.is_empty() {
                    return Err(malformed(input, "Unexpected \",\" character."));
                }
            }
        }
        if !quoted && text.eq_ignore_ascii_case("NULL") {
            out.push(None);
        } else {
            out.push(Some(text));
        }
        match chars.next() {
            None => break,
            Some(',') => continue,
            Some(_) => return Err(malformed(input, "Unexpected array element.")),
        }
    }
    Ok(out)
}

/// Joins element texts into an array literal, quoting elements as
/// PostgreSQL's `array_out` does (empty strings, `NULL`, and texts with
/// delimiters, quotes, backslashes or spaces).
pub fn format<'a>(items: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let mut out = String::from("{");
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match item {
            None => out.push_str("NULL"),
            Some(t) => {
                let needs_quotes = t.is_empty()
                    || t.eq_ignore_ascii_case("NULL")
                    || t.chars().any(|c| {
                        matches!(c, '{' | '}' | ',' | '"' | '\\') || c.is_ascii_whitespace()
                    });
                if needs_quotes {
                    out.push('"');
                    for c in t.chars() {
                        if c == '"' || c == '\\' {
                            out.push('\\');
                        }
                        out.push(c);
                    }
                    out.push('"');
                } else {
                    out.push_str(t);
                }
            }
        }
    }
    out.push('}');
    out
}

/// Reads an array literal of element type `elem`, checking every element
/// with the element type's input function; returns the canonical text.
pub fn canonical(input: &str, elem: &SqlType) -> Result<String> {
    let items = parse(input)?;
    let mut texts = Vec::with_capacity(items.len());
    for item in &items {
        texts.push(match item {
            None => None,
            Some(t) => {
                let v = Value::parse_text_base(t, elem)?;
                Some(v.to_text().unwrap_or_default())
            }
        });
    }
    Ok(format(texts.iter().map(|t| t.as_deref())))
}

/// The elements of an array value as values of type `elem`.
pub fn elements(array: &str, elem: &SqlType) -> Result<Vec<Value>> {
    parse(array)?
        .into_iter()
        .map(|item| match item {
            None => Ok(Value::Null),
            Some(t) => Value::parse_text_base(&t, elem),
        })
        .collect()
}

/// Builds an array value from element values.
pub fn from_values(values: &[Value]) -> Value {
    let texts: Vec<Option<String>> = values.iter().map(Value::to_text).collect();
    Value::Text(format(texts.iter().map(|t| t.as_deref())))
}

/// `||` with at least one array operand: array || array, array ||
/// element, element || array. `NULL` arrays act as empty ones, as in
/// PostgreSQL.
pub fn concat(l: &Value, lt: &SqlType, r: &Value, rt: &SqlType) -> Result<Value> {
    let mut items: Vec<Option<String>> = Vec::new();
    for (v, t) in [(l, lt), (r, rt)] {
        match (v, t) {
            (Value::Null, SqlType::Array(_)) => {}
            (Value::Text(a), SqlType::Array(_)) => items.extend(parse(a)?),
            (v, _) => items.push(v.to_text()),
        }
    }
    Ok(Value::Text(format(items.iter().map(|t| t.as_deref()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let items = parse(r#"{a, "b c" ,NULL,"NULL","",\,x,"q\"uote"}"#).unwrap();
        assert_eq!(
            items,
            vec![
                Some("a".into()),
                Some("b c".into()),
                None,
                Some("NULL".into()),
                Some("".into()),
                Some(",x".into()),
                Some("q\"uote".into()),
            ]
        );
        assert_eq!(
            format(items.iter().map(|t| t.as_deref())),
            r#"{a,"b c",NULL,"NULL","","\,x","q\"uote"}"#.replace("\"\\,x\"", "\",x\"")
        );
        assert!(parse("{}").unwrap().is_empty());
        assert!(parse("1,2").is_err());
        assert!(parse("{{1},{2}}").is_err());
        assert_eq!(canonical("{ 1, 02 ,3}", &SqlType::Int4).unwrap(), "{1,2,3}");
        assert!(canonical("{1,x}", &SqlType::Int4).is_err());
    }
}
