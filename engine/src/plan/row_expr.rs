//! Binding row values: row constructors (`ROW(1, 'x')`, `(1, 'x')`),
//! whole-row references (`SELECT t FROM t`), casts of a constructor to a
//! composite type, field selection (`(c).a`, `(c).*`), row comparisons
//! and `IS [NOT] NULL` on rows.
//!
//! Row values are carried as their canonical text (see
//! [`crate::types::composite`]); the functions built here produce and
//! read that text. As in PostgreSQL's parser, comparing two row
//! constructors compares them field by field (`ROW(1, NULL) = ROW(1, 2)`
//! is NULL), and `IS NULL` of a constructor tests each field; comparing
//! composite values otherwise uses `record_cmp`'s order (a NULL field is
//! greater than any value and equal to another NULL).

use sqlparser::ast::{self as ast, Expr as AstExpr};

use super::bind::{Binder, Scope};
use super::expr::Expr;
use crate::error::{EngineError, Result, SqlState};
use crate::sql::identifiers::ident_name;
use crate::types::composite::{self, CompositeDef};
use crate::types::{BinaryOp, CastKind, ScalarFunction, SqlType, Value, Volatility};

/// The fields of a row constructor: `(a, b, ...)` with two or more items
/// or `ROW(...)` with any number; `None` for any other expression.
pub(crate) fn constructor_items(e: &AstExpr) -> Option<Vec<&AstExpr>> {
    match e {
        AstExpr::Tuple(items) => Some(items.iter().collect()),
        AstExpr::Nested(inner) => constructor_items(inner),
        AstExpr::Function(f) if is_row_call(f) => row_call_items(f),
        _ => None,
    }
}

/// The fields of a `ROW(...)` call (`None` for a malformed one).
pub(crate) fn row_call_items(f: &ast::Function) -> Option<Vec<&AstExpr>> {
    match &f.args {
        ast::FunctionArguments::None => Some(Vec::new()),
        ast::FunctionArguments::List(l) if l.clauses.is_empty() => l
            .args
            .iter()
            .map(|a| match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// Whether `f` is the `ROW(...)` constructor.
pub(crate) fn is_row_call(f: &ast::Function) -> bool {
    f.name.0.len() == 1
        && f.name.0[0]
            .as_ident()
            .is_some_and(|i| i.quote_style.is_none() && i.value.eq_ignore_ascii_case("row"))
}

fn not_typed(_: &dyn crate::types::FunctionEnv, _: &[Value]) -> Result<Value> {
    Err(EngineError::internal("typed function called untyped"))
}

fn row_fn(arg_types: Vec<SqlType>, ty: SqlType) -> ScalarFunction {
    ScalarFunction {
        name: "row",
        arg_types,
        return_type: ty,
        strict: false,
        volatility: Volatility::Immutable,
        catalog: false,
        eval: not_typed,
        typed: Some(|a, _| Ok(Value::Text(composite::row_text(a)))),
    }
}

fn field_fn(def: &'static CompositeDef, index: usize) -> ScalarFunction {
    ScalarFunction {
        name: "fieldselect",
        arg_types: vec![SqlType::Composite(def), SqlType::Int4],
        return_type: def.attrs[index].ty,
        strict: true,
        volatility: Volatility::Immutable,
        catalog: false,
        eval: not_typed,
        typed: Some(|a, t| match (&a[0], &t[0], a[1].as_i64()) {
            (Value::Text(s), SqlType::Composite(d), Some(i)) => composite::field(d, s, i as usize),
            _ => Err(EngineError::internal("bad field selection")),
        }),
    }
}

/// Field `index` of the composite value `base` (of type `def`).
pub(crate) fn field_of(def: &'static CompositeDef, base: Expr, index: usize) -> Expr {
    Expr::Function(
        field_fn(def, index),
        vec![
            base,
            Expr::Literal(Value::Int4(index as i32), SqlType::Int4),
        ],
    )
}

fn row_null_fn(ty: SqlType) -> ScalarFunction {
    ScalarFunction {
        name: "row_is_null",
        arg_types: vec![ty, SqlType::Bool],
        return_type: SqlType::Bool,
        strict: false,
        volatility: Volatility::Immutable,
        catalog: false,
        eval: not_typed,
        typed: Some(|a, t| {
            let not = a[1].as_bool().unwrap_or(false);
            let Value::Text(s) = &a[0] else {
                return Ok(Value::Bool(!not));
            };
            let n = match &t[0] {
                SqlType::Composite(d) => d.attrs.len(),
                _ => composite::field_count(s),
            };
            Ok(Value::Bool(if not {
                composite::none_null(s, n)?
            } else {
                composite::all_null(s, n)?
            }))
        }),
    }
}

/// Whether `ty` is a row type (a composite type or `record`).
pub(crate) fn is_row_type(ty: &SqlType) -> bool {
    matches!(ty, SqlType::Composite(_) | SqlType::Record)
}

impl Binder<'_> {
    /// Binds a row constructor's fields; an untyped literal field is
    /// `text`, as PostgreSQL resolves it.
    fn bind_fields(&mut self, items: &[&AstExpr], scope: &Scope) -> Result<Vec<Expr>> {
        let mut out = Vec::with_capacity(items.len());
        for e in items {
            let b = self.bind(e, scope)?;
            let b = if b.ty() == SqlType::Unknown {
                self.coerce(b, SqlType::Text, CastKind::Implicit)?
            } else {
                b
            };
            out.push(b);
        }
        Ok(out)
    }

    /// `ROW(...)` / `(a, b)`: an anonymous `record`.
    pub(crate) fn bind_row(&mut self, items: &[&AstExpr], scope: &Scope) -> Result<Expr> {
        let fields = self.bind_fields(items, scope)?;
        Ok(record_of(fields))
    }

    /// A row constructor cast to composite type `def`: each field cast to
    /// its attribute's type (42846 when the counts differ).
    pub(crate) fn bind_row_as(
        &mut self,
        items: &[&AstExpr],
        def: &'static CompositeDef,
        kind: CastKind,
        scope: &Scope,
    ) -> Result<Expr> {
        if items.len() != def.attrs.len() {
            return Err(EngineError::new(
                SqlState::CannotCoerce,
                format!("cannot cast type record to {}", def.name),
            )
            .with_detail(if items.len() < def.attrs.len() {
                "Input has too few columns."
            } else {
                "Input has too many columns."
            }));
        }
        let mut args = Vec::with_capacity(items.len());
        for (e, a) in items.iter().zip(&def.attrs) {
            let b = self.bind(e, scope)?;
            args.push(self.coerce(b, a.ty, kind)?);
        }
        let types = def.attrs.iter().map(|a| a.ty).collect();
        Ok(Expr::Function(row_fn(types, SqlType::Composite(def)), args))
    }

    /// `x::t` / `CAST(x AS t)` with `t` a composite type: a constructor
    /// is cast field by field; `None` for any other operand.
    pub(crate) fn bind_cast_to_row(
        &mut self,
        inner: &AstExpr,
        ty: SqlType,
        scope: &Scope,
    ) -> Result<Option<Expr>> {
        let (SqlType::Composite(def), Some(items)) = (ty, constructor_items(inner)) else {
            return Ok(None);
        };
        self.bind_row_as(&items, def, CastKind::Explicit, scope)
            .map(Some)
    }

    /// A bare name that is no column but a table (alias) of the scope: the
    /// whole row as an anonymous `record`; `None` when there is no such
    /// table.
    pub(crate) fn whole_row(&mut self, name: &str, scope: &Scope) -> Option<Expr> {
        let mut fields = Vec::new();
        let mut any = false;
        for (i, c) in scope.columns.iter().enumerate() {
            if c.table.as_deref() != Some(name) {
                continue;
            }
            any = true;
            if !c.hidden && !c.name.starts_with('\0') {
                fields.push(Expr::Column(i, c.ty));
            }
        }
        any.then(|| record_of(fields))
    }

    /// `(expr).field`: a field of a composite value.
    pub(crate) fn bind_field_select(
        &mut self,
        root: &AstExpr,
        field: &ast::Ident,
        scope: &Scope,
    ) -> Result<Expr> {
        let base = self.bind(root, scope)?;
        let name = ident_name(field);
        match base.ty() {
            SqlType::Composite(def) => {
                let i = def.position(&name).ok_or_else(|| {
                    EngineError::new(
                        SqlState::UndefinedColumn,
                        format!("column \"{name}\" not found in data type {}", def.name),
                    )
                })?;
                Ok(Expr::Function(
                    field_fn(def, i),
                    vec![base, Expr::Literal(Value::Int4(i as i32), SqlType::Int4)],
                ))
            }
            SqlType::Record => Err(EngineError::unsupported(format!(
                "selecting field \"{name}\" of an anonymous record"
            ))),
            other => Err(EngineError::new(
                SqlState::WrongObjectType,
                format!(
                    "column notation .{name} applied to type {}, which is not a composite type",
                    other.display_name()
                ),
            )),
        }
    }

    /// `UPDATE ... SET c.f = v`: the row `old` (column `c`) with field `f`
    /// replaced by `value` (a NULL row gets its other fields NULL).
    pub(crate) fn bind_field_assignment(
        &mut self,
        old: Expr,
        column: &str,
        field: &str,
        value: Expr,
    ) -> Result<Expr> {
        let SqlType::Composite(def) = old.ty() else {
            return Err(EngineError::new(
                SqlState::DatatypeMismatch,
                format!(
                    "cannot assign to field \"{field}\" of column \"{column}\" because its type {} is not a composite type",
                    old.ty().display_name()
                ),
            ));
        };
        let Some(index) = def.position(field) else {
            return Err(EngineError::new(
                SqlState::UndefinedColumn,
                format!(
                    "cannot assign to field \"{field}\" of column \"{column}\" because there is no such column in data type {}",
                    def.name
                ),
            ));
        };
        let mut value = Some(self.coerce(value, def.attrs[index].ty, CastKind::Assignment)?);
        let mut args = Vec::with_capacity(def.attrs.len());
        for i in 0..def.attrs.len() {
            args.push(match i == index {
                true => value
                    .take()
                    .ok_or_else(|| EngineError::internal("field assigned twice"))?,
                false => Expr::Function(
                    field_fn(def, i),
                    vec![
                        old.clone(),
                        Expr::Literal(Value::Int4(i as i32), SqlType::Int4),
                    ],
                ),
            });
        }
        let types = def.attrs.iter().map(|a| a.ty).collect();
        Ok(Expr::Function(row_fn(types, SqlType::Composite(def)), args))
    }

    /// `(expr).*`: every field of a composite value, with its name.
    pub(crate) fn bind_field_star(
        &mut self,
        root: &AstExpr,
        scope: &Scope,
    ) -> Result<Vec<(String, Expr)>> {
        let base = self.bind(root, scope)?;
        let SqlType::Composite(def) = base.ty() else {
            return Err(EngineError::unsupported(format!(
                "({root}).* of type {}",
                base.ty().display_name()
            )));
        };
        Ok(def
            .attrs
            .iter()
            .enumerate()
            .map(|(i, a)| {
                (
                    a.name.clone(),
                    Expr::Function(
                        field_fn(def, i),
                        vec![
                            base.clone(),
                            Expr::Literal(Value::Int4(i as i32), SqlType::Int4),
                        ],
                    ),
                )
            })
            .collect())
    }

    /// `expr IS [NOT] NULL` when `expr` is a row: a constructor tests each
    /// field, a row value all its fields; `None` for other operands.
    pub(crate) fn bind_row_is_null(
        &mut self,
        inner: &AstExpr,
        negated: bool,
        scope: &Scope,
    ) -> Result<Option<Expr>> {
        if let Some(items) = constructor_items(inner) {
            let fields = self.bind_fields(&items, scope)?;
            let mut tests = fields
                .into_iter()
                .map(|f| Expr::IsNull(Box::new(f), negated));
            let first = tests
                .next()
                .unwrap_or(Expr::Literal(Value::Bool(true), SqlType::Bool));
            return Ok(Some(
                tests.fold(first, |acc, t| Expr::And(Box::new(acc), Box::new(t))),
            ));
        }
        Ok(None)
    }

    /// Wraps a bound row value in its `IS [NOT] NULL` test (`None` when
    /// `e` is no row).
    pub(crate) fn row_value_is_null(&mut self, e: Expr, negated: bool) -> Result<Expr> {
        let ty = e.ty();
        if !is_row_type(&ty) {
            return Ok(Expr::IsNull(Box::new(e), negated));
        }
        Ok(Expr::Function(
            row_null_fn(ty),
            vec![e, Expr::Literal(Value::Bool(negated), SqlType::Bool)],
        ))
    }

    /// A comparison with a row constructor on either side: two
    /// constructors compare field by field; a constructor and a composite
    /// value compare as the composite type. `None` when neither side is
    /// a constructor.
    pub(crate) fn bind_row_compare(
        &mut self,
        left: &AstExpr,
        op: BinaryOp,
        right: &AstExpr,
        scope: &Scope,
    ) -> Result<Option<Expr>> {
        let (li, ri) = (constructor_items(left), constructor_items(right));
        match (li, ri) {
            (Some(l), Some(r)) => {
                if l.len() != r.len() {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        "unequal number of entries in row expressions",
                    ));
                }
                let mut pairs = Vec::with_capacity(l.len());
                for (a, b) in l.iter().zip(&r) {
                    let x = self.bind(a, scope)?;
                    let y = self.bind(b, scope)?;
                    pairs.push((x, y));
                }
                self.fieldwise(op, pairs).map(Some)
            }
            (Some(items), None) => {
                let other = self.bind(right, scope)?;
                let SqlType::Composite(def) = other.ty() else {
                    return Ok(None);
                };
                let row = self.row_like(&items, def, true, scope)?;
                self.compare_exprs(op, row, other).map(Some)
            }
            (None, Some(items)) => {
                let other = self.bind(left, scope)?;
                let SqlType::Composite(def) = other.ty() else {
                    return Ok(None);
                };
                let row = self.row_like(&items, def, false, scope)?;
                self.compare_exprs(op, other, row).map(Some)
            }
            (None, None) => Ok(None),
        }
    }

    /// A constructor compared with a value of composite type `def`: as
    /// PostgreSQL's `record_eq`, the fields must have the attributes'
    /// types (42804 naming the first that differs; an untyped literal is
    /// `unknown`). `constructor_left` orders the types in the message.
    fn row_like(
        &mut self,
        items: &[&AstExpr],
        def: &'static CompositeDef,
        constructor_left: bool,
        scope: &Scope,
    ) -> Result<Expr> {
        if items.len() != def.attrs.len() {
            return Err(EngineError::new(
                SqlState::DatatypeMismatch,
                "cannot compare record types with different numbers of columns",
            ));
        }
        let mut fields = Vec::with_capacity(items.len());
        for (i, (e, a)) in items.iter().zip(&def.attrs).enumerate() {
            let b = self.bind(e, scope)?;
            let t = b.ty();
            if !t.same_base(&a.ty) {
                let (x, y) = if constructor_left {
                    (t, a.ty)
                } else {
                    (a.ty, t)
                };
                return Err(EngineError::new(
                    SqlState::DatatypeMismatch,
                    format!(
                        "cannot compare dissimilar column types {} and {} at record column {}",
                        x.display_name(),
                        y.display_name(),
                        i + 1
                    ),
                ));
            }
            fields.push(b);
        }
        let types = def.attrs.iter().map(|a| a.ty).collect();
        Ok(Expr::Function(
            row_fn(types, SqlType::Composite(def)),
            fields,
        ))
    }

    fn compare_exprs(&mut self, op: BinaryOp, l: Expr, r: Expr) -> Result<Expr> {
        let sig = crate::types::resolve_binary_op(op, &l.ty(), &r.ty())?;
        let l = self.coerce(l, sig.left, CastKind::Implicit)?;
        let r = self.coerce(r, sig.right, CastKind::Implicit)?;
        Ok(Expr::Binary(sig, Box::new(l), Box::new(r)))
    }

    /// Field-by-field comparison of two constructors (PostgreSQL's
    /// `RowCompareExpr`): `=` is every pair equal, `<>` any pair unequal,
    /// an ordering compares the first pair that is not equal.
    fn fieldwise(&mut self, op: BinaryOp, pairs: Vec<(Expr, Expr)>) -> Result<Expr> {
        if pairs.is_empty() {
            return Err(EngineError::unsupported("comparing empty rows"));
        }
        let cmp = |this: &mut Self, op: BinaryOp, l: &Expr, r: &Expr| {
            this.compare_exprs(op, l.clone(), r.clone())
        };
        match op {
            BinaryOp::Eq | BinaryOp::NotEq => {
                let mut acc: Option<Expr> = None;
                for (l, r) in &pairs {
                    let c = cmp(self, op, l, r)?;
                    acc = Some(match acc {
                        None => c,
                        Some(a) if op == BinaryOp::Eq => Expr::And(Box::new(a), Box::new(c)),
                        Some(a) => Expr::Or(Box::new(a), Box::new(c)),
                    });
                }
                Ok(acc.expect("pairs is not empty"))
            }
            BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq => {
                let strict = match op {
                    BinaryOp::LtEq => BinaryOp::Lt,
                    BinaryOp::GtEq => BinaryOp::Gt,
                    o => o,
                };
                // From the last pair back: last = l op r; earlier =
                // l strict r OR (l = r AND rest).
                let n = pairs.len();
                let (l, r) = &pairs[n - 1];
                let mut acc = cmp(self, op, l, r)?;
                for (l, r) in pairs[..n - 1].iter().rev() {
                    let s = cmp(self, strict, l, r)?;
                    let e = cmp(self, BinaryOp::Eq, l, r)?;
                    acc = Expr::Or(Box::new(s), Box::new(Expr::And(Box::new(e), Box::new(acc))));
                }
                Ok(acc)
            }
            other => Err(EngineError::new(
                SqlState::UndefinedFunction,
                format!(
                    "operator {} is not supported for row expressions",
                    other.symbol()
                ),
            )),
        }
    }
}

/// An anonymous `record` built from bound fields.
pub(crate) fn record_of(fields: Vec<Expr>) -> Expr {
    let types = fields.iter().map(Expr::ty).collect();
    Expr::Function(row_fn(types, SqlType::Record), fields)
}

/// A row of composite type `def` built from bound fields already of its
/// attribute types.
pub(crate) fn composite_of(def: &'static CompositeDef, fields: Vec<Expr>) -> Expr {
    let types = def.attrs.iter().map(|a| a.ty).collect();
    Expr::Function(row_fn(types, SqlType::Composite(def)), fields)
}
