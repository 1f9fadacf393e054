//! `pg_get_constraintdef` of CHECK constraints: the expression printed as
//! PostgreSQL's `ruleutils.c` prints the parse tree it stored.
//!
//! PostgreSQL stores a check as a parse-analysed tree: literals typed
//! (`0` is an `integer` constant, `'x'` takes the type its operator
//! wants), implicit casts made explicit nodes (`numeric > integer` becomes
//! `numeric > numeric(integer)`), `BETWEEN` expanded, `IN (...)` turned
//! into `= ANY (ARRAY[...])`. Its deparser then prints every operator in
//! parentheses (`((a > 0))`), or in pretty mode only where precedence
//! needs them, and shows implicit casts below the top level
//! (`(0)::numeric`, pretty `0::numeric`).
//!
//! The engine's binder folds literals and does not keep that shape, so
//! this module rebuilds PostgreSQL's tree from the stored SQL text
//! ([`PgNode`]), asking the binder only for the types of leaves and of
//! function arguments, and applying PostgreSQL's operator resolution for
//! the common type families (integers, numeric, floats, strings, dates).
//! Then it prints the tree with `ruleutils.c`'s parenthesisation rules
//! (`get_rule_expr_paren` / `isSimpleNode`).
//!
//! Expression kinds outside that set (CASE, subscripts, ...) fall back to
//! the stored text in parentheses: the constraint still reads correctly,
//! but not byte for byte as PostgreSQL's.

use sqlparser::ast::{self as ast, BinaryOperator as B, Expr as AstExpr, UnaryOperator};

use crate::catalog::{CheckDesc, TableDesc};
use crate::plan::expr::Expr;
use crate::types::{SqlType, Value};

/// `pg_get_constraintdef(oid, pretty)` of check `check` on `table`:
/// `CHECK (<expr>)`, with ` NOT VALID` while it is not validated.
pub fn check_def(table: &TableDesc, check: &CheckDesc, pretty: bool) -> String {
    let mut s = format!("CHECK ({})", expr_def(table, &check.expr, pretty));
    if !check.validated {
        s.push_str(" NOT VALID");
    }
    s
}

/// An expression stored as SQL text over `table`'s columns (a
/// check, an index predicate) as PostgreSQL's `deparse_expression`
/// prints it: `(a > 0)`, or pretty `a > 0`.
pub fn expr_def(table: &TableDesc, text: &str, pretty: bool) -> String {
    expr_def_with(
        Builder {
            table,
            value: false,
            qualifier: None,
        },
        text,
        pretty,
    )
}

/// A domain check's expression over `VALUE` (of type `base`), printed as
/// [`expr_def`] prints a table's.
pub fn value_expr_def(base: SqlType, text: &str, pretty: bool) -> String {
    let column = crate::catalog::ColumnDesc {
        name: "value".into(),
        ty: base,
        not_null: false,
        default: None,
        generated: false,
        dropped: false,
        missing: None,
        identity: None,
        stat_target: None,
        storage: None,
        domain: None,
    };
    let table = TableDesc {
        id: 0,
        storage_id: 0,
        schema: String::new(),
        name: String::new(),
        columns: vec![column],
        indexes: Vec::new(),
        next_index_id: 0,
        checks: Vec::new(),
        foreign_keys: Vec::new(),
        stats: None,
    };
    expr_def_with(
        Builder {
            table: &table,
            value: true,
            qualifier: None,
        },
        text,
        pretty,
    )
}

fn expr_def_with(builder: Builder<'_>, text: &str, pretty: bool) -> String {
    crate::sql::parse_expr(text)
        .ok()
        .and_then(|ast| print_built(&builder, &ast, pretty))
        .unwrap_or_else(|| format!("({text})"))
}

fn print_built(builder: &Builder<'_>, ast: &AstExpr, pretty: bool) -> Option<String> {
    builder.build(ast).ok().map(|(node, _)| {
        let mut out = String::new();
        Printer { pretty }.expr(&node, None, &mut out);
        out
    })
}

/// Expression `e` of a view's `SELECT` over the one relation `table`
/// (called `qualifier` there), as `pg_get_viewdef` prints it: columns
/// qualified (`t.a`); `None` when it is outside what this module rebuilds.
pub fn view_expr_def(
    table: &TableDesc,
    qualifier: &str,
    e: &AstExpr,
    pretty: bool,
) -> Option<String> {
    let builder = Builder {
        table,
        value: false,
        qualifier: Some(qualifier),
    };
    print_built(&builder, e, pretty)
}

/// The parse-analysed tree, as far as the printer needs it.
#[derive(Debug, Clone)]
enum PgNode {
    Var(String),
    /// A constant: its text (`None`: NULL) and type (`Unknown`: untyped).
    Const(Option<String>, SqlType),
    /// A binary (two args) or prefix (one arg) operator.
    Op(String, Vec<PgNode>),
    And(Vec<PgNode>),
    Or(Vec<PgNode>),
    Not(Box<PgNode>),
    Func(String, Vec<PgNode>),
    /// A cast to the type (shown `(x)::type`).
    Cast(Box<PgNode>, SqlType),
    /// `x IS [NOT] NULL` (true: NOT).
    NullTest(Box<PgNode>, bool),
    /// `x IS [NOT] TRUE|FALSE|UNKNOWN`: the words after IS.
    BoolTest(Box<PgNode>, &'static str),
    Distinct(Box<PgNode>, Box<PgNode>),
    /// `x op ANY|ALL (ARRAY[...])`: (x, op, ANY, items).
    ArrayOp(Box<PgNode>, &'static str, bool, Vec<PgNode>),
    /// `COALESCE(...)` / `NULLIF(...)`: the keyword and arguments.
    SqlFunc(&'static str, Vec<PgNode>),
}

type Built = Result<(PgNode, SqlType), ()>;

struct Builder<'a> {
    table: &'a TableDesc,
    /// The table is a domain's `VALUE` (printed `VALUE`).
    value: bool,
    /// The name columns are printed qualified with (a view's `FROM` item).
    qualifier: Option<&'a str>,
}

fn base(t: &SqlType) -> SqlType {
    t.without_typmod()
}

fn int_rank(t: &SqlType) -> Option<u8> {
    match t {
        SqlType::Int2 => Some(1),
        SqlType::Int4 => Some(2),
        SqlType::Int8 => Some(3),
        _ => None,
    }
}

fn is_float(t: &SqlType) -> bool {
    matches!(t, SqlType::Float4 | SqlType::Float8)
}

fn is_numeric(t: &SqlType) -> bool {
    matches!(t, SqlType::Numeric { .. })
}

/// The type a string-family operand is compared as (varchar has no
/// operators of its own: text's are used).
fn op_type(t: &SqlType) -> SqlType {
    match base(t) {
        SqlType::Varchar(_) => SqlType::Text,
        other => other,
    }
}

/// PostgreSQL's choice of operand types for `l op r` (comparison or
/// arithmetic) for the common families; `None` where not modelled.
fn operand_types(op: &str, l: &SqlType, r: &SqlType) -> Option<(SqlType, SqlType, SqlType)> {
    let (l, r) = (base(l), base(r));
    let cmp = matches!(op, "=" | "<>" | "<" | "<=" | ">" | ">=");
    let (lt, rt) = match (&l, &r) {
        (SqlType::Unknown, SqlType::Unknown) => (SqlType::Text, SqlType::Text),
        (SqlType::Unknown, o) | (o, SqlType::Unknown) => {
            let t = op_type(o);
            (t, t)
        }
        (a, b) if int_rank(a).is_some() && int_rank(b).is_some() => {
            if op == "%" {
                let t = if int_rank(a) >= int_rank(b) { *a } else { *b };
                (t, t)
            } else {
                (*a, *b)
            }
        }
        (a, b) if is_numeric(a) && (is_numeric(b) || int_rank(b).is_some()) => (*a, *a),
        (a, b) if is_numeric(b) && int_rank(a).is_some() => (*b, *b),
        (a, b) if is_float(a) && is_float(b) => (*a, *b),
        (a, b) if is_float(a) && (int_rank(b).is_some() || is_numeric(b)) => (*a, SqlType::Float8),
        (a, b) if is_float(b) && (int_rank(a).is_some() || is_numeric(a)) => (SqlType::Float8, *b),
        (SqlType::Char(_), SqlType::Char(_)) => (l, r),
        (a, b) if a.is_string_family() && b.is_string_family() => (SqlType::Text, SqlType::Text),
        (
            SqlType::Date | SqlType::Timestamp(_) | SqlType::Timestamptz(_),
            SqlType::Date | SqlType::Timestamp(_) | SqlType::Timestamptz(_),
        ) if cmp => (l, r),
        (a, b) if a == b => (l, r),
        _ => return None,
    };
    let result = if cmp {
        SqlType::Bool
    } else {
        match (&lt, &rt) {
            (a, b) if int_rank(a).is_some() && int_rank(b).is_some() => {
                if int_rank(a) >= int_rank(b) {
                    *a
                } else {
                    *b
                }
            }
            (SqlType::Float4, SqlType::Float4) => SqlType::Float4,
            (a, b) if is_float(a) || is_float(b) => SqlType::Float8,
            (a, _) => *a,
        }
    };
    Some((lt, rt, result))
}

/// `x` (of type `from`) as PostgreSQL's parser coerces it to `to`: an
/// untyped literal becomes a constant of `to`, anything else of another
/// type gets a cast node.
fn coerce(node: PgNode, from: &SqlType, to: &SqlType) -> Result<PgNode, ()> {
    if base(from) == base(to) {
        return Ok(node);
    }
    match node {
        PgNode::Const(Some(text), SqlType::Unknown) => {
            let shown = Value::parse_text(&text, &base(to))
                .ok()
                .and_then(|v| v.to_text())
                .ok_or(())?;
            Ok(PgNode::Const(Some(shown), base(to)))
        }
        PgNode::Const(None, SqlType::Unknown) => Ok(PgNode::Const(None, base(to))),
        other => Ok(PgNode::Cast(Box::new(other), *to)),
    }
}

fn binary_symbol(op: &B) -> Option<&'static str> {
    Some(match op {
        B::Plus => "+",
        B::Minus => "-",
        B::Multiply => "*",
        B::Divide => "/",
        B::Modulo => "%",
        B::StringConcat => "||",
        B::Eq => "=",
        B::NotEq => "<>",
        B::Lt => "<",
        B::LtEq => "<=",
        B::Gt => ">",
        B::GtEq => ">=",
        B::PGRegexMatch => "~",
        B::PGRegexIMatch => "~*",
        B::PGRegexNotMatch => "!~",
        B::PGRegexNotIMatch => "!~*",
        _ => return None,
    })
}

impl Builder<'_> {
    /// The engine's binding of `e` over the table's row.
    fn bind(&self, e: &AstExpr) -> Result<Expr, ()> {
        let mut lookup = |_: &ast::ObjectName, _: bool| -> crate::error::Result<_> {
            Err(crate::error::EngineError::internal("no relations here"))
        };
        let mut b = crate::plan::bind::Binder::new(Vec::new(), &mut lookup);
        b.bind(
            e,
            &crate::plan::query::table_scope(
                self.table,
                self.qualifier.unwrap_or(&self.table.name),
            ),
        )
        .map_err(|_| ())
    }

    fn build(&self, e: &AstExpr) -> Built {
        crate::sql::depth::guard(|| self.build_level(e))
    }

    fn build_level(&self, e: &AstExpr) -> Built {
        match e {
            AstExpr::Nested(inner) => self.build(inner),
            AstExpr::Identifier(_) | AstExpr::CompoundIdentifier(_) => {
                let Expr::Column(i, ty) = self.bind(e)? else {
                    return Err(());
                };
                let column = crate::sql::identifiers::quote_ident(&self.table.columns[i].name);
                let name = match (self.value, self.qualifier) {
                    (true, _) => "VALUE".to_string(),
                    (false, Some(q)) => {
                        format!("{}.{column}", crate::sql::identifiers::quote_ident(q))
                    }
                    (false, None) => column,
                };
                Ok((PgNode::Var(name), ty))
            }
            AstExpr::Value(v) => Ok(literal(&v.value, false)?),
            AstExpr::UnaryOp { op, expr } => match (op, expr.as_ref()) {
                (UnaryOperator::Minus, AstExpr::Value(v)) => Ok(literal(&v.value, true)?),
                (UnaryOperator::Minus, inner) => {
                    let (n, t) = self.build(inner)?;
                    Ok((PgNode::Op("-".into(), vec![n]), t))
                }
                (UnaryOperator::Not, inner) => {
                    let n = self.boolean(inner)?;
                    Ok((PgNode::Not(Box::new(n)), SqlType::Bool))
                }
                _ => Err(()),
            },
            AstExpr::BinaryOp { left, op, right } => match op {
                B::And | B::Or => {
                    let mut args = Vec::new();
                    // The grammar flattens a left-nested chain of the same
                    // operator into one node (`makeAndExpr`).
                    let mut l = left.as_ref();
                    let mut rights = vec![right.as_ref()];
                    while let AstExpr::BinaryOp {
                        left: ll,
                        op: o2,
                        right: rr,
                    } = l
                    {
                        if o2 != op {
                            break;
                        }
                        rights.push(rr);
                        l = ll;
                    }
                    args.push(self.boolean(l)?);
                    for r in rights.into_iter().rev() {
                        args.push(self.boolean(r)?);
                    }
                    let node = if matches!(op, B::And) {
                        PgNode::And(args)
                    } else {
                        PgNode::Or(args)
                    };
                    Ok((node, SqlType::Bool))
                }
                _ => {
                    let sym = binary_symbol(op).ok_or(())?;
                    self.operator(sym, left, right)
                }
            },
            AstExpr::Like {
                negated,
                expr,
                pattern,
                escape_char: None,
                any: false,
            } => self.like(if *negated { "!~~" } else { "~~" }, expr, pattern),
            AstExpr::ILike {
                negated,
                expr,
                pattern,
                escape_char: None,
                any: false,
            } => self.like(if *negated { "!~~*" } else { "~~*" }, expr, pattern),
            AstExpr::IsNull(x) | AstExpr::IsNotNull(x) => {
                let (n, _) = self.build(x)?;
                let not = matches!(e, AstExpr::IsNotNull(_));
                Ok((PgNode::NullTest(Box::new(n), not), SqlType::Bool))
            }
            AstExpr::IsTrue(x)
            | AstExpr::IsNotTrue(x)
            | AstExpr::IsFalse(x)
            | AstExpr::IsNotFalse(x)
            | AstExpr::IsUnknown(x)
            | AstExpr::IsNotUnknown(x) => {
                let words = match e {
                    AstExpr::IsTrue(_) => "TRUE",
                    AstExpr::IsNotTrue(_) => "NOT TRUE",
                    AstExpr::IsFalse(_) => "FALSE",
                    AstExpr::IsNotFalse(_) => "NOT FALSE",
                    AstExpr::IsUnknown(_) => "UNKNOWN",
                    _ => "NOT UNKNOWN",
                };
                let n = self.boolean(x)?;
                Ok((PgNode::BoolTest(Box::new(n), words), SqlType::Bool))
            }
            AstExpr::IsDistinctFrom(a, b) | AstExpr::IsNotDistinctFrom(a, b) => {
                let (PgNode::Op(_, mut args), _) = self.operator("=", a, b)? else {
                    return Err(());
                };
                let r = args.pop().ok_or(())?;
                let l = args.pop().ok_or(())?;
                let d = PgNode::Distinct(Box::new(l), Box::new(r));
                Ok((
                    if matches!(e, AstExpr::IsNotDistinctFrom(..)) {
                        PgNode::Not(Box::new(d))
                    } else {
                        d
                    },
                    SqlType::Bool,
                ))
            }
            AstExpr::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let (lo_op, hi_op) = if *negated { ("<", ">") } else { (">=", "<=") };
                let (a, _) = self.operator(lo_op, expr, low)?;
                let (b, _) = self.operator(hi_op, expr, high)?;
                let node = if *negated {
                    PgNode::Or(vec![a, b])
                } else {
                    PgNode::And(vec![a, b])
                };
                Ok((node, SqlType::Bool))
            }
            AstExpr::InList {
                expr,
                list,
                negated,
            } => {
                let (x, xt) = self.build(expr)?;
                let want = op_type(&xt);
                if want != base(&xt) {
                    return Err(());
                }
                let mut items = Vec::new();
                for item in list {
                    let (n, t) = self.build(item)?;
                    if base(&t) != want && t != SqlType::Unknown {
                        return Err(());
                    }
                    items.push(coerce(n, &t, &want)?);
                }
                let (sym, any) = if *negated { ("<>", false) } else { ("=", true) };
                Ok((PgNode::ArrayOp(Box::new(x), sym, any, items), SqlType::Bool))
            }
            AstExpr::Cast {
                expr, data_type, ..
            } => {
                let to = SqlType::from_ast(data_type).map_err(|_| ())?;
                let (n, t) = self.build(expr)?;
                match n {
                    PgNode::Const(Some(_), SqlType::Unknown) | PgNode::Const(None, _) => {
                        let n = coerce(n, &t, &to)?;
                        Ok((n, to))
                    }
                    n if t == to => Ok((n, to)),
                    n => Ok((PgNode::Cast(Box::new(n), to), to)),
                }
            }
            AstExpr::Function(f) => self.function(e, f),
            _ => Err(()),
        }
    }

    /// A boolean operand (an untyped literal becomes a boolean constant).
    fn boolean(&self, e: &AstExpr) -> Result<PgNode, ()> {
        let (n, t) = self.build(e)?;
        match t {
            SqlType::Bool => Ok(n),
            SqlType::Unknown => coerce(n, &t, &SqlType::Bool),
            _ => Err(()),
        }
    }

    fn operator(&self, sym: &str, left: &AstExpr, right: &AstExpr) -> Built {
        let (l, lt) = self.build(left)?;
        let (r, rt) = self.build(right)?;
        let (lw, rw, result) = if sym == "||" {
            let t = |x: &SqlType| {
                if x.is_string_family() || *x == SqlType::Unknown {
                    SqlType::Text
                } else {
                    base(x)
                }
            };
            (t(&lt), t(&rt), SqlType::Text)
        } else if sym.contains('~') {
            (op_type(&lt), SqlType::Text, SqlType::Bool)
        } else {
            operand_types(sym, &lt, &rt).ok_or(())?
        };
        let l = coerce(l, &lt, &lw)?;
        let r = coerce(r, &rt, &rw)?;
        Ok((PgNode::Op(sym.to_string(), vec![l, r]), result))
    }

    fn like(&self, sym: &'static str, expr: &AstExpr, pattern: &AstExpr) -> Built {
        let (l, lt) = self.build(expr)?;
        let (r, rt) = self.build(pattern)?;
        let lw = match base(&lt) {
            SqlType::Char(_) => base(&lt),
            SqlType::Unknown => SqlType::Text,
            other if other.is_string_family() => SqlType::Text,
            _ => return Err(()),
        };
        let l = coerce(l, &lt, &lw)?;
        let r = coerce(r, &rt, &SqlType::Text)?;
        Ok((PgNode::Op(sym.to_string(), vec![l, r]), SqlType::Bool))
    }

    fn function(&self, e: &AstExpr, f: &ast::Function) -> Built {
        // SQL value functions print as their keyword.
        if let Some(k) = sql_value_keyword(f) {
            let ty = self.bind(e)?.ty();
            return Ok((PgNode::Var(k.to_string()), ty));
        }
        if f.over.is_some() || f.filter.is_some() || !f.within_group.is_empty() {
            return Err(());
        }
        let ast::FunctionArguments::List(list) = &f.args else {
            return Err(());
        };
        if list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
            return Err(());
        }
        let mut args = Vec::new();
        for a in &list.args {
            let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) = a else {
                return Err(());
            };
            args.push(self.build(x)?);
        }
        let name = f.name.to_string().to_lowercase();
        let bound = self.bind(e)?;
        match (name.as_str(), bound) {
            ("coalesce", Expr::Coalesce(_, ty)) | ("nullif", Expr::NullIf(_, _, ty)) => {
                let keyword = if name == "coalesce" {
                    "COALESCE"
                } else {
                    "NULLIF"
                };
                let mut out = Vec::new();
                for (n, t) in args {
                    out.push(coerce(n, &t, &ty)?);
                }
                Ok((PgNode::SqlFunc(keyword, out), ty))
            }
            (_, Expr::Function(func, bound_args)) if func.name == name => {
                let mut out = Vec::new();
                for ((n, t), b) in args.into_iter().zip(&bound_args) {
                    let want = match (base(&t), b.ty()) {
                        // String arguments are passed as text.
                        (SqlType::Varchar(_), w) | (SqlType::Char(_), w)
                            if w.is_string_family() =>
                        {
                            SqlType::Text
                        }
                        (_, w) => w,
                    };
                    out.push(coerce(n, &t, &want)?);
                }
                Ok((PgNode::Func(name, out), func.return_type()))
            }
            _ => Err(()),
        }
    }
}

/// The keyword a SQL value function (`current_timestamp`, `user`, ...)
/// prints as (`ruleutils.c`'s SQLValueFunction); `None` for other calls.
pub(crate) fn sql_value_keyword(f: &ast::Function) -> Option<&'static str> {
    const KEYWORDS: &[&str] = &[
        "CURRENT_DATE",
        "CURRENT_TIME",
        "CURRENT_TIMESTAMP",
        "LOCALTIME",
        "LOCALTIMESTAMP",
        "CURRENT_ROLE",
        "CURRENT_USER",
        "USER",
        "SESSION_USER",
        "CURRENT_CATALOG",
        "CURRENT_SCHEMA",
    ];
    if !matches!(f.args, ast::FunctionArguments::None) {
        return None;
    }
    let name = f.name.to_string();
    KEYWORDS
        .iter()
        .find(|k| k.eq_ignore_ascii_case(&name))
        .copied()
}

/// A literal as PostgreSQL's lexer and grammar type it (`negative`: a
/// unary minus folded in, as `doNegate` does).
fn literal(v: &ast::Value, negative: bool) -> Built {
    let sign = if negative { "-" } else { "" };
    match v {
        ast::Value::Number(n, _) => {
            let text = format!("{sign}{n}");
            let integral = n.chars().all(|c| c.is_ascii_digit());
            let ty = if integral && text.parse::<i32>().is_ok() {
                SqlType::Int4
            } else if integral && text.parse::<i64>().is_ok() {
                SqlType::Int8
            } else {
                SqlType::NUMERIC
            };
            let shown = Value::parse_text(&text, &ty)
                .ok()
                .and_then(|v| v.to_text())
                .ok_or(())?;
            Ok((PgNode::Const(Some(shown), ty), ty))
        }
        _ if negative => Err(()),
        ast::Value::SingleQuotedString(s) => Ok((
            PgNode::Const(Some(s.clone()), SqlType::Unknown),
            SqlType::Unknown,
        )),
        ast::Value::Boolean(b) => Ok((
            PgNode::Const(Some(b.to_string()), SqlType::Bool),
            SqlType::Bool,
        )),
        ast::Value::Null => Ok((PgNode::Const(None, SqlType::Unknown), SqlType::Unknown)),
        _ => Err(()),
    }
}

/// PostgreSQL's `format_type` without modifier for a constant's label.
fn type_label(t: &SqlType) -> String {
    t.display_name()
}

struct Printer {
    pretty: bool,
}

/// How a parent node treats its children in `isSimpleNode`.
#[derive(Clone, Copy)]
enum Parent<'a> {
    Op(&'a str, bool),
    Bool(u8),
    Cast,
    Other,
}

impl Printer {
    fn expr(&self, n: &PgNode, parent: Option<Parent<'_>>, out: &mut String) {
        let paren = self.pretty && parent.is_some_and(|p| !simple(n, p));
        if paren {
            out.push('(');
        }
        self.node(n, out);
        if paren {
            out.push(')');
        }
    }

    fn open(&self, out: &mut String) {
        if !self.pretty {
            out.push('(');
        }
    }

    fn close(&self, out: &mut String) {
        if !self.pretty {
            out.push(')');
        }
    }

    fn node(&self, n: &PgNode, out: &mut String) {
        match n {
            PgNode::Var(name) => out.push_str(name),
            PgNode::Const(text, ty) => const_text(text.as_deref(), ty, true, out),
            PgNode::Op(sym, args) => {
                self.open(out);
                match args.as_slice() {
                    [a] => {
                        out.push_str(sym);
                        out.push(' ');
                        self.expr(a, Some(Parent::Op(sym, false)), out);
                    }
                    [a, b] => {
                        self.expr(a, Some(Parent::Op(sym, true)), out);
                        out.push(' ');
                        out.push_str(sym);
                        out.push(' ');
                        self.expr(b, Some(Parent::Op(sym, false)), out);
                    }
                    _ => {}
                }
                self.close(out);
            }
            PgNode::And(args) | PgNode::Or(args) => {
                let (word, kind) = if matches!(n, PgNode::And(_)) {
                    (" AND ", 1)
                } else {
                    (" OR ", 2)
                };
                self.open(out);
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(word);
                    }
                    self.expr(a, Some(Parent::Bool(kind)), out);
                }
                self.close(out);
            }
            PgNode::Not(a) => {
                self.open(out);
                out.push_str("NOT ");
                self.expr(a, Some(Parent::Bool(0)), out);
                self.close(out);
            }
            PgNode::Func(_, args) | PgNode::SqlFunc(_, args) => {
                let name = match n {
                    PgNode::SqlFunc(k, _) => k.to_string(),
                    PgNode::Func(f, _) => crate::sql::identifiers::quote_ident(f),
                    _ => String::new(),
                };
                out.push_str(&name);
                out.push('(');
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.node(a, out);
                }
                out.push(')');
            }
            PgNode::Cast(a, ty) => {
                if !self.pretty {
                    out.push('(');
                    self.node(a, out);
                    out.push(')');
                } else {
                    self.expr(a, Some(Parent::Cast), out);
                }
                out.push_str("::");
                out.push_str(&ty.display_name());
            }
            PgNode::NullTest(a, not) => {
                self.open(out);
                self.expr(a, Some(Parent::Other), out);
                out.push_str(if *not { " IS NOT NULL" } else { " IS NULL" });
                self.close(out);
            }
            PgNode::BoolTest(a, words) => {
                self.open(out);
                self.expr(a, Some(Parent::Other), out);
                out.push_str(" IS ");
                out.push_str(words);
                self.close(out);
            }
            PgNode::Distinct(a, b) => {
                self.open(out);
                self.expr(a, Some(Parent::Other), out);
                out.push_str(" IS DISTINCT FROM ");
                self.expr(b, Some(Parent::Other), out);
                self.close(out);
            }
            PgNode::ArrayOp(x, sym, any, items) => {
                self.open(out);
                self.expr(x, Some(Parent::Other), out);
                out.push(' ');
                out.push_str(sym);
                out.push_str(if *any { " ANY (ARRAY[" } else { " ALL (ARRAY[" });
                for (i, a) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.node(a, out);
                }
                out.push_str("])");
                self.close(out);
            }
        }
    }
}

/// `isSimpleNode` of `ruleutils.c`: whether `n` needs no parentheses
/// below `parent` in pretty mode.
fn simple(n: &PgNode, parent: Parent<'_>) -> bool {
    match n {
        PgNode::Var(_)
        | PgNode::Const(..)
        | PgNode::Func(..)
        | PgNode::SqlFunc(..)
        | PgNode::Cast(..) => true,
        PgNode::Op(sym, args) => {
            if let Parent::Op(parent_sym, is_left) = parent {
                let prio = |s: &str| match s {
                    "+" | "-" => Some(1),
                    "*" | "/" | "%" => Some(2),
                    _ => None,
                };
                if args.len() != 2 {
                    return false;
                }
                let (Some(me), Some(up)) = (prio(sym), prio(parent_sym)) else {
                    return false;
                };
                return me > up || (me == up && is_left);
            }
            shared_simple(parent)
        }
        PgNode::NullTest(..) | PgNode::BoolTest(..) | PgNode::Distinct(..) => shared_simple(parent),
        PgNode::And(_) | PgNode::Or(_) | PgNode::Not(_) => {
            let me = match n {
                PgNode::Not(_) => 0,
                PgNode::And(_) => 1,
                _ => 2,
            };
            match parent {
                Parent::Bool(up) => match me {
                    0 | 1 => up == 1 || up == 2,
                    _ => up == 2,
                },
                _ => false,
            }
        }
        PgNode::ArrayOp(..) => false,
    }
}

fn shared_simple(parent: Parent<'_>) -> bool {
    match parent {
        Parent::Cast => false,
        Parent::Bool(_) => true,
        _ => false,
    }
}

/// `get_const_expr` with `showtype` 0 (`label`) or -1.
pub(crate) fn const_text(text: Option<&str>, ty: &SqlType, label: bool, out: &mut String) {
    let Some(text) = text else {
        out.push_str("NULL");
        if label && *ty != SqlType::Unknown {
            out.push_str("::");
            out.push_str(&type_label(ty));
        }
        return;
    };
    let mut need_label = match ty {
        SqlType::Int4 if !text.starts_with('-') => {
            out.push_str(text);
            false
        }
        SqlType::Numeric { .. }
            if text.starts_with(|c: char| c.is_ascii_digit()) && text.contains(['e', 'E', '.']) =>
        {
            out.push_str(text);
            false
        }
        SqlType::Bool => {
            out.push_str(if text == "true" || text == "t" {
                "true"
            } else {
                "false"
            });
            false
        }
        SqlType::Int4 | SqlType::Numeric { .. } => {
            out.push('\'');
            out.push_str(text);
            out.push('\'');
            true
        }
        _ => {
            out.push('\'');
            out.push_str(&text.replace('\'', "''"));
            out.push('\'');
            !matches!(ty, SqlType::Unknown)
        }
    };
    if !label {
        need_label = false;
    }
    if need_label {
        out.push_str("::");
        out.push_str(&type_label(ty));
    }
}
