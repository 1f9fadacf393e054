//! `json[b]_populate_record[set](base, doc [, use_json_as_text])`: rows of
//! `base`'s composite type filled from a JSON object (or each object of
//! an array), a key the object lacks taking `base`'s field.
//!
//! In FROM the call is a [`Node::JsonRecords`] whose columns are the
//! type's attributes (a `NULL::record` base instead takes a column
//! definition list, as PostgreSQL). In an expression
//! `json[b]_populate_record` is a scalar function returning the composite
//! value; `json[b]_populate_recordset` in a select list runs as the other
//! set-returning functions there do, its row as the composite value. The
//! conversion itself is [`crate::types::json_record`]'s. The third
//! argument is accepted (as `boolean`) and ignored, as PostgreSQL does.

use sqlparser::ast;

use super::bind::{Binder, Scope, ScopeColumn};
use super::expr::Expr;
use super::node::Node;
use crate::error::{EngineError, Result, SqlState};
use crate::sql::identifiers::ident_name;
use crate::types::composite::{self, CompositeDef};
use crate::types::functions::undefined_function;
use crate::types::{json_record, CastKind, ScalarFunction, SqlType, Value, Volatility};

/// The `base` argument's row type: 42804 for an untyped or non-row
/// argument, `None` for `record`.
fn base_type(func: &str, base: &Expr) -> Result<Option<&'static CompositeDef>> {
    match base.ty() {
        SqlType::Composite(def) => Ok(Some(def)),
        SqlType::Record => Ok(None),
        SqlType::Unknown => Err(EngineError::new(
            SqlState::DatatypeMismatch,
            "could not determine polymorphic type because input has type unknown",
        )),
        _ => Err(EngineError::new(
            SqlState::DatatypeMismatch,
            format!("first argument of {func} must be a row type"),
        )),
    }
}

fn no_row_type(func: &str) -> EngineError {
    EngineError::new(
        SqlState::FeatureNotSupported,
        format!("could not determine row type for result of {func}"),
    )
    .with_hint(
        "Provide a non-null record argument, or call the function in the FROM clause using a column definition list.",
    )
}

fn not_typed(_: &dyn crate::types::FunctionEnv, _: &[Value]) -> Result<Value> {
    Err(EngineError::internal("typed function called untyped"))
}

/// The scalar `json[b]_populate_record(base, doc [, bool])` over `def`.
fn populate_fn(
    name: &'static str,
    def: &'static CompositeDef,
    arg_types: Vec<SqlType>,
) -> ScalarFunction {
    ScalarFunction {
        name,
        arg_types,
        return_type: SqlType::Composite(def),
        strict: false,
        volatility: Volatility::Stable,
        catalog: false,
        eval: not_typed,
        typed: Some(|a, t| {
            let SqlType::Composite(def) = &t[0] else {
                return Err(EngineError::internal("populate base is not a row"));
            };
            let Some(doc) = a[1].as_str() else {
                return Ok(a[0].clone());
            };
            let base = json_record::base_fields(&t[0], &a[0])?;
            let columns: Vec<(String, SqlType)> =
                def.attrs.iter().map(|a| (a.name.clone(), a.ty)).collect();
            let rows = json_record::populate_rows(
                "json_populate_record",
                base.as_deref(),
                Some(doc),
                &columns,
            )?;
            let row = rows.into_iter().next().unwrap_or_default();
            Ok(Value::Text(composite::row_text(&row)))
        }),
    }
}

impl Binder<'_> {
    /// Binds the arguments of a populate call: `base`, the document
    /// (coerced to `json`/`jsonb`) and the optional ignored `boolean`.
    fn populate_args(
        &mut self,
        func: &'static str,
        is_json: bool,
        args: Vec<Expr>,
    ) -> Result<(Expr, Expr, Option<Expr>)> {
        if !(2..=3).contains(&args.len()) {
            let types: Vec<SqlType> = args.iter().map(Expr::ty).collect();
            return Err(undefined_function(func, &types));
        }
        let mut it = args.into_iter();
        let base = it.next().expect("two arguments");
        let want = if is_json {
            SqlType::Json
        } else {
            SqlType::Jsonb
        };
        let doc = self.coerce(it.next().expect("two arguments"), want, CastKind::Implicit)?;
        let flag = match it.next() {
            Some(e) => Some(self.coerce(e, SqlType::Bool, CastKind::Implicit)?),
            None => None,
        };
        Ok((base, doc, flag))
    }

    /// `json[b]_populate_record[set](...)` called in an expression: the
    /// composite value for `..._record`; 0A000 for `..._recordset`
    /// outside a select list.
    pub(crate) fn bind_json_populate(&mut self, name: &str, args: Vec<Expr>) -> Result<Expr> {
        let Some((func, set, is_json)) = json_record::populate_by_name(name) else {
            return Err(EngineError::internal("not a populate function"));
        };
        if set {
            return Err(EngineError::unsupported(format!(
                "{func} outside a select list or FROM"
            )));
        }
        let (base, doc, flag) = self.populate_args(func, is_json, args)?;
        let Some(def) = base_type(func, &base)? else {
            return Err(no_row_type(func));
        };
        let mut arg_types = vec![SqlType::Composite(def), doc.ty()];
        let mut bound = vec![base, doc];
        if let Some(f) = flag {
            arg_types.push(SqlType::Bool);
            bound.push(f);
        }
        Ok(Expr::Function(populate_fn(func, def, arg_types), bound))
    }

    /// `json[b]_populate_record[set](base, doc [, bool])` in FROM: the
    /// columns of `base`'s type, or of the column definition list for a
    /// `record` base.
    pub(crate) fn plan_json_populate(
        &mut self,
        (func, _, is_json): (&'static str, bool, bool),
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
    ) -> Result<(Node, Scope)> {
        let mut bound = Vec::with_capacity(args.len());
        for a in args {
            let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = a else {
                return Err(EngineError::unsupported(format!(
                    "{func} with named arguments"
                )));
            };
            bound.push(self.bind(e, &Scope::default())?);
        }
        let (base, arg, _) = self.populate_args(func, is_json, bound)?;
        let def = base_type(func, &base)?;
        let defs = alias
            .map(|a| a.columns.as_slice())
            .filter(|c| !c.is_empty() && c.iter().all(|c| c.data_type.is_some()));
        let qualifier = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| func.to_string());
        let mut scope = Scope::default();
        let base =
            match (def, defs) {
                (Some(_), Some(_)) => return Err(EngineError::new(
                    SqlState::SyntaxError,
                    "a column definition list is only allowed for functions returning \"record\"",
                )),
                (Some(def), None) => {
                    for a in &def.attrs {
                        scope.columns.push(ScopeColumn {
                            table: Some(qualifier.clone()),
                            name: a.name.clone(),
                            ty: a.ty,
                            hidden: false,
                        });
                    }
                    if let Some(a) = alias {
                        super::query::rename_columns(&mut scope, a)?;
                    }
                    Some(base)
                }
                (None, None) => {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        "a column definition list is required for functions returning \"record\"",
                    ))
                }
                (None, Some(defs)) => {
                    if !matches!(base, Expr::Literal(Value::Null, _)) {
                        return Err(EngineError::unsupported(format!(
                            "{func} of a non-null record with a column definition list"
                        )));
                    }
                    for d in defs {
                        let ty = d.data_type.as_ref().expect("checked above");
                        let (ty, domain) = self.resolve_type_or_domain(ty)?;
                        if domain.is_some() {
                            return Err(EngineError::unsupported(format!(
                                "domain columns in the column definition list of {func}"
                            )));
                        }
                        scope.columns.push(ScopeColumn {
                            table: Some(qualifier.clone()),
                            name: ident_name(&d.name),
                            ty,
                            hidden: false,
                        });
                    }
                    None
                }
            };
        let columns = scope.output_columns();
        Ok((
            Node::JsonRecords {
                func,
                arg,
                base,
                columns,
            },
            scope,
        ))
    }

    /// `json[b]_populate_recordset(...)` in a select list, as the
    /// set-returning call standing for column `column`: its fields as
    /// `column.attr` (for `(f(...)).attr`) and the row, of the base's
    /// composite type, as `column`.
    pub(crate) fn plan_select_list_populate(
        &mut self,
        func: (&'static str, bool, bool),
        args: &[ast::FunctionArg],
        column: &str,
    ) -> Result<(Node, Scope)> {
        let (node, sub) = self.plan_json_populate(func, args, None)?;
        let Node::JsonRecords {
            base: Some(base), ..
        } = &node
        else {
            return Err(no_row_type(func.0));
        };
        let SqlType::Composite(def) = base.ty() else {
            return Err(no_row_type(func.0));
        };
        let mut exprs: Vec<Expr> = sub
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| Expr::Column(i, c.ty))
            .collect();
        exprs.push(super::row_expr::composite_of(def, exprs.clone()));
        let mut scope = Scope::default();
        for c in sub.columns {
            scope.columns.push(ScopeColumn {
                table: Some(column.to_string()),
                name: format!("{column}.{}", c.name),
                ty: c.ty,
                hidden: false,
            });
        }
        scope.columns.push(ScopeColumn {
            table: Some(column.to_string()),
            name: column.to_string(),
            ty: SqlType::Composite(def),
            hidden: false,
        });
        let columns = scope.output_columns();
        Ok((
            Node::Project {
                input: Box::new(node),
                exprs,
                columns,
            },
            scope,
        ))
    }
}
