//! SQL/JSON path (`jsonb_path_query`, `jsonb_path_exists`,
//! `jsonb_path_match`, `jsonb_path_query_array`, `jsonb_path_query_first`,
//! `@?`, `@@`) with PostgreSQL 15's lax and strict semantics.
//!
//! The language: `$`, `@`, `$var` (from the `vars` object), literals,
//! member accessors (`.key`, `."key"`, `.*`), array accessors (`[*]`,
//! `[i, j to k]` with `last` and expressions), the recursive wildcard
//! (`.**`, `.**{n}`, `.**{n to m}`, `last` as a level), filters `? (...)`,
//! arithmetic (`+ - * / %`, unary `+ -`), the item methods `type()`,
//! `size()`, `double()`, `ceiling()`, `floor()`, `abs()` and `keyvalue()`,
//! and the predicates `==`, `!=`, `<>`, `<`, `<=`, `>`, `>=`, `&&`, `||`,
//! `!`, `is unknown`, `like_regex "..." [flag "imsqx"]`, `starts with` and
//! `exists (...)`, and `.datetime([template])` (datetime items, see
//! [`super::json_datetime`]). `keyvalue()` of an object other than the
//! document itself (whose `id` PostgreSQL derives from its binary layout)
//! fails with 0A000.
//!
//! A path parses into an expression tree ([`PathExpr`]). Evaluation yields
//! sequences of items borrowed from the document or `vars` where it can
//! ([`Cow`]), so accessors never copy the document. Lax mode unwraps arrays
//! under member accessors, filters, arithmetic and most methods, wraps
//! non-arrays under array accessors, and ignores structural errors; strict
//! mode reports them (SQLSTATE and wording as PostgreSQL). Inside
//! predicates, any path error makes the predicate unknown; the `silent`
//! argument and the `@?`/`@@` operators suppress the same errors
//! ([`is_suppressible`]).

use std::borrow::Cow;
use std::cmp::Ordering;

use rocksgres_codec::Numeric;

use super::json::Json;
use super::numeric_ops as num;
use crate::error::{EngineError, Result, SqlState};

/// A parsed path.
#[derive(Debug, Clone)]
pub struct JsonPath {
    pub(super) strict: bool,
    pub(super) expr: PathExpr,
}

#[derive(Debug, Clone)]
pub(super) enum PathExpr {
    /// A base (`$`, `@`, a variable, a literal, `last`, a parenthesised
    /// expression) and the accessor steps after it.
    Path(Box<Base>, Vec<Step>),
    Arith(ArithOp, Box<PathExpr>, Box<PathExpr>),
    /// Unary minus (`true`) or plus.
    Unary(bool, Box<PathExpr>),
    Cmp(CmpOp, Box<PathExpr>, Box<PathExpr>),
    And(Box<PathExpr>, Box<PathExpr>),
    Or(Box<PathExpr>, Box<PathExpr>),
    Not(Box<PathExpr>),
    IsUnknown(Box<PathExpr>),
    /// `expr like_regex pattern [flag flags]`.
    LikeRegex(Box<PathExpr>, Box<LikeRegex>),
    StartsWith(Box<PathExpr>, Box<PathExpr>),
    Exists(Box<PathExpr>),
}

/// A `like_regex` predicate's pattern.
#[derive(Debug, Clone)]
pub(super) struct LikeRegex {
    /// The pattern with its flags applied, for the regex engine.
    pub(super) compiled: String,
    /// The pattern as written.
    pub(super) pattern: String,
    /// The flags as written.
    pub(super) flags: String,
}

#[derive(Debug, Clone)]
pub(super) enum Base {
    Root,
    Current,
    Last,
    Var(String),
    Literal(Json),
    Expr(PathExpr),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl ArithOp {
    pub(super) fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
            ArithOp::Mod => "%",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Method {
    Type,
    Size,
    Double,
    Ceiling,
    Floor,
    Abs,
    KeyValue,
}

/// A recursive-wildcard level bound; `u32::MAX` is `last`.
pub(super) const LAST_LEVEL: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub(super) enum Step {
    Member(String),
    AnyMember,
    AnyElement,
    /// Subscripts: single indexes (`to` = `None`) and ranges.
    Elements(Vec<(PathExpr, Option<PathExpr>)>),
    Filter(Box<PathExpr>),
    Recursive(u32, u32),
    Method(Method),
    /// `.datetime([template])`.
    Datetime(Option<String>),
}

fn unsupported(what: &str) -> EngineError {
    EngineError::unsupported(format!("jsonpath {what}"))
}

fn syntax(input: &str) -> EngineError {
    EngineError::new(
        SqlState::SyntaxError,
        if input == "end" {
            "syntax error at end of jsonpath input".to_owned()
        } else {
            format!("syntax error at or near \"{input}\" of jsonpath input")
        },
    )
}

struct P<'a> {
    s: &'a str,
    pos: usize,
    /// Nesting of array subscripts (where `last` is allowed).
    subscripts: usize,
}

impl<'a> P<'a> {
    fn ws(&mut self) {
        let r = self.rest();
        self.pos += r.len() - r.trim_start().len();
    }

    fn eat(&mut self, t: &str) -> bool {
        self.ws();
        if self.rest().starts_with(t) {
            self.pos += t.len();
            true
        } else {
            false
        }
    }

    /// Eats the keyword `w` (not followed by an identifier character).
    fn eat_word(&mut self, w: &str) -> bool {
        self.ws();
        let r = self.rest();
        if r.starts_with(w) && !r[w.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            self.pos += w.len();
            true
        } else {
            false
        }
    }

    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn err(&mut self) -> EngineError {
        self.ws();
        let r = self.rest();
        let tok: String = match r.chars().next() {
            None => "end".to_owned(),
            Some(c) if c.is_alphanumeric() || c == '_' => r
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect(),
            Some(c) => c.to_string(),
        };
        syntax(&tok)
    }

    fn expect(&mut self, t: &str) -> Result<()> {
        if self.eat(t) {
            Ok(())
        } else {
            Err(self.err())
        }
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

    /// A double-quoted string, positioned at the opening quote.
    fn string(&mut self) -> Result<String> {
        self.ws();
        let start = self.pos;
        let b = self.s.as_bytes();
        if b.get(start) != Some(&b'"') {
            return Err(self.err());
        }
        let mut i = start + 1;
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
        // The JSON lexer handles the escapes.
        match super::json::parse(&self.s[start..=i], true)? {
            Json::String(s) => Ok(s),
            _ => Err(syntax(&self.s[start..=i])),
        }
    }

    /// An unsigned numeric literal.
    fn number(&mut self) -> Option<Numeric> {
        self.ws();
        let r = self.rest();
        let b = r.as_bytes();
        let mut n = 0;
        while n < b.len() && b[n].is_ascii_digit() {
            n += 1;
        }
        if n < b.len() && b[n] == b'.' && b.get(n + 1).is_some_and(u8::is_ascii_digit) {
            n += 1;
            while n < b.len() && b[n].is_ascii_digit() {
                n += 1;
            }
        }
        if n == 0 {
            return None;
        }
        if n < b.len() && matches!(b[n], b'e' | b'E') {
            let mut m = n + 1;
            if m < b.len() && matches!(b[m], b'+' | b'-') {
                m += 1;
            }
            if b.get(m).is_some_and(u8::is_ascii_digit) {
                while m < b.len() && b[m].is_ascii_digit() {
                    m += 1;
                }
                n = m;
            }
        }
        let v = Numeric::parse(&r[..n]).ok()?;
        self.pos += n;
        Some(v)
    }

    fn or(&mut self) -> Result<PathExpr> {
        crate::sql::depth::guard(|| {
            let mut l = self.and()?;
            while self.eat("||") {
                l = PathExpr::Or(Box::new(l), Box::new(self.and()?));
            }
            Ok(l)
        })
    }

    fn and(&mut self) -> Result<PathExpr> {
        let mut l = self.not()?;
        while self.eat("&&") {
            l = PathExpr::And(Box::new(l), Box::new(self.not()?));
        }
        Ok(l)
    }

    fn not(&mut self) -> Result<PathExpr> {
        self.ws();
        if self.rest().starts_with('!') && !self.rest().starts_with("!=") {
            self.pos += 1;
            // `!` takes a bracketed predicate or `exists (...)`.
            if self.eat_word("exists") {
                self.expect("(")?;
                let e = self.or()?;
                self.expect(")")?;
                return Ok(PathExpr::Not(Box::new(PathExpr::Exists(Box::new(e)))));
            }
            self.expect("(")?;
            let e = self.or()?;
            self.expect(")")?;
            return Ok(PathExpr::Not(Box::new(e)));
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<PathExpr> {
        let l = self.additive()?;
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
                let r = self.additive()?;
                return Ok(PathExpr::Cmp(op, Box::new(l), Box::new(r)));
            }
        }
        if self.eat_word("like_regex") {
            let pattern = self.string()?;
            let flags = if self.eat_word("flag") {
                self.string()?
            } else {
                String::new()
            };
            let compiled = regex_pattern(&pattern, &flags)?;
            // Compile once now, so a bad pattern fails as PostgreSQL's
            // parser does.
            super::regex::is_match("", &compiled, false)?;
            return Ok(PathExpr::LikeRegex(
                Box::new(l),
                Box::new(LikeRegex {
                    compiled,
                    pattern,
                    flags,
                }),
            ));
        }
        if self.eat_word("starts") {
            if !self.eat_word("with") {
                return Err(self.err());
            }
            self.ws();
            let r = if self.rest().starts_with('"') {
                PathExpr::Path(
                    Box::new(Base::Literal(Json::String(self.string()?))),
                    vec![],
                )
            } else if self.eat("$") {
                let name = self.variable_name()?.ok_or_else(|| self.err())?;
                PathExpr::Path(Box::new(Base::Var(name)), vec![])
            } else {
                return Err(self.err());
            };
            return Ok(PathExpr::StartsWith(Box::new(l), Box::new(r)));
        }
        Ok(l)
    }

    fn additive(&mut self) -> Result<PathExpr> {
        let mut l = self.multiplicative()?;
        loop {
            let op = if self.eat("+") {
                ArithOp::Add
            } else if self.eat("-") {
                ArithOp::Sub
            } else {
                return Ok(l);
            };
            l = PathExpr::Arith(op, Box::new(l), Box::new(self.multiplicative()?));
        }
    }

    fn multiplicative(&mut self) -> Result<PathExpr> {
        let mut l = self.unary()?;
        loop {
            let op = if self.eat("*") {
                ArithOp::Mul
            } else if self.eat("/") {
                ArithOp::Div
            } else if self.eat("%") {
                ArithOp::Mod
            } else {
                return Ok(l);
            };
            l = PathExpr::Arith(op, Box::new(l), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<PathExpr> {
        crate::sql::depth::guard(|| {
            if self.eat("-") {
                return Ok(match self.unary()? {
                    PathExpr::Path(b, steps) if steps.is_empty() => match *b {
                        Base::Literal(Json::Number(n)) => PathExpr::Path(
                            Box::new(Base::Literal(Json::Number(num::numeric_neg(&n)))),
                            vec![],
                        ),
                        b => PathExpr::Unary(true, Box::new(PathExpr::Path(Box::new(b), steps))),
                    },
                    e => PathExpr::Unary(true, Box::new(e)),
                });
            }
            if self.eat("+") {
                // As PostgreSQL, a plus on a number literal is dropped.
                return Ok(match self.unary()? {
                    e @ PathExpr::Path(..) if is_number_literal(&e) => e,
                    e => PathExpr::Unary(false, Box::new(e)),
                });
            }
            self.accessor()
        })
    }

    fn variable_name(&mut self) -> Result<Option<String>> {
        if self.rest().starts_with('"') {
            return self.string().map(Some);
        }
        if self
            .rest()
            .starts_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            return Ok(self.ident());
        }
        Ok(None)
    }

    fn accessor(&mut self) -> Result<PathExpr> {
        self.ws();
        let base = if self.eat("(") {
            let e = self.or()?;
            self.expect(")")?;
            if self.eat_word("is") {
                if !self.eat_word("unknown") {
                    return Err(self.err());
                }
                return Ok(PathExpr::IsUnknown(Box::new(e)));
            }
            // Parentheses make no node of their own: a parenthesised path
            // goes on with the steps after it.
            let steps = self.steps()?;
            return Ok(match e {
                PathExpr::Path(base, mut first) => {
                    first.extend(steps);
                    PathExpr::Path(base, first)
                }
                e if steps.is_empty() => e,
                e => PathExpr::Path(Box::new(Base::Expr(e)), steps),
            });
        } else if self.eat("$") {
            match self.variable_name()? {
                Some(name) => Base::Var(name),
                None => Base::Root,
            }
        } else if self.eat("@") {
            Base::Current
        } else if self.rest().starts_with('"') {
            Base::Literal(Json::String(self.string()?))
        } else if let Some(n) = self.number() {
            Base::Literal(Json::Number(n))
        } else if self.eat_word("exists") {
            self.expect("(")?;
            let e = self.or()?;
            self.expect(")")?;
            return Ok(PathExpr::Exists(Box::new(e)));
        } else if self.eat_word("last") {
            if self.subscripts == 0 {
                return Err(EngineError::new(
                    SqlState::SyntaxError,
                    "LAST is allowed only in array subscripts",
                ));
            }
            Base::Last
        } else if self.eat_word("true") {
            Base::Literal(Json::Bool(true))
        } else if self.eat_word("false") {
            Base::Literal(Json::Bool(false))
        } else if self.eat_word("null") {
            Base::Literal(Json::Null)
        } else {
            return Err(self.err());
        };
        let steps = self.steps()?;
        Ok(PathExpr::Path(Box::new(base), steps))
    }

    fn level(&mut self) -> Result<u32> {
        if self.eat_word("last") {
            return Ok(LAST_LEVEL);
        }
        let n = self.number().ok_or_else(|| self.err())?;
        num::numeric_to_i64(&n, "integer")
            .ok()
            .flatten()
            .and_then(|v| u32::try_from(v).ok())
            .filter(|v| *v < LAST_LEVEL)
            .ok_or_else(|| syntax(&n.to_string()))
    }

    fn steps(&mut self) -> Result<Vec<Step>> {
        let mut steps = Vec::new();
        loop {
            self.ws();
            if self.eat(".") {
                if self.eat("**") {
                    let (lo, hi) = if self.eat("{") {
                        let lo = self.level()?;
                        let hi = if self.eat_word("to") {
                            self.level()?
                        } else {
                            lo
                        };
                        self.expect("}")?;
                        (lo, hi)
                    } else {
                        (0, LAST_LEVEL)
                    };
                    steps.push(Step::Recursive(lo, hi));
                } else if self.eat("*") {
                    steps.push(Step::AnyMember);
                } else if self.rest().trim_start().starts_with('"') {
                    steps.push(Step::Member(self.string()?));
                } else {
                    let name = self.ident().ok_or_else(|| self.err())?;
                    self.ws();
                    if self.rest().starts_with('(') {
                        let method = match name.as_str() {
                            "type" => Method::Type,
                            "size" => Method::Size,
                            "double" => Method::Double,
                            "ceiling" => Method::Ceiling,
                            "floor" => Method::Floor,
                            "abs" => Method::Abs,
                            "keyvalue" => Method::KeyValue,
                            "datetime" => {
                                self.pos += 1;
                                self.ws();
                                let template = if self.rest().starts_with('"') {
                                    Some(self.string()?)
                                } else {
                                    None
                                };
                                self.expect(")")?;
                                steps.push(Step::Datetime(template));
                                continue;
                            }
                            _ => return Err(self.err()),
                        };
                        self.pos += 1;
                        self.expect(")")?;
                        steps.push(Step::Method(method));
                    } else {
                        steps.push(Step::Member(name));
                    }
                }
            } else if self.eat("[") {
                if self.eat("*") {
                    self.expect("]")?;
                    steps.push(Step::AnyElement);
                    continue;
                }
                self.subscripts += 1;
                let mut idx = Vec::new();
                loop {
                    let from = self.additive()?;
                    let to = if self.eat_word("to") {
                        Some(self.additive()?)
                    } else {
                        None
                    };
                    idx.push((from, to));
                    if self.eat("]") {
                        break;
                    }
                    self.expect(",")?;
                }
                self.subscripts -= 1;
                steps.push(Step::Elements(idx));
            } else if self.eat("?") {
                self.expect("(")?;
                let pred = self.or()?;
                self.expect(")")?;
                steps.push(Step::Filter(Box::new(pred)));
            } else {
                return Ok(steps);
            }
        }
    }
}

/// Whether `e` is a number literal with no steps after it.
fn is_number_literal(e: &PathExpr) -> bool {
    matches!(e, PathExpr::Path(b, steps) if steps.is_empty() && matches!(**b, Base::Literal(Json::Number(_))))
}

/// The pattern of `like_regex` with its XQuery flags applied (PostgreSQL:
/// `i` case-insensitive, `s` dot matches newline (the default), `m`
/// multi-line anchors, `x` extended, `q` literal).
fn regex_pattern(pattern: &str, flags: &str) -> Result<String> {
    let (mut i, mut m, mut x, mut q) = (false, false, false, false);
    let mut s = true;
    for c in flags.chars() {
        match c {
            'i' => i = true,
            's' => {
                s = true;
                m = false
            }
            'm' => {
                m = true;
                s = false
            }
            'x' => x = true,
            'q' => q = true,
            other => {
                return Err(EngineError::new(
                    SqlState::SyntaxError,
                    "invalid input syntax for type jsonpath",
                )
                .with_detail(format!(
                    "Unrecognized flag character \"{other}\" in LIKE_REGEX predicate."
                )))
            }
        }
    }
    let mut out = String::from("(?");
    for (on, f) in [(i, 'i'), (s, 's'), (m, 'm'), (x && !q, 'x')] {
        if on {
            out.push(f);
        }
    }
    out.push(')');
    if out == "()" {
        out.clear();
    }
    if q {
        out.push_str(&regex_syntax_escape(pattern));
    } else {
        out.push_str(pattern);
    }
    Ok(out)
}

fn regex_syntax_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The evaluation context.
#[derive(Clone, Copy)]
struct Cx<'a> {
    root: &'a Json,
    vars: Option<&'a Json>,
    /// Lax mode: unwrap arrays where the standard says so.
    unwrap: bool,
    /// Ignore structural errors (lax mode, and below `.**`).
    ignore: bool,
    /// The subscript `last` stands for.
    last: Option<i64>,
    /// Datetime comparisons may use the session's time zone (the `_tz`
    /// functions).
    use_tz: bool,
}

type Items<'a> = Vec<Cow<'a, Json>>;

fn number_of(n: i64) -> Json {
    Json::Number(Numeric::parse(&n.to_string()).unwrap_or_else(|_| Numeric::zero()))
}

/// Pushes `item` into `out`, or with `unwrap` an array's elements.
fn push_unwrapped<'a>(item: Cow<'a, Json>, unwrap: bool, out: &mut Items<'a>) {
    match item {
        Cow::Borrowed(Json::Array(a)) if unwrap => out.extend(a.iter().map(Cow::Borrowed)),
        Cow::Owned(Json::Array(a)) if unwrap => out.extend(a.into_iter().map(Cow::Owned)),
        other => out.push(other),
    }
}

impl JsonPath {
    /// Parses a path expression.
    pub fn parse(input: &str) -> Result<JsonPath> {
        let mut p = P {
            s: input,
            pos: 0,
            subscripts: 0,
        };
        let strict = if p.eat_word("strict") {
            true
        } else {
            p.eat_word("lax");
            false
        };
        let expr = p.or()?;
        p.ws();
        if p.pos != input.len() {
            return Err(p.err());
        }
        Ok(JsonPath { strict, expr })
    }

    /// The items the path selects in `doc` (`jsonb_path_query`).
    pub fn query(&self, doc: &Json) -> Result<Vec<Json>> {
        self.query_with(doc, None)
    }

    /// The items the path selects in `doc` with the variables of `vars`
    /// (a JSON object; 22023 otherwise, as PostgreSQL).
    pub fn query_with(&self, doc: &Json, vars: Option<&Json>) -> Result<Vec<Json>> {
        self.query_tz(doc, vars, false)
    }

    /// [`JsonPath::query_with`]; `use_tz` lets datetime comparisons use
    /// the session's time zone (the `*_tz` functions).
    pub fn query_tz(&self, doc: &Json, vars: Option<&Json>, use_tz: bool) -> Result<Vec<Json>> {
        if vars.is_some_and(|v| !matches!(v, Json::Object(_))) {
            return Err(EngineError::new(
                SqlState::InvalidParameterValue,
                "\"vars\" argument is not an object",
            )
            .with_detail(
                "Jsonpath parameters should be encoded as key-value pairs of \"vars\" object.",
            ));
        }
        let cx = Cx {
            root: doc,
            vars,
            unwrap: !self.strict,
            ignore: !self.strict,
            last: None,
            use_tz,
        };
        if is_predicate(&self.expr) {
            return Ok(vec![match pred(&self.expr, &cx, doc)? {
                Some(b) => Json::Bool(b),
                None => Json::Null,
            }]);
        }
        Ok(items(&self.expr, &cx, doc)?
            .into_iter()
            .map(Cow::into_owned)
            .collect())
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
}

/// Parses `path` and runs it over `doc` with `vars` (`use_tz`: the `_tz`
/// functions' datetime comparisons); with `silent` the
/// errors [`is_suppressible`] names give `None` (no result) instead.
pub fn query_silently(
    path: &str,
    doc: &Json,
    vars: Option<&Json>,
    silent: bool,
    use_tz: bool,
) -> Result<Option<Vec<Json>>> {
    let path = JsonPath::parse(path)?;
    match path.query_tz(doc, vars, use_tz) {
        Ok(items) => Ok(Some(items)),
        Err(e) if silent && is_suppressible(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

fn is_predicate(e: &PathExpr) -> bool {
    matches!(
        e,
        PathExpr::Cmp(..)
            | PathExpr::And(..)
            | PathExpr::Or(..)
            | PathExpr::Not(_)
            | PathExpr::IsUnknown(_)
            | PathExpr::LikeRegex(..)
            | PathExpr::StartsWith(..)
            | PathExpr::Exists(_)
    )
}

/// The items of expression `e` at current item `at`.
fn items<'a>(e: &PathExpr, cx: &Cx<'a>, at: &'a Json) -> Result<Items<'a>> {
    crate::sql::depth::guard(|| items_level(e, cx, at))
}

fn items_level<'a>(e: &PathExpr, cx: &Cx<'a>, at: &'a Json) -> Result<Items<'a>> {
    match e {
        PathExpr::Path(base, steps) => {
            let mut cur: Items<'a> = match &**base {
                Base::Root => vec![Cow::Borrowed(cx.root)],
                Base::Current => vec![Cow::Borrowed(at)],
                Base::Last => match cx.last {
                    Some(l) => vec![Cow::Owned(number_of(l))],
                    None => {
                        return Err(EngineError::new(
                            SqlState::SyntaxError,
                            "LAST is allowed only in array subscripts",
                        ))
                    }
                },
                Base::Var(name) => {
                    let found = cx.vars.and_then(|v| v.field(name));
                    match found {
                        Some(v) => vec![Cow::Borrowed(v)],
                        None => {
                            return Err(EngineError::new(
                                SqlState::UndefinedObject,
                                format!("could not find jsonpath variable \"{name}\""),
                            ))
                        }
                    }
                }
                Base::Literal(j) => vec![Cow::Owned(j.clone())],
                Base::Expr(e) if is_predicate(e) => vec![Cow::Owned(match pred(e, cx, at)? {
                    Some(b) => Json::Bool(b),
                    None => Json::Null,
                })],
                Base::Expr(e) => items(e, cx, at)?,
            };
            let mut cx = *cx;
            for step in steps {
                let mut next = Vec::new();
                for item in cur {
                    match item {
                        Cow::Borrowed(j) => apply(step, &cx, j, &mut next)?,
                        Cow::Owned(j) => {
                            let mut local = Vec::new();
                            apply(step, &cx, &j, &mut local)?;
                            next.extend(local.into_iter().map(|c| Cow::Owned(c.into_owned())));
                        }
                    }
                }
                if matches!(step, Step::Recursive(..)) {
                    // Accessors after `.**` ignore structural errors, in
                    // strict mode too.
                    cx.ignore = true;
                }
                cur = next;
            }
            Ok(cur)
        }
        PathExpr::Arith(op, l, r) => {
            let side = |e: &PathExpr, which: &str| -> Result<Numeric> {
                let mut all = Vec::new();
                for i in items(e, cx, at)? {
                    push_unwrapped(i, cx.unwrap, &mut all);
                }
                match all.as_slice() {
                    [c] => match &**c {
                        Json::Number(n) => Ok(n.clone()),
                        _ => Err(not_single(which, *op)),
                    },
                    _ => Err(not_single(which, *op)),
                }
            };
            let a = side(l, "left")?;
            let b = side(r, "right")?;
            let v = match op {
                ArithOp::Add => num::numeric_add(&a, &b)?,
                ArithOp::Sub => num::numeric_sub(&a, &b)?,
                ArithOp::Mul => num::numeric_mul(&a, &b)?,
                ArithOp::Div => num::numeric_div(&a, &b)?,
                ArithOp::Mod => num::numeric_mod(&a, &b)?,
            };
            Ok(vec![Cow::Owned(Json::Number(v))])
        }
        PathExpr::Unary(neg, e) => {
            let mut all = Vec::new();
            for i in items(e, cx, at)? {
                push_unwrapped(i, cx.unwrap, &mut all);
            }
            all.into_iter()
                .map(|i| match &*i {
                    Json::Number(n) if *neg => Ok(Cow::Owned(Json::Number(num::numeric_neg(n)))),
                    Json::Number(_) => Ok(i),
                    _ => Err(EngineError::new(
                        SqlState::SqlJsonNumberNotFound,
                        format!(
                            "operand of unary jsonpath operator {} is not a numeric value",
                            if *neg { "-" } else { "+" }
                        ),
                    )),
                })
                .collect()
        }
        other => Ok(vec![Cow::Owned(match pred(other, cx, at)? {
            Some(b) => Json::Bool(b),
            None => Json::Null,
        })]),
    }
}

fn not_single(which: &str, op: ArithOp) -> EngineError {
    EngineError::new(
        SqlState::SingletonSqlJsonItemRequired,
        format!(
            "{which} operand of jsonpath operator {} is not a single numeric value",
            op.symbol()
        ),
    )
}

/// A structural error, or nothing when `cx` ignores them.
fn structural(cx: &Cx<'_>, state: SqlState, msg: &str) -> Result<()> {
    if cx.ignore {
        Ok(())
    } else {
        Err(EngineError::new(state, msg.to_owned()))
    }
}

/// Applies one accessor step to `item`, pushing the results.
fn apply<'a>(step: &Step, cx: &Cx<'a>, item: &'a Json, out: &mut Items<'a>) -> Result<()> {
    let unwrap_here = cx.unwrap
        && matches!(
            step,
            Step::Member(_)
                | Step::AnyMember
                | Step::Filter(_)
                | Step::Method(
                    Method::Double
                        | Method::Ceiling
                        | Method::Floor
                        | Method::Abs
                        | Method::KeyValue
                )
                | Step::Datetime(_)
        );
    if let (true, Json::Array(elements)) = (unwrap_here, item) {
        // One level only: an element that is itself an array is an error
        // (or ignored) for the accessor, as in PostgreSQL.
        for e in elements {
            apply_one(step, cx, e, out)?;
        }
        return Ok(());
    }
    apply_one(step, cx, item, out)
}

/// Applies one accessor step to `item` itself (no lax unwrapping).
fn apply_one<'a>(step: &Step, cx: &Cx<'a>, item: &'a Json, out: &mut Items<'a>) -> Result<()> {
    match step {
        Step::Member(k) => match item {
            Json::Object(pairs) => match pairs.iter().find(|(n, _)| n == k) {
                Some((_, v)) => out.push(Cow::Borrowed(v)),
                None => structural(
                    cx,
                    SqlState::SqlJsonMemberNotFound,
                    &format!("JSON object does not contain key \"{k}\""),
                )?,
            },
            _ => structural(
                cx,
                SqlState::SqlJsonMemberNotFound,
                "jsonpath member accessor can only be applied to an object",
            )?,
        },
        Step::AnyMember => match item {
            Json::Object(pairs) => out.extend(pairs.iter().map(|(_, v)| Cow::Borrowed(v))),
            _ => structural(
                cx,
                SqlState::SqlJsonObjectNotFound,
                "jsonpath wildcard member accessor can only be applied to an object",
            )?,
        },
        Step::AnyElement => match item {
            Json::Array(a) => out.extend(a.iter().map(Cow::Borrowed)),
            other if cx.unwrap => out.push(Cow::Borrowed(other)),
            _ => structural(
                cx,
                SqlState::SqlJsonArrayNotFound,
                "jsonpath wildcard array accessor can only be applied to an array",
            )?,
        },
        Step::Elements(idx) => {
            let single = std::slice::from_ref(item);
            let elements: &'a [Json] = match item {
                Json::Array(a) => a,
                _ if cx.unwrap => single,
                _ => {
                    return structural(
                        cx,
                        SqlState::SqlJsonArrayNotFound,
                        "jsonpath array accessor can only be applied to an array",
                    )
                }
            };
            let size = elements.len() as i64;
            let sub = Cx {
                last: Some(size - 1),
                ..*cx
            };
            for (from, to) in idx {
                let a = subscript(from, &sub, item)?;
                let b = match to {
                    Some(t) => subscript(t, &sub, item)?,
                    None => a,
                };
                if a < 0 || a > b || b >= size {
                    structural(
                        cx,
                        SqlState::InvalidSqlJsonSubscript,
                        "jsonpath array subscript is out of bounds",
                    )?;
                }
                let (a, b) = (a.max(0), b.min(size - 1));
                if a <= b {
                    out.extend(elements[a as usize..=b as usize].iter().map(Cow::Borrowed));
                }
            }
        }
        Step::Filter(p) => {
            if pred(p, cx, item)? == Some(true) {
                out.push(Cow::Borrowed(item))
            }
        }
        Step::Recursive(lo, hi) => {
            if *lo == 0 {
                out.push(Cow::Borrowed(item));
            }
            recurse(item, 1, *lo, *hi, out);
        }
        Step::Method(m) => method(*m, cx, item, out)?,
        Step::Datetime(template) => {
            let Json::String(s) = item else {
                return Err(EngineError::new(
                    SqlState::InvalidArgumentForSqlJsonDatetimeFunction,
                    "jsonpath item method .datetime() can only be applied to a string",
                ));
            };
            let d = super::json_datetime::JsonDatetime::parse(s, template.as_deref())?;
            out.push(Cow::Owned(Json::Datetime(d)));
        }
    }
    Ok(())
}

/// `.**{lo to hi}` below `item` at `level`, depth first (`last` alone
/// means the leaves).
fn recurse<'a>(item: &'a Json, level: u32, lo: u32, hi: u32, out: &mut Items<'a>) {
    let children: Box<dyn Iterator<Item = &'a Json>> = match item {
        Json::Array(a) => Box::new(a.iter()),
        Json::Object(pairs) => Box::new(pairs.iter().map(|(_, v)| v)),
        _ => return,
    };
    for v in children {
        let container = matches!(v, Json::Array(_) | Json::Object(_));
        let leaves_only = lo == LAST_LEVEL && hi == LAST_LEVEL;
        if (leaves_only && !container) || (!leaves_only && level >= lo && level <= hi) {
            out.push(Cow::Borrowed(v));
        }
        if level < hi && container {
            recurse(v, level + 1, lo, hi, out);
        }
    }
}

/// A subscript's value (truncated toward zero).
fn subscript(e: &PathExpr, cx: &Cx<'_>, at: &Json) -> Result<i64> {
    let bad = || {
        EngineError::new(
            SqlState::InvalidSqlJsonSubscript,
            "jsonpath array subscript is not a single numeric value",
        )
    };
    let found = items(e, cx, at)?;
    let [one] = found.as_slice() else {
        return Err(bad());
    };
    let Json::Number(n) = &**one else {
        return Err(bad());
    };
    num::numeric_trunc(n, 0)
        .ok()
        .and_then(|t| num::numeric_to_i64(&t, "integer").ok().flatten())
        .filter(|v| i32::try_from(*v).is_ok())
        .ok_or_else(|| {
            EngineError::new(
                SqlState::InvalidSqlJsonSubscript,
                "jsonpath array subscript is out of integer range",
            )
        })
}

fn method<'a>(m: Method, cx: &Cx<'a>, item: &'a Json, out: &mut Items<'a>) -> Result<()> {
    let numeric_only = |name: &str| {
        EngineError::new(
            SqlState::NonNumericSqlJsonItem,
            format!("jsonpath item method .{name}() can only be applied to a numeric value"),
        )
    };
    let value = match m {
        Method::Type => Json::String(item.type_name().to_owned()),
        Method::Size => match item {
            Json::Array(a) => number_of(a.len() as i64),
            _ if cx.ignore => number_of(1),
            _ => {
                return Err(EngineError::new(
                    SqlState::SqlJsonArrayNotFound,
                    "jsonpath item method .size() can only be applied to an array",
                ))
            }
        },
        Method::Double => {
            let invalid = || {
                EngineError::new(
                    SqlState::NonNumericSqlJsonItem,
                    "string argument of jsonpath item method .double() is not a valid \
                     representation of a double precision number",
                )
            };
            let f = match item {
                Json::Number(n) => {
                    let f = num::numeric_to_f64(n);
                    if !f.is_finite() {
                        return Err(EngineError::new(
                            SqlState::NonNumericSqlJsonItem,
                            "numeric argument of jsonpath item method .double() is out of \
                             range for type double precision",
                        ));
                    }
                    f
                }
                Json::String(s) => {
                    let f: f64 = s.trim().parse().map_err(|_| invalid())?;
                    if !f.is_finite() {
                        return Err(invalid());
                    }
                    f
                }
                _ => {
                    return Err(EngineError::new(
                        SqlState::NonNumericSqlJsonItem,
                        "jsonpath item method .double() can only be applied to a string or \
                         numeric value",
                    ))
                }
            };
            Json::Number(num::numeric_from_f64(f)?)
        }
        Method::Ceiling | Method::Floor | Method::Abs => {
            let (name, f): (&str, fn(&Numeric) -> Result<Numeric>) = match m {
                Method::Ceiling => ("ceiling", num::numeric_ceil),
                Method::Floor => ("floor", num::numeric_floor),
                _ => ("abs", |n| Ok(num::numeric_abs(n))),
            };
            match item {
                Json::Number(n) => Json::Number(f(n)?),
                _ => return Err(numeric_only(name)),
            }
        }
        Method::KeyValue => {
            let Json::Object(pairs) = item else {
                return Err(EngineError::new(
                    SqlState::SqlJsonObjectNotFound,
                    "jsonpath item method .keyvalue() can only be applied to an object",
                ));
            };
            if !std::ptr::eq(item, cx.root) {
                return Err(unsupported(
                    "item method .keyvalue() of an object other than the document",
                ));
            }
            for (k, v) in pairs {
                out.push(Cow::Owned(Json::Object(vec![
                    ("id".to_owned(), number_of(0)),
                    ("key".to_owned(), Json::String(k.clone())),
                    ("value".to_owned(), v.clone()),
                ])));
            }
            return Ok(());
        }
    };
    out.push(Cow::Owned(value));
    Ok(())
}

/// The operand items of a predicate, arrays unwrapped in lax mode; `None`
/// when evaluating them fails (the predicate is then unknown).
fn operand<'a>(e: &PathExpr, cx: &Cx<'a>, at: &'a Json) -> Result<Option<Items<'a>>> {
    let found = match items(e, cx, at) {
        Ok(i) => i,
        Err(err) if is_suppressible(&err) => return Ok(None),
        Err(err) => return Err(err),
    };
    let mut out = Vec::new();
    for i in found {
        push_unwrapped(i, cx.unwrap, &mut out);
    }
    Ok(Some(out))
}

/// A predicate's three-valued result (`None` = unknown).
fn pred<'a>(e: &PathExpr, cx: &Cx<'a>, at: &'a Json) -> Result<Option<bool>> {
    crate::sql::depth::guard(|| pred_level(e, cx, at))
}

fn pred_level<'a>(e: &PathExpr, cx: &Cx<'a>, at: &'a Json) -> Result<Option<bool>> {
    Ok(match e {
        PathExpr::And(a, b) => match pred(a, cx, at)? {
            Some(false) => Some(false),
            l => match (l, pred(b, cx, at)?) {
                (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
        },
        PathExpr::Or(a, b) => match pred(a, cx, at)? {
            Some(true) => Some(true),
            l => match (l, pred(b, cx, at)?) {
                (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
        },
        PathExpr::Not(a) => pred(a, cx, at)?.map(|b| !b),
        PathExpr::IsUnknown(a) => Some(pred(a, cx, at)?.is_none()),
        PathExpr::Exists(a) => match items(a, cx, at) {
            Ok(found) => Some(!found.is_empty()),
            Err(err) if is_suppressible(&err) => None,
            Err(err) => return Err(err),
        },
        PathExpr::Cmp(op, l, r) => {
            let (Some(ls), Some(rs)) = (operand(l, cx, at)?, operand(r, cx, at)?) else {
                return Ok(None);
            };
            let container = |j: &Json| matches!(j, Json::Array(_) | Json::Object(_));
            let mut results = Vec::with_capacity(ls.len() * rs.len());
            for a in &ls {
                for b in &rs {
                    let one_null = matches!(**a, Json::Null) != matches!(**b, Json::Null);
                    results.push(if one_null && !container(a) && !container(b) {
                        // Nulls equal nothing else and order with nothing;
                        // only `!=` holds.
                        Some(*op == CmpOp::Ne)
                    } else {
                        compare(a, b, cx.use_tz)?.map(|ord| test(*op, ord))
                    });
                }
            }
            any_of(results.into_iter())
        }
        PathExpr::LikeRegex(l, re) => {
            let Some(ls) = operand(l, cx, at)? else {
                return Ok(None);
            };
            let mut results = Vec::with_capacity(ls.len());
            for i in &ls {
                results.push(match &**i {
                    Json::String(s) => Some(super::regex::is_match(s, &re.compiled, false)?),
                    _ => None,
                });
            }
            any_of(results.into_iter())
        }
        PathExpr::StartsWith(l, r) => {
            let (Some(ls), Some(rs)) = (operand(l, cx, at)?, operand(r, cx, at)?) else {
                return Ok(None);
            };
            let [prefix] = rs.as_slice() else {
                return Ok(None);
            };
            let Json::String(prefix) = &**prefix else {
                return Ok(None);
            };
            any_of(ls.iter().map(|i| match &**i {
                Json::String(s) => Some(s.starts_with(prefix.as_str())),
                _ => None,
            }))
        }
        PathExpr::Path(base, steps) if steps.is_empty() => match &**base {
            Base::Literal(Json::Bool(b)) => Some(*b),
            Base::Literal(Json::Null) => None,
            Base::Expr(e) if is_predicate(e) => pred(e, cx, at)?,
            _ => return Err(syntax("(")),
        },
        _ => {
            return Err(EngineError::new(
                SqlState::SyntaxError,
                "syntax error at or near \")\" of jsonpath input",
            ))
        }
    })
}

/// SQL/JSON's "any" over per-pair results: true if one is true, unknown
/// if none is but one is unknown, false otherwise.
fn any_of(results: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut unknown = false;
    for r in results {
        match r {
            Some(true) => return Some(true),
            None => unknown = true,
            Some(false) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(false)
    }
}

/// Whether `e` is one of the path errors that make a predicate unknown,
/// and that `silent => true` and the `@?`/`@@` operators suppress.
pub fn is_suppressible(e: &EngineError) -> bool {
    matches!(
        e.state,
        SqlState::SqlJsonMemberNotFound
            | SqlState::SqlJsonArrayNotFound
            | SqlState::SqlJsonNumberNotFound
            | SqlState::SqlJsonObjectNotFound
            | SqlState::InvalidSqlJsonSubscript
            | SqlState::SingletonSqlJsonItemRequired
            | SqlState::NonNumericSqlJsonItem
            | SqlState::InvalidArgumentForSqlJsonDatetimeFunction
            | SqlState::DivisionByZero
            | SqlState::NumericValueOutOfRange
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
fn compare(a: &Json, b: &Json, use_tz: bool) -> Result<Option<Ordering>> {
    Ok(match (a, b) {
        (Json::Datetime(x), Json::Datetime(y)) => x.compare(y, use_tz)?,
        (Json::Null, Json::Null) => Some(Ordering::Equal),
        (Json::Bool(x), Json::Bool(y)) => Some(x.cmp(y)),
        (Json::Number(x), Json::Number(y)) => Some(x.cmp(y)),
        (Json::String(x), Json::String(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        _ => None,
    })
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

    fn err(path: &str, d: &str) -> SqlState {
        match JsonPath::parse(path).and_then(|p| p.query(&doc(d))) {
            Ok(v) => panic!("{path}: {v:?}"),
            Err(e) => e.state,
        }
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
    fn arithmetic_and_methods() {
        assert_eq!(
            q("$.a * 3 - 1 / 2", r#"{"a": 2}"#),
            ["5.50000000000000000000"]
        );
        assert_eq!(q("-$.a", r#"{"a": 2}"#), ["-2"]);
        assert_eq!(
            q("$[*].type()", r#"[1, [2], {"a": 1}]"#),
            ["\"number\"", "\"array\"", "\"object\""]
        );
        assert_eq!(q("$[*].size()", "[1, [2, 3]]"), ["1", "2"]);
        assert_eq!(q("$[*].floor()", "[1.5, -2.5]"), ["1", "-3"]);
        assert_eq!(q("$[*].double()", r#"["1.5", 2]"#), ["1.5", "2"]);
        assert_eq!(
            err("$.a + 1", r#"{"a": [1, 2]}"#),
            SqlState::SingletonSqlJsonItemRequired
        );
        assert_eq!(err("-$[*]", r#"[1, "x"]"#), SqlState::SqlJsonNumberNotFound);
        assert_eq!(
            err("strict $[*].size()", "[1]"),
            SqlState::SqlJsonArrayNotFound
        );
        assert_eq!(err("$.a / 0", r#"{"a": 1}"#), SqlState::DivisionByZero);
    }

    #[test]
    fn subscripts_and_recursion() {
        assert_eq!(q("$[last]", "[0, 1, 2]"), ["2"]);
        assert_eq!(q("$[0 to 1, last]", "[0, 1, 2]"), ["0", "1", "2"]);
        assert_eq!(q("$[last - 1]", "[0, 1, 2]"), ["1"]);
        assert_eq!(q("$[7]", "[0]"), Vec::<String>::new());
        assert_eq!(err("strict $[7]", "[0]"), SqlState::InvalidSqlJsonSubscript);
        assert_eq!(q("$.**{last}", "[1, [2, [3]]]"), ["1", "2", "3"]);
        assert_eq!(q("$.**{2}", r#"{"a": {"b": 1}, "c": [2]}"#), ["1", "2"]);
        assert_eq!(q("$.**", "[1, [2]]"), ["[1, [2]]", "1", "[2]", "2"]);
    }

    #[test]
    fn predicates() {
        assert_eq!(
            q(
                r#"$[*] ? (@ like_regex "^ab" flag "i")"#,
                r#"["abc", "Abd", "x"]"#
            ),
            ["\"abc\"", "\"Abd\""]
        );
        assert_eq!(
            q(r#"$[*] ? (@ starts with "x")"#, r#"["abc", "xbc"]"#),
            ["\"xbc\""]
        );
        assert_eq!(
            q("$[*] ? (exists(@.a))", r#"[{"a": 1}, {"b": 2}]"#),
            ["{\"a\": 1}"]
        );
        assert_eq!(
            q("$[*] ? ((@ > 1) is unknown)", r#"[1, "a", 3]"#),
            ["\"a\""]
        );
        assert_eq!(
            q("strict $[*] ? (@.x == 1)", "[1, 2]"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn variables() {
        let p = JsonPath::parse("$.a[*] ? (@ > $min)").unwrap();
        let got = p
            .query_with(&doc(r#"{"a": [1, 2, 3]}"#), Some(&doc(r#"{"min": 1}"#)))
            .unwrap();
        assert_eq!(got.len(), 2);
        let e = p
            .query_with(&doc(r#"{"a": [1]}"#), Some(&doc("{}")))
            .unwrap_err();
        assert_eq!(e.state, SqlState::UndefinedObject);
        let e = p
            .query_with(&doc(r#"{"a": [1]}"#), Some(&doc("[]")))
            .unwrap_err();
        assert_eq!(e.state, SqlState::InvalidParameterValue);
    }

    #[test]
    fn syntax_errors() {
        for p in [
            "$.a +",
            "$.foo()",
            "last",
            "$ ? (@ like_regex \"a\" flag \"z\")",
        ] {
            assert_eq!(
                JsonPath::parse(p).unwrap_err().state,
                SqlState::SyntaxError,
                "{p}"
            );
        }
        // The template must be a string literal (PostgreSQL: a syntax
        // error).
        assert_eq!(
            JsonPath::parse("$.a.datetime(1)").unwrap_err().state,
            SqlState::SyntaxError
        );
    }
}
