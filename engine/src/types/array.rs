//! Arrays in PostgreSQL's text form, of any number of dimensions.
//!
//! An array value is carried as its canonical text (`{1,2,3}`,
//! `{{a,"b c"},{NULL,d}}`, `[0:1]={1,2}`), which is exactly what
//! PostgreSQL's `array_out` prints, so every other layer (row codec,
//! wire text output) stays unchanged. [`parse_array`] reads a literal as
//! `array_in` does into an [`ArrayText`]: its dimensions (length and lower
//! bound of each) and its element texts in row-major order; [`ArrayText::to_text`]
//! prints it back, quoting as `array_out` does. [`parse`] gives just the
//! elements (flattened, as PostgreSQL's element-wise functions see a
//! multi-dimensional array) and [`format`] builds a one-dimensional array.

use super::sql_type::SqlType;
use super::value::Value;
use crate::error::{EngineError, Result, SqlState};

/// PostgreSQL's `MAXDIM`.
pub const MAX_DIMS: usize = 6;

fn malformed(input: &str, detail: &str) -> EngineError {
    EngineError::new(
        SqlState::InvalidTextRepresentation,
        format!("malformed array literal: \"{input}\""),
    )
    .with_detail(detail.to_string())
}

/// One dimension of an array: its length and lower bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dim {
    /// Number of elements along the dimension.
    pub len: usize,
    /// Subscript of the first element (1 unless given).
    pub lower: i32,
}

impl Dim {
    /// The subscript of the last element.
    pub fn upper(&self) -> i64 {
        i64::from(self.lower) + self.len as i64 - 1
    }
}

/// An array read from its text: its dimensions (none for an empty array)
/// and its elements' texts in row-major order (`None` for `NULL`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ArrayText {
    /// The dimensions, outermost first.
    pub dims: Vec<Dim>,
    /// The elements, the last subscript varying fastest.
    pub items: Vec<Option<String>>,
}

impl ArrayText {
    /// A one-dimensional array (from 1) of `items`; empty when there are
    /// none.
    pub fn one_dim(items: Vec<Option<String>>) -> Self {
        let dims = if items.is_empty() {
            Vec::new()
        } else {
            vec![Dim {
                len: items.len(),
                lower: 1,
            }]
        };
        ArrayText { dims, items }
    }

    /// The number of dimensions (0 for an empty array).
    pub fn ndims(&self) -> usize {
        self.dims.len()
    }

    /// `array_dims`: `[1:2][0:3]`.
    pub fn dims_text(&self) -> String {
        let mut out = String::new();
        for d in &self.dims {
            out.push_str(&format!("[{}:{}]", d.lower, d.upper()));
        }
        out
    }

    /// The canonical text, as `array_out` prints it: the dimensions first
    /// when a lower bound is not 1.
    pub fn to_text(&self) -> String {
        if self.dims.is_empty() || self.items.is_empty() {
            return "{}".to_string();
        }
        let mut out = String::new();
        if self.dims.iter().any(|d| d.lower != 1) {
            out.push_str(&self.dims_text());
            out.push('=');
        }
        let mut next = 0;
        self.write_level(0, &mut next, &mut out);
        out
    }

    fn write_level(&self, level: usize, next: &mut usize, out: &mut String) {
        out.push('{');
        for i in 0..self.dims[level].len {
            if i > 0 {
                out.push(',');
            }
            if level + 1 < self.dims.len() {
                self.write_level(level + 1, next, out);
            } else {
                write_item(self.items.get(*next).and_then(|t| t.as_deref()), out);
                *next += 1;
            }
        }
        out.push('}');
    }

    /// The array as a value.
    pub fn into_value(self) -> Value {
        Value::Text(self.to_text())
    }

    /// Stacks equally shaped arrays into one of one more dimension
    /// (`ARRAY[[1,2],[3,4]]`, `array_agg` of arrays); `None` when the
    /// parts' dimensions (lengths or lower bounds) differ.
    pub fn stack(parts: Vec<ArrayText>) -> Option<ArrayText> {
        let Some(first) = parts.first() else {
            return Some(ArrayText::default());
        };
        let sub = first.dims.clone();
        let mut dims = vec![Dim {
            len: parts.len(),
            lower: 1,
        }];
        dims.extend(sub.iter().copied());
        let mut items = Vec::new();
        for p in parts {
            if p.dims != sub {
                return None;
            }
            items.extend(p.items);
        }
        Some(ArrayText { dims, items })
    }
}

fn write_item(item: Option<&str>, out: &mut String) {
    match item {
        None => out.push_str("NULL"),
        Some(t) => {
            let needs_quotes = t.is_empty()
                || t.eq_ignore_ascii_case("NULL")
                || t.chars()
                    .any(|c| matches!(c, '{' | '}' | ',' | '"' | '\\') || c.is_ascii_whitespace());
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

/// Reads an array literal as PostgreSQL's `array_in`: optional explicit
/// dimensions (`[0:1][1:2]=`), then nested braces whose sub-arrays must
/// all have the same shape (22P02 with `array_in`'s DETAIL otherwise).
pub fn parse_array(input: &str) -> Result<ArrayText> {
    let err = |detail: &str| malformed(input, detail);
    let mut p = Parser {
        chars: input.chars().collect(),
        pos: 0,
    };
    p.skip_ws();
    let mut explicit: Option<Vec<Dim>> = None;
    if p.peek() == Some('[') {
        let mut dims = Vec::new();
        while p.peek() == Some('[') {
            p.pos += 1;
            p.skip_ws();
            let first = p
                .int()
                .ok_or_else(|| err("Missing array dimension value."))?;
            p.skip_ws();
            let (lower, upper) = if p.peek() == Some(':') {
                p.pos += 1;
                p.skip_ws();
                let upper = p
                    .int()
                    .ok_or_else(|| err("Missing array dimension value."))?;
                (first, upper)
            } else {
                (1, first)
            };
            p.skip_ws();
            if p.peek() != Some(']') {
                return Err(err("Missing \"]\" after array dimensions."));
            }
            p.pos += 1;
            if upper < lower - 1 {
                return Err(EngineError::new(
                    SqlState::ArraySubscriptError,
                    "upper bound cannot be less than lower bound",
                ));
            }
            let lower = i32::try_from(lower).map_err(|_| err("Missing array dimension value."))?;
            dims.push(Dim {
                len: (upper - i64::from(lower) + 1) as usize,
                lower,
            });
            if dims.len() > MAX_DIMS {
                return Err(too_many_dims(dims.len()));
            }
        }
        p.skip_ws();
        if p.peek() != Some('=') {
            return Err(err("Missing \"=\" after array dimensions."));
        }
        p.pos += 1;
        p.skip_ws();
        if p.peek() != Some('{') {
            return Err(err("Array contents must start with \"{\"."));
        }
        explicit = Some(dims);
    } else if p.peek() != Some('{') {
        return Err(err(
            "Array value must start with \"{\" or dimension information.",
        ));
    }
    let mut shape = Shape {
        ndims: None,
        lens: Vec::new(),
        items: Vec::new(),
    };
    shape.level(&mut p, 1, input)?;
    p.skip_ws();
    if p.peek().is_some() {
        return Err(err("Junk after closing right brace."));
    }
    let mut dims: Vec<Dim> = shape
        .lens
        .iter()
        .map(|&len| Dim {
            len: len.unwrap_or(0),
            lower: 1,
        })
        .collect();
    if shape.items.is_empty() {
        dims.clear();
    }
    if let Some(given) = explicit {
        let lens: Vec<usize> = given.iter().map(|d| d.len).collect();
        let actual: Vec<usize> = dims.iter().map(|d| d.len).collect();
        if lens != actual && !(shape.items.is_empty() && lens.iter().all(|&l| l == 0)) {
            return Err(err(
                "Specified array dimensions do not match array contents.",
            ));
        }
        if !shape.items.is_empty() {
            dims = given;
        }
    }
    Ok(ArrayText {
        dims,
        items: shape.items,
    })
}

fn too_many_dims(n: usize) -> EngineError {
    EngineError::new(
        SqlState::ProgramLimitExceeded,
        format!("number of array dimensions ({n}) exceeds the maximum allowed ({MAX_DIMS})"),
    )
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn int(&mut self) -> Option<i64> {
        let start = self.pos;
        if matches!(self.peek(), Some('-' | '+')) {
            self.pos += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let s: String = self.chars[start..self.pos].iter().collect();
        s.parse().ok()
    }
}

/// What the nested braces have shown so far: the depth of the elements,
/// the length of each level (from its first sub-array) and the elements.
struct Shape {
    ndims: Option<usize>,
    lens: Vec<Option<usize>>,
    items: Vec<Option<String>>,
}

impl Shape {
    /// Reads one `{...}` at nesting `depth` (1 for the outermost).
    fn level(&mut self, p: &mut Parser, depth: usize, input: &str) -> Result<()> {
        let err = |detail: &str| malformed(input, detail);
        if depth > MAX_DIMS {
            return Err(too_many_dims(depth));
        }
        p.pos += 1; // '{'
        p.skip_ws();
        let mut count = 0usize;
        if p.peek() == Some('}') {
            if depth > 1 {
                return Err(err("Unexpected \"}\" character."));
            }
            p.pos += 1;
            self.ndims = Some(0);
            return Ok(());
        }
        loop {
            p.skip_ws();
            match p.peek() {
                None => return Err(err("Unexpected end of input.")),
                Some('{') => {
                    if self.ndims.is_some_and(|n| n <= depth) {
                        return Err(err("Unexpected \"{\" character."));
                    }
                    self.level(p, depth + 1, input)?;
                }
                Some('}') | Some(',') => {
                    return Err(err(&format!(
                        "Unexpected \"{}\" character.",
                        p.peek().unwrap_or(',')
                    )))
                }
                Some(_) => {
                    if self.ndims.is_some_and(|n| n != depth) {
                        return Err(err("Unexpected array element."));
                    }
                    self.ndims = Some(depth);
                    let item = element(p, input)?;
                    self.items.push(item);
                }
            }
            count += 1;
            p.skip_ws();
            match p.peek() {
                None => return Err(err("Unexpected end of input.")),
                Some(',') => p.pos += 1,
                Some('}') => {
                    p.pos += 1;
                    break;
                }
                Some(_) => return Err(err("Unexpected array element.")),
            }
        }
        if self.lens.len() < depth {
            self.lens.resize(depth, None);
        }
        if self.lens[depth - 1].is_none() {
            self.lens[depth - 1] = Some(count);
        } else if self.lens[depth - 1] != Some(count) {
            return Err(err(
                "Multidimensional arrays must have sub-arrays with matching dimensions.",
            ));
        }
        Ok(())
    }
}

/// One element's text (quoted or not; `None` for an unquoted `NULL`).
fn element(p: &mut Parser, input: &str) -> Result<Option<String>> {
    let err = |detail: &str| malformed(input, detail);
    let mut text = String::new();
    if p.peek() == Some('"') {
        p.pos += 1;
        loop {
            match p.peek() {
                None => return Err(err("Unexpected end of input.")),
                Some('"') => {
                    p.pos += 1;
                    break;
                }
                Some('\\') => {
                    p.pos += 1;
                    match p.peek() {
                        Some(c) => text.push(c),
                        None => return Err(err("Unexpected end of input.")),
                    }
                    p.pos += 1;
                }
                Some(c) => {
                    text.push(c);
                    p.pos += 1;
                }
            }
        }
        return Ok(Some(text));
    }
    let mut escaped_len = 0;
    while let Some(c) = p.peek() {
        if c == ',' || c == '}' {
            break;
        }
        p.pos += 1;
        if c == '\\' {
            if let Some(n) = p.peek() {
                text.push(n);
                p.pos += 1;
                escaped_len = text.len();
            }
        } else if c == '"' || c == '{' {
            return Err(err(&format!("Unexpected \"{c}\" character.")));
        } else {
            text.push(c);
        }
    }
    let trimmed = text.trim_end().len().max(escaped_len);
    text.truncate(trimmed);
    if escaped_len == 0 && text.eq_ignore_ascii_case("NULL") {
        return Ok(None);
    }
    Ok(Some(text))
}

/// Splits an array literal into its elements' texts (`None` for `NULL`),
/// flattened in row-major order.
pub fn parse(input: &str) -> Result<Vec<Option<String>>> {
    Ok(parse_array(input)?.items)
}

/// Joins element texts into a one-dimensional array literal, quoting
/// elements as PostgreSQL's `array_out` does (empty strings, `NULL`, and
/// texts with delimiters, quotes, backslashes or spaces).
pub fn format<'a>(items: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let mut out = String::from("{");
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_item(item, &mut out);
    }
    out.push('}');
    out
}

/// Reads an array literal of element type `elem`, checking every element
/// with the element type's input function; returns the canonical text.
pub fn canonical(input: &str, elem: &SqlType) -> Result<String> {
    let mut arr = parse_array(input)?;
    for item in arr.items.iter_mut().flatten() {
        let v = Value::parse_text_base(item, elem)?;
        *item = v.to_text().unwrap_or_default();
    }
    Ok(arr.to_text())
}

/// The elements of an array value as values of type `elem` (flattened).
pub fn elements(array: &str, elem: &SqlType) -> Result<Vec<Value>> {
    parse(array)?
        .into_iter()
        .map(|item| match item {
            None => Ok(Value::Null),
            // An anonymous row's text is its value (it has no input).
            Some(t) if *elem == SqlType::Record => Ok(Value::Text(t)),
            Some(t) => Value::parse_text_base(&t, elem),
        })
        .collect()
}

/// Builds a one-dimensional array value from element values.
pub fn from_values(values: &[Value]) -> Value {
    let texts: Vec<Option<String>> = values.iter().map(Value::to_text).collect();
    Value::Text(format(texts.iter().map(|t| t.as_deref())))
}

/// `ARRAY[sub, ...]` of array values: one more dimension. `NULL` and
/// empty sub-arrays are skipped when all are; otherwise every sub-array
/// must have the same dimensions (2202E, as PostgreSQL).
pub fn from_subarrays(values: &[Value]) -> Result<Value> {
    let mismatch = || {
        EngineError::new(
            SqlState::ArraySubscriptError,
            "multidimensional arrays must have array expressions with matching dimensions",
        )
    };
    let mut parts = Vec::with_capacity(values.len());
    let mut empty = false;
    for v in values {
        match v {
            Value::Text(t) => {
                let a = parse_array(t)?;
                if a.items.is_empty() {
                    empty = true;
                } else {
                    parts.push(a);
                }
            }
            _ => empty = true,
        }
    }
    if parts.is_empty() {
        return Ok(Value::Text("{}".into()));
    }
    if empty {
        return Err(mismatch());
    }
    if parts[0].ndims() + 1 > MAX_DIMS {
        return Err(too_many_dims(parts[0].ndims() + 1));
    }
    Ok(ArrayText::stack(parts).ok_or_else(mismatch)?.into_value())
}

/// `||` and `array_cat` with at least one array operand: array || array
/// (of equal dimensions, or one of one dimension less as a new last
/// row), array || element, element || array (one-dimensional arrays
/// only). `NULL` arrays act as empty ones, as in PostgreSQL.
pub fn concat(l: &Value, lt: &SqlType, r: &Value, rt: &SqlType) -> Result<Value> {
    let arr = |v: &Value| -> Result<ArrayText> {
        match v {
            Value::Text(t) => parse_array(t),
            _ => Ok(ArrayText::default()),
        }
    };
    let one_dim = |a: &ArrayText| -> Result<()> {
        if a.ndims() > 1 {
            return Err(EngineError::new(
                SqlState::DataException,
                "argument must be empty or one-dimensional array",
            ));
        }
        Ok(())
    };
    match (
        matches!(lt, SqlType::Array(_)),
        matches!(rt, SqlType::Array(_)),
    ) {
        (true, false) => {
            let mut a = arr(l)?;
            one_dim(&a)?;
            a.items.push(r.to_text());
            let lower = a.dims.first().map_or(1, |d| d.lower);
            a.dims = vec![Dim {
                len: a.items.len(),
                lower,
            }];
            Ok(a.into_value())
        }
        (false, true) => {
            let mut a = arr(r)?;
            one_dim(&a)?;
            a.items.insert(0, l.to_text());
            let lower = a.dims.first().map_or(1, |d| d.lower);
            a.dims = vec![Dim {
                len: a.items.len(),
                lower,
            }];
            Ok(a.into_value())
        }
        _ => Ok(concat_arrays(arr(l)?, arr(r)?)?.into_value()),
    }
}

fn concat_arrays(mut a: ArrayText, b: ArrayText) -> Result<ArrayText> {
    if b.items.is_empty() {
        return Ok(a);
    }
    if a.items.is_empty() {
        return Ok(b);
    }
    let incompatible = |detail: String| {
        EngineError::new(
            SqlState::ArraySubscriptError,
            "cannot concatenate incompatible arrays",
        )
        .with_detail(detail)
    };
    let (na, nb) = (a.ndims(), b.ndims());
    if na == nb {
        if a.dims[1..] != b.dims[1..] {
            return Err(incompatible(
                "Arrays with differing element dimensions are not compatible for concatenation."
                    .into(),
            ));
        }
        a.dims[0].len += b.dims[0].len;
        a.items.extend(b.items);
        return Ok(a);
    }
    if na == nb + 1 {
        if a.dims[1..] != b.dims[..] {
            return Err(incompatible(
                "Arrays with differing dimensions are not compatible for concatenation.".into(),
            ));
        }
        a.dims[0].len += 1;
        a.items.extend(b.items);
        return Ok(a);
    }
    if nb == na + 1 {
        let mut b = b;
        if b.dims[1..] != a.dims[..] {
            return Err(incompatible(
                "Arrays with differing dimensions are not compatible for concatenation.".into(),
            ));
        }
        b.dims[0].len += 1;
        a.items.extend(b.items);
        b.items = a.items;
        return Ok(b);
    }
    Err(incompatible(format!(
        "Arrays of {na} and {nb} dimensions are not compatible for concatenation."
    )))
}

/// `array[lo:hi]...`: `bounds` holds `lo, hi` for the leading dimensions
/// (the others are taken whole), clamped to the array's; the result's
/// lower bounds are 1, an empty range gives an empty array.
pub fn slice(array: &str, bounds: &[Value]) -> Result<Value> {
    let arr = parse_array(array)?;
    let k = bounds.len() / 2;
    if arr.ndims() == 0 || k > arr.ndims() {
        return Ok(Value::Text("{}".into()));
    }
    let mut ranges = Vec::with_capacity(arr.ndims());
    for (j, d) in arr.dims.iter().enumerate() {
        let (mut lo, mut hi) = (i64::from(d.lower), d.upper());
        if j < k {
            lo = lo.max(bounds[2 * j].as_i64().unwrap_or(i64::MIN));
            hi = hi.min(bounds[2 * j + 1].as_i64().unwrap_or(i64::MAX));
        }
        if lo > hi {
            return Ok(Value::Text("{}".into()));
        }
        ranges.push(((lo - i64::from(d.lower)) as usize, (hi - lo + 1) as usize));
    }
    let mut out = ArrayText {
        dims: ranges
            .iter()
            .map(|&(_, len)| Dim { len, lower: 1 })
            .collect(),
        items: Vec::new(),
    };
    collect_range(&arr, &ranges, 0, 0, &mut out.items);
    Ok(out.into_value())
}

fn collect_range(
    arr: &ArrayText,
    ranges: &[(usize, usize)],
    level: usize,
    base: usize,
    out: &mut Vec<Option<String>>,
) {
    let (start, len) = ranges[level];
    for i in start..start + len {
        let at = base * arr.dims[level].len + i;
        if level + 1 == ranges.len() {
            out.push(arr.items.get(at).cloned().flatten());
        } else {
            collect_range(arr, ranges, level + 1, at, out);
        }
    }
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
        assert_eq!(canonical("{ 1, 02 ,3}", &SqlType::Int4).unwrap(), "{1,2,3}");
        assert!(canonical("{1,x}", &SqlType::Int4).is_err());
    }

    #[test]
    fn multidimensional() {
        let a = parse_array("{{1,2},{3,4}}").unwrap();
        assert_eq!(a.dims_text(), "[1:2][1:2]");
        assert_eq!(a.to_text(), "{{1,2},{3,4}}");
        let b = parse_array("[0:1][2:3]={{1,2},{3,4}}").unwrap();
        assert_eq!(b.to_text(), "[0:1][2:3]={{1,2},{3,4}}");
        for (bad, detail) in [
            (
                "{{1,2},{3}}",
                "Multidimensional arrays must have sub-arrays with matching dimensions.",
            ),
            ("{{1,2},3}", "Unexpected array element."),
            ("{1,{2}}", "Unexpected \"{\" character."),
            ("{{1,2},{3,4}", "Unexpected end of input."),
            ("{{1,2},{3,4}}}", "Junk after closing right brace."),
            ("{{}}", "Unexpected \"}\" character."),
            ("[1:2]{1,2}", "Missing \"=\" after array dimensions."),
            (
                "[1:3]={1,2}",
                "Specified array dimensions do not match array contents.",
            ),
        ] {
            let e = parse_array(bad).unwrap_err();
            assert_eq!(e.detail.as_deref(), Some(detail), "{bad}");
        }
    }
}
