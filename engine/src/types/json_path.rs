//! A subset of SQL/JSON path (`jsonb_path_query`, `jsonb_path_exists`,
//! `jsonb_path_match`, `@?`, `@@`) with PostgreSQL's lax and strict
//! semantics: `$`, member accessors (`.key`, `."key"`, `.*`), array
//! accessors (`[*]`, `[n]`, `[n, m]`), filters `? (...)` over `@` with
//! comparisons (`==`, `!=`, `<>`, `<`, `<=`, `>`, `>=`), `&&`, `||`, `!`,
//! parentheses and literals, and a top-level predicate for `@@`. Other
//! path features (arithmetic, item methods, `like_regex`, `starts with`,
//! `exists`, `last`, ranges, `**`, variables) fail with 0A000.
//!
//! Lax mode unwraps arrays under member accessors and filters, wraps
//! non-arrays under array accessors, and ignores structural errors;
//! strict mode reports them (2203A, 2203B, 22033, worded as PostgreSQL
//! words them).

use std::cmp::Ordering;

use rocksgres_codec::Numeric;

use super::json::Json;
use crate::error::{EngineError, Result, SqlState};

/// A parsed path.
#[derive(Debug, Clone)]
pub struct JsonPath {
    strict: bool,
    expr: PathExpr,
}

#[derive(Debug, Clone)]
enum PathExpr {
    /// A path: root or `@`, then steps.
    Path(bool, Vec<Step>),
    Literal(Json),
    Cmp(CmpOp, Box<PathExpr>, Box<PathExpr>),
    And(Box<PathExpr>, Box<PathExpr>),
    Or(Box<PathExpr>, Box<PathExpr>),
    Not(Box<PathExpr>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone)]
enum Step {
    Member(String),
    AnyMember,
    AnyElement,
    Elements(Vec<i64>),
    Filter(Box<PathExpr>),
}

fn unsupported(what: &str) -> EngineError {
    EngineError::unsupported(format!("jsonpath {what}"))
}

fn syntax(input: &str) -> EngineError {
    EngineError::new(
        SqlState::SyntaxError,
        format!("syntax error at or near \"{input}\" of jsonpath input"),
    )
}

struct P<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> P<'a> {
    fn ws(&mut self) {
        while self.s[self.pos..].starts_with(|c: char| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, t: &str) -> bool {
        self.ws();
        if self.s[self.pos..].starts_with(t) {
            self.pos += t.len();
            true
        } else {
            false
        }
    }

    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn err(&self) -> EngineError {
        let r = self.rest();
        let tok: String = r
            .chars()
            .take_while(|c| !c.is_whitespace())
            .take(10)
            .collect();
        syntax(if tok.is_empty() { "end" } else { &tok })
    }

    fn ident(&mut self) -> Option<String> {
        self.ws();
        let r = self.rest();
        let n = r
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(r.len(), |(i, _)| i);
        if n == 0 {
            return None;
        }
        self.pos += n;
        Some(r[..n].to_owned())
    }

    fn string(&mut self) -> Result<String> {
        // Positioned after the opening quote; reuse the JSON lexer for
        // the escapes.
        let start = self.pos - 1;
        let b = self.s.as_bytes();
        let mut i = self.pos;
        while i < b.len() && b[i] != b'"' {
            if b[i] == b'\\' {
                i += 1;
            }
            i += 1;
        }
        if i >= b.len() {
            return Err(syntax("end"));
        }
        self.pos = i + 1;
        match super::json::parse(&self.s[start..=i], true)? {
            Json::String(s) => Ok(s),
            _ => Err(syntax(&self.s[start..=i])),
        }
    }

    fn number(&mut self) -> Option<Numeric> {
        self.ws();
        let r = self.rest();
        let n = r
            .char_indices()
            .find(|(i, c)| {
                !(c.is_ascii_digit()
                    || *c == '.'
                    || *c == 'e'
                    || *c == 'E'
                    || ((*c == '-' || *c == '+') && *i == 0)
                    || ((*c == '-' || *c == '+') && matches!(r.as_bytes()[i - 1], b'e' | b'E')))
            })
            .map_or(r.len(), |(i, _)| i);
        if n == 0 || !r[..n].bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        let v = Numeric::parse(&r[..n]).ok()?;
        self.pos += n;
        Some(v)
    }

    fn steps(&mut self) -> Result<Vec<Step>> {
        let mut steps = Vec::new();
        loop {
            self.ws();
            if self.rest().starts_with("..") || self.rest().starts_with(".**") {
                return Err(unsupported("recursive wildcard"));
            }
            if self.eat(".") {
                self.ws();
                if self.eat("*") {
                    if self.rest().starts_with('*') {
                        return Err(unsupported("recursive wildcard"));
                    }
                    steps.push(Step::AnyMember);
                } else if self.eat("\"") {
                    steps.push(Step::Member(self.string()?));
                } else {
                    let name = self.ident().ok_or_else(|| self.err())?;
                    self.ws();
                    if self.rest().starts_with('(') {
                        return Err(unsupported(&format!("item method .{name}()")));
                    }
                    steps.push(Step::Member(name));
                }
            } else if self.eat("[") {
                if self.eat("*") {
                    if !self.eat("]") {
                        return Err(self.err());
                    }
                    steps.push(Step::AnyElement);
                    continue;
                }
                let mut idx = Vec::new();
                loop {
                    self.ws();
                    if self.rest().starts_with("last") {
                        return Err(unsupported("last"));
                    }
                    let n = self.number().ok_or_else(|| self.err())?;
                    let i = integer(&n)?;
                    if self.eat("to") {
                        return Err(unsupported("array slice"));
                    }
                    idx.push(i);
                    if self.eat("]") {
                        break;
                    }
                    if !self.eat(",") {
                        return Err(self.err());
                    }
                }
                steps.push(Step::Elements(idx));
            } else if self.eat("?") {
                if !self.eat("(") {
                    return Err(self.err());
                }
                let pred = self.or()?;
                if !self.eat(")") {
                    return Err(self.err());
                }
                steps.push(Step::Filter(Box::new(pred)));
            } else {
                return Ok(steps);
            }
        }
    }

    fn or(&mut self) -> Result<PathExpr> {
        let mut l = self.and()?;
        while self.eat("||") {
            l = PathExpr::Or(Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }

    fn and(&mut self) -> Result<PathExpr> {
        let mut l = self.not()?;
        while self.eat("&&") {
            l = PathExpr::And(Box::new(l), Box::new(self.not()?));
        }
        Ok(l)
    }

    fn not(&mut self) -> Result<PathExpr> {
        if self.eat("!") {
            if !self.eat("(") {
                return Err(self.err());
            }
            let e = self.or()?;
            if !self.eat(")") {
                return Err(self.err());
            }
            return Ok(PathExpr::Not(Box::new(e)));
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<PathExpr> {
        let l = self.primary()?;
        self.ws();
        for (t, op) in [
            ("==", CmpOp::Eq),
            ("!=", CmpOp::Ne),
            ("<>", CmpOp::Ne),
            ("<=", CmpOp::Le),
            (">=", CmpOp::Ge),
            ("<", CmpOp::Lt),
            (">", CmpOp::Gt),
        ] {
            if self.eat(t) {
                let r = self.primary()?;
                return Ok(PathExpr::Cmp(op, Box::new(l), Box::new(r)));
            }
        }
        self.ws();
        for word in ["like_regex", "starts", "is unknown"] {
            if self.rest().starts_with(word) {
                return Err(unsupported(word));
            }
        }
        for op in ["+", "-", "*", "/", "%"] {
            if self.rest().starts_with(op) {
                return Err(unsupported("arithmetic"));
            }
        }
        Ok(l)
    }

    fn primary(&mut self) -> Result<PathExpr> {
        self.ws();
        if self.eat("(") {
            let e = self.or()?;
            if !self.eat(")") {
                return Err(self.err());
            }
            return Ok(e);
        }
        if self.eat("$") {
            if self
                .rest()
                .starts_with(|c: char| c.is_alphanumeric() || c == '"')
            {
                return Err(unsupported("variables"));
            }
            return Ok(PathExpr::Path(true, self.steps()?));
        }
        if self.eat("@") {
            return Ok(PathExpr::Path(false, self.steps()?));
        }
        if self.eat("\"") {
            return Ok(PathExpr::Literal(Json::String(self.string()?)));
        }
        if let Some(n) = self.number() {
            return Ok(PathExpr::Literal(Json::Number(n)));
        }
        if let Some(word) = self.ident() {
            return match word.as_str() {
                "true" => Ok(PathExpr::Literal(Json::Bool(true))),
                "false" => Ok(PathExpr::Literal(Json::Bool(false))),
                "null" => Ok(PathExpr::Literal(Json::Null)),
                "exists" => Err(unsupported("exists")),
                "last" => Err(unsupported("last")),
                _ => Err(syntax(&word)),
            };
        }
        Err(self.err())
    }
}

fn integer(n: &Numeric) -> Result<i64> {
    n.to_string()
        .split('.')
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            EngineError::new(
                SqlState::InvalidParameterValue,
                "jsonpath array subscript is out of integer range",
            )
        })
}

impl JsonPath {
    /// Parses a path expression.
    pub fn parse(input: &str) -> Result<JsonPath> {
        let mut p = P { s: input, pos: 0 };
        let strict = if p.eat("strict") {
            true
        } else {
            p.eat("lax");
            false
        };
        let expr = p.or()?;
        p.ws();
        if p.pos != input.len() {
            let r = p.rest();
            if r.starts_with(['+', '-', '*', '/', '%']) {
                return Err(unsupported("arithmetic"));
            }
            return Err(p.err());
        }
        Ok(JsonPath { strict, expr })
    }

    /// The items the path selects in `doc` (`jsonb_path_query`).
    pub fn query(&self, doc: &Json) -> Result<Vec<Json>> {
        match &self.expr {
            PathExpr::Path(..) | PathExpr::Literal(_) => Ok(self
                .items(&self.expr, doc, doc)?
                .into_iter()
                .cloned()
                .collect()),
            pred => Ok(vec![match self.pred(pred, doc, doc)? {
                Some(b) => Json::Bool(b),
                None => Json::Null,
            }]),
        }
    }

    /// `jsonb_path_exists` / `@?`: whether the path selects anything.
    pub fn exists(&self, doc: &Json) -> Result<bool> {
        Ok(!self.query(doc)?.is_empty())
    }

    /// `jsonb_path_match` / `@@`: the predicate's result (`None` =
    /// unknown / not a single boolean).
    pub fn matches(&self, doc: &Json) -> Result<Option<bool>> {
        let items = self.query(doc)?;
        Ok(match items.as_slice() {
            [Json::Bool(b)] => Some(*b),
            _ => None,
        })
    }

    fn items<'a>(&self, e: &PathExpr, root: &'a Json, at: &'a Json) -> Result<Vec<&'a Json>> {
        match e {
            PathExpr::Path(is_root, steps) => {
                let mut cur = vec![if *is_root { root } else { at }];
                for step in steps {
                    let mut next = Vec::new();
                    for item in cur {
                        self.step(step, root, item, &mut next)?;
                    }
                    cur = next;
                }
                Ok(cur)
            }
            _ => Err(unsupported("expression here")),
        }
    }

    fn step<'a>(
        &self,
        step: &Step,
        root: &'a Json,
        item: &'a Json,
        out: &mut Vec<&'a Json>,
    ) -> Result<()> {
        let member = |msg: &str| EngineError::new(SqlState::SqlJsonMemberNotFound, msg.to_owned());
        let array = |msg: &str| EngineError::new(SqlState::SqlJsonArrayNotFound, msg.to_owned());
        match (step, item) {
            (Step::Member(k), Json::Object(pairs)) => match pairs.iter().find(|(n, _)| n == k) {
                Some((_, v)) => out.push(v),
                None if self.strict => {
                    return Err(member(&format!("JSON object does not contain key \"{k}\"")))
                }
                None => {}
            },
            (Step::Member(_) | Step::AnyMember | Step::Filter(_), Json::Array(items))
                if !self.strict =>
            {
                for i in items {
                    self.step(step, root, i, out)?;
                }
            }
            (Step::Member(_), _) if self.strict => {
                return Err(member(
                    "jsonpath member accessor can only be applied to an object",
                ))
            }
            (Step::AnyMember, Json::Object(pairs)) => out.extend(pairs.iter().map(|(_, v)| v)),
            (Step::AnyMember, _) if self.strict => {
                return Err(member(
                    "jsonpath wildcard member accessor can only be applied to an object",
                ))
            }
            (Step::AnyElement, Json::Array(items)) => out.extend(items.iter()),
            (Step::AnyElement, other) if !self.strict => out.push(other),
            (Step::AnyElement, _) => {
                return Err(array(
                    "jsonpath wildcard array accessor can only be applied to an array",
                ))
            }
            (Step::Elements(idx), Json::Array(items)) => {
                for &i in idx {
                    match usize::try_from(i).ok().and_then(|i| items.get(i)) {
                        Some(v) => out.push(v),
                        None if self.strict => {
                            return Err(EngineError::new(
                                SqlState::InvalidSqlJsonSubscript,
                                "jsonpath array subscript is out of bounds",
                            ))
                        }
                        None => {}
                    }
                }
            }
            (Step::Elements(idx), other) if !self.strict && idx.contains(&0) => out.push(other),
            (Step::Elements(_), _) if !self.strict => {}
            (Step::Elements(_), _) => {
                return Err(array(
                    "jsonpath array accessor can only be applied to an array",
                ))
            }
            (Step::Filter(pred), other) if self.pred(pred, root, other)? == Some(true) => {
                out.push(other)
            }
            _ => {}
        }
        Ok(())
    }

    /// A predicate's three-valued result (`None` = unknown).
    fn pred(&self, e: &PathExpr, root: &Json, at: &Json) -> Result<Option<bool>> {
        Ok(match e {
            PathExpr::And(a, b) => match (self.pred(a, root, at)?, self.pred(b, root, at)?) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            PathExpr::Or(a, b) => match (self.pred(a, root, at)?, self.pred(b, root, at)?) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            PathExpr::Not(a) => self.pred(a, root, at)?.map(|b| !b),
            PathExpr::Cmp(op, l, r) => {
                let ls = self.operand(l, root, at)?;
                let rs = self.operand(r, root, at)?;
                let Some((ls, rs)) = ls.zip(rs) else {
                    return Ok(None);
                };
                let mut unknown = false;
                let mut found = false;
                for a in &ls {
                    for b in &rs {
                        let container = |j: &Json| matches!(j, Json::Array(_) | Json::Object(_));
                        let one_null = matches!(a, Json::Null) != matches!(b, Json::Null);
                        let result = if one_null && !container(a) && !container(b) {
                            // Nulls equal nothing else and order with
                            // nothing; only `!=` holds.
                            Some(*op == CmpOp::Ne)
                        } else {
                            compare(a, b).map(|ord| test(*op, ord))
                        };
                        match result {
                            None => unknown = true,
                            Some(true) => found = true,
                            Some(false) => {}
                        }
                    }
                }
                if found {
                    Some(true)
                } else if unknown {
                    None
                } else {
                    Some(false)
                }
            }
            PathExpr::Literal(Json::Bool(b)) => Some(*b),
            _ => return Err(unsupported("non-boolean filter expression")),
        })
    }

    /// A comparison operand's items, arrays unwrapped in lax mode; `None`
    /// when evaluating it fails (the comparison is then unknown).
    fn operand(&self, e: &PathExpr, root: &Json, at: &Json) -> Result<Option<Vec<Json>>> {
        match e {
            PathExpr::Literal(j) => Ok(Some(vec![j.clone()])),
            PathExpr::Path(..) => {
                let items = match self.items(e, root, at) {
                    Ok(i) => i,
                    Err(err) if is_structural(&err) => return Ok(None),
                    Err(err) => return Err(err),
                };
                let mut out = Vec::new();
                for i in items {
                    match i {
                        Json::Array(a) if !self.strict => out.extend(a.iter().cloned()),
                        other => out.push(other.clone()),
                    }
                }
                Ok(Some(out))
            }
            _ => Err(unsupported("expression as a comparison operand")),
        }
    }
}

/// Whether `e` is one of the structural errors lax mode and the `@?`/`@@`
/// operators suppress.
pub fn is_structural(e: &EngineError) -> bool {
    matches!(
        e.state,
        SqlState::SqlJsonMemberNotFound
            | SqlState::SqlJsonArrayNotFound
            | SqlState::InvalidSqlJsonSubscript
            | SqlState::SingletonSqlJsonItemRequired
    )
}

fn test(op: CmpOp, ord: Ordering) -> bool {
    match op {
        CmpOp::Eq => ord.is_eq(),
        CmpOp::Ne => ord.is_ne(),
        CmpOp::Lt => ord.is_lt(),
        CmpOp::Le => ord.is_le(),
        CmpOp::Gt => ord.is_gt(),
        CmpOp::Ge => ord.is_ge(),
    }
}

/// SQL/JSON comparison of two scalars of one type; `None` (unknown)
/// across types or for containers.
fn compare(a: &Json, b: &Json) -> Option<Ordering> {
    match (a, b) {
        (Json::Null, Json::Null) => Some(Ordering::Equal),
        (Json::Bool(x), Json::Bool(y)) => Some(x.cmp(y)),
        (Json::Number(x), Json::Number(y)) => Some(x.cmp(y)),
        (Json::String(x), Json::String(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str) -> Json {
        let mut j = super::super::json::parse(s, true).unwrap();
        j.normalize();
        j
    }

    fn q(path: &str, d: &str) -> Vec<String> {
        JsonPath::parse(path)
            .unwrap()
            .query(&doc(d))
            .unwrap()
            .iter()
            .map(Json::to_jsonb_text)
            .collect()
    }

    #[test]
    fn lax_paths() {
        let d = r#"{"a": {"b": [1, 2, {"c": 3}]}, "x": [{"y": 1}, {"y": 5}]}"#;
        assert_eq!(q("$.a.b[0]", d), ["1"]);
        assert_eq!(q("$.a.b[*]", d), ["1", "2", "{\"c\": 3}"]);
        assert_eq!(q("$.x.y", d), ["1", "5"]);
        assert_eq!(q("$.x[*] ? (@.y > 1)", d), ["{\"y\": 5}"]);
        assert_eq!(q("$.x ? (@.y > 1).y", d), ["5"]);
        assert_eq!(q("$.nope", d), Vec::<String>::new());
        assert_eq!(q("$.a.b[*] > 1", d), ["true"]);
    }

    #[test]
    fn unsupported_features() {
        for p in [
            "$.a.size()",
            "$.a + 1",
            "$.a ? (@ like_regex \"x\")",
            "$.**",
        ] {
            let e = JsonPath::parse(p).unwrap_err();
            assert_eq!(e.state, SqlState::FeatureNotSupported, "{p}");
        }
    }
}
