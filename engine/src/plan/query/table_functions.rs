//! Set-returning functions in FROM, and in a select list once
//! [`super::select`] has taken them out: `generate_series`,
//! `generate_subscripts`, `unnest` (with ORDINALITY, several arrays in
//! lockstep), the JSON functions that return sets or records
//! (`json_each`, `json_to_recordset(...) AS x(col type, ...)`, ...),
//! `pg_partition_ancestors`. Each is a function node whose output columns
//! are named as PostgreSQL names them (after the alias for a function
//! returning a scalar).
//!
//! A function in FROM is implicitly LATERAL: it reads the rows of the
//! items to its left. Conjuncts of WHERE that read only those items (and
//! nothing volatile or correlated) are pushed below the function
//! ([`push_below_function`]), so it never runs for rows the WHERE rejects.

use sqlparser::ast;

use super::rename_columns;
use super::srf_rewrite::{srf_column, SrfCall};
use crate::error::{EngineError, Result, SqlState};
use crate::plan::bind::{Binder, Scope, ScopeColumn};
use crate::plan::expr::Expr;
use crate::plan::node::{JoinKind, Node, OutputColumn};
use crate::sql::identifiers::ident_name;
use crate::types::{CastKind, RegKind, SqlType, Value};

impl Binder<'_> {
    /// `unnest(array, ...) [WITH ORDINALITY]` in FROM (or from a select
    /// list). One array's column is named after the alias, as for any
    /// function returning a scalar; several arrays' columns are `unnest`.
    pub(super) fn plan_unnest(
        &mut self,
        exprs: &[&ast::Expr],
        alias: Option<&ast::TableAlias>,
        with_ordinality: bool,
    ) -> Result<(Node, Scope)> {
        let mut args = Vec::with_capacity(exprs.len());
        for e in exprs {
            let arg = self.bind(e, &Scope::default())?;
            args.push(if arg.ty() == SqlType::Unknown {
                if exprs.len() == 1 {
                    self.coerce(arg, SqlType::Array(&SqlType::Text), CastKind::Implicit)?
                } else {
                    return Err(EngineError::new(
                        SqlState::DatatypeMismatch,
                        "could not determine polymorphic type because input has type unknown",
                    ));
                }
            } else {
                self.devector(arg)?
            });
        }
        let mut elems = Vec::with_capacity(args.len());
        for arg in &args {
            elems.push(arg.ty().element().ok_or_else(|| {
                let types: Vec<SqlType> = args.iter().map(Expr::ty).collect();
                crate::types::functions::undefined_function("unnest", &types)
            })?);
        }
        let qualifier = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| "unnest".to_string());
        let column_name = if args.len() == 1 {
            qualifier.clone()
        } else {
            "unnest".to_string()
        };
        // One array of rows in FROM (not a select list's call, whose
        // alias is a reserved name): a column per field.
        if let ([SqlType::Composite(def)], false) =
            (elems.as_slice(), qualifier.starts_with('\u{1}'))
        {
            let def = *def;
            let arg = args.pop().expect("one argument");
            return self.plan_unnest_rows(arg, def, &qualifier, alias, with_ordinality);
        }
        let mut scope = Scope {
            columns: elems
                .iter()
                .map(|ty| ScopeColumn {
                    table: Some(qualifier.clone()),
                    name: column_name.clone(),
                    ty: *ty,
                    hidden: false,
                })
                .collect(),
        };
        if with_ordinality {
            scope.columns.push(ScopeColumn {
                table: Some(qualifier.clone()),
                name: "ordinality".to_string(),
                ty: SqlType::Int8,
                hidden: false,
            });
        }
        if let Some(a) = alias {
            rename_columns(&mut scope, a)?;
        }
        let columns = scope.output_columns();
        Ok((
            Node::Unnest {
                args,
                columns,
                ordinality: with_ordinality,
            },
            scope,
        ))
    }

    /// A set-returning JSON function in FROM (or taken from a select
    /// list).
    fn plan_json_srf(
        &mut self,
        func: crate::types::json_srf::JsonSrf,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
    ) -> Result<(Node, Scope)> {
        let mut exprs = Vec::with_capacity(args.len());
        for a in args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => exprs.push(e),
                _ => {
                    return Err(EngineError::unsupported(format!(
                        "named arguments to {}",
                        func.name()
                    )))
                }
            }
        }
        let arity_ok = if func.takes_path() {
            (2..=4).contains(&exprs.len())
        } else {
            exprs.len() == 1
        };
        if !arity_ok {
            return Err(EngineError::new(
                SqlState::UndefinedFunction,
                format!(
                    "function {} with these arguments does not exist",
                    func.name()
                ),
            ));
        }
        let e = exprs[0];
        // jsonb_path_query's path, vars and silent arguments.
        let mut path = Vec::with_capacity(exprs.len() - 1);
        for (p, ty) in exprs[1..]
            .iter()
            .zip([SqlType::JsonPath, SqlType::Jsonb, SqlType::Bool])
        {
            let p = self.bind(p, &Scope::default())?;
            path.push(self.coerce(p, ty, CastKind::Implicit)?);
        }
        let arg = self.bind(e, &Scope::default())?;
        let want = func.arg_type();
        if !crate::types::can_cast(&arg.ty(), &want, CastKind::Implicit) {
            return Err(EngineError::new(
                SqlState::UndefinedFunction,
                format!(
                    "function {}({}) does not exist",
                    func.name(),
                    arg.ty().display_name()
                ),
            )
            .with_hint("No function matches the given name and argument types. You might need to add explicit type casts."));
        }
        let arg = self.coerce(arg, want, CastKind::Implicit)?;
        let qualifier = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| func.name().to_string());
        let mut scope = Scope {
            columns: func
                .columns()
                .into_iter()
                .map(|(name, ty)| ScopeColumn {
                    table: Some(qualifier.clone()),
                    name: if name.is_empty() {
                        qualifier.clone()
                    } else {
                        name.to_string()
                    },
                    ty,
                    hidden: false,
                })
                .collect(),
        };
        if let Some(a) = alias {
            rename_columns(&mut scope, a)?;
        }
        let columns = scope.output_columns();
        Ok((
            Node::JsonRows {
                func,
                arg,
                path,
                columns,
            },
            scope,
        ))
    }

    /// `json[b]_to_record[set](doc) AS x(col type, ...)`: the column
    /// definition list types the rows; 42601 without one, as PostgreSQL.
    fn plan_json_records(
        &mut self,
        fname: &str,
        is_json: bool,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
    ) -> Result<(Node, Scope)> {
        let func = match fname {
            "jsonb_to_record" => "jsonb_to_record",
            "jsonb_to_recordset" => "jsonb_to_recordset",
            "json_to_record" => "json_to_record",
            _ => "json_to_recordset",
        };
        let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e))] = args else {
            return Err(EngineError::new(
                SqlState::UndefinedFunction,
                format!("function {func} with these arguments does not exist"),
            ));
        };
        let want = if is_json {
            SqlType::Json
        } else {
            SqlType::Jsonb
        };
        let arg = self.bind(e, &Scope::default())?;
        let arg = self.coerce(arg, want, CastKind::Implicit)?;
        let defs = alias
            .map(|a| a.columns.as_slice())
            .filter(|c| !c.is_empty() && c.iter().all(|c| c.data_type.is_some()))
            .ok_or_else(|| {
                EngineError::new(
                    SqlState::SyntaxError,
                    "a column definition list is required for functions returning \"record\"",
                )
            })?;
        let qualifier = alias.map(|a| ident_name(&a.name)).unwrap_or_default();
        let mut columns = Vec::with_capacity(defs.len());
        let mut scope = Scope::default();
        for d in defs {
            let ty = d.data_type.as_ref().expect("checked above");
            let (ty, domain) = self.resolve_type_or_domain(ty)?;
            if domain.is_some() {
                return Err(EngineError::unsupported(format!(
                    "domain columns in the column definition list of {func}"
                )));
            }
            let name = ident_name(&d.name);
            scope.columns.push(ScopeColumn {
                table: Some(qualifier.clone()),
                name: name.clone(),
                ty,
                hidden: false,
            });
            columns.push(OutputColumn { name, ty });
        }
        Ok((
            Node::JsonRecords {
                func,
                arg,
                base: None,
                columns,
            },
            scope,
        ))
    }

    /// `pg_partition_ancestors(regclass)`: the relation followed by its
    /// ancestors in the partition tree. Rocksgres has no partitioning, and
    /// PostgreSQL returns no rows for a relation that is neither a
    /// partition nor partitioned (psql's queries add the relation itself
    /// with `UNION ALL VALUES`), so the result is empty; the argument is
    /// still bound, for its errors (an unknown relation name).
    fn plan_partition_ancestors(
        &mut self,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
        with_ordinality: bool,
    ) -> Result<(Node, Scope)> {
        let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e))] = args else {
            return Err(EngineError::new(
                SqlState::UndefinedFunction,
                "function pg_partition_ancestors with these arguments does not exist",
            ));
        };
        let ty = SqlType::Reg(RegKind::Class);
        // No row is produced; the argument is bound only to check the call
        // (an unknown relation name is not reported: the cast is never run).
        let arg = self.bind(e, &Scope::default())?;
        self.coerce(arg, ty, CastKind::Implicit)?;
        let qualifier = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| "pg_partition_ancestors".to_string());
        let mut scope = Scope {
            columns: vec![ScopeColumn {
                table: Some(qualifier.clone()),
                name: "relid".to_string(),
                ty,
                hidden: false,
            }],
        };
        if with_ordinality {
            scope.columns.push(ScopeColumn {
                table: Some(qualifier),
                name: "ordinality".to_string(),
                ty: SqlType::Int8,
                hidden: false,
            });
        }
        if let Some(a) = alias {
            rename_columns(&mut scope, a)?;
        }
        let columns = scope.output_columns();
        Ok((
            Node::Values {
                rows: Vec::new(),
                columns,
            },
            scope,
        ))
    }

    /// Plans the set-returning calls taken out of a select list: one
    /// function node, or for several a [`Node::RowsFrom`] that runs them in
    /// lockstep (as many rows as the longest, the others padded with
    /// `NULL`s, as PostgreSQL 10 and later do).
    pub(super) fn plan_select_list_srfs(&mut self, srfs: &[SrfCall]) -> Result<(Node, Scope)> {
        let mut funcs = Vec::with_capacity(srfs.len());
        let mut scope = Scope::default();
        for (n, (fname, args)) in srfs.iter().enumerate() {
            let column = srf_column(n);
            if let Some(p) = crate::types::json_record::populate_by_name(fname) {
                let (node, sub) = self.plan_select_list_populate(p, args, &column)?;
                scope.columns.extend(sub.columns);
                funcs.push(node);
                continue;
            }
            // A function of several columns (`jsonb_each`) gives each
            // column as `<srf>.name`, for `(f(...)).name`, and the row
            // of them as a record, for the call itself.
            let fields: Vec<&str> = crate::types::json_srf::JsonSrf::by_name(fname)
                .map(|j| j.columns().into_iter().map(|(c, _)| c).collect())
                .filter(|c: &Vec<&str>| c.len() > 1)
                .unwrap_or_default();
            let names: Vec<String> = if fields.is_empty() {
                vec![column.clone()]
            } else {
                fields.iter().map(|f| format!("{column}.{f}")).collect()
            };
            let (mut node, sub) = self.plan_table_function(
                &ast::ObjectName::from(vec![ast::Ident::new(*fname)]),
                args,
                Some(&ast::TableAlias {
                    explicit: true,
                    name: ast::Ident::with_quote('"', column.clone()),
                    columns: names
                        .iter()
                        .map(|c| ast::TableAliasColumnDef {
                            name: ast::Ident::with_quote('"', c.clone()),
                            data_type: None,
                        })
                        .collect(),
                    at: None,
                }),
                false,
            )?;
            let mut sub_columns = sub.columns;
            if !fields.is_empty() {
                let mut exprs: Vec<Expr> = sub_columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| Expr::Column(i, c.ty))
                    .collect();
                exprs.push(crate::plan::row_expr::record_of(exprs.clone()));
                let mut columns = node.columns();
                columns.push(OutputColumn {
                    name: column.clone(),
                    ty: SqlType::Record,
                });
                sub_columns.push(ScopeColumn {
                    table: Some(column.clone()),
                    name: column,
                    ty: SqlType::Record,
                    hidden: false,
                });
                node = Node::Project {
                    input: Box::new(node),
                    exprs,
                    columns,
                };
            }
            scope.columns.extend(sub_columns);
            funcs.push(node);
        }
        if funcs.len() == 1 {
            return Ok((funcs.pop().expect("one function"), scope));
        }
        Ok((Node::RowsFrom { funcs }, scope))
    }

    pub(super) fn plan_table_function(
        &mut self,
        name: &ast::ObjectName,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
        with_ordinality: bool,
    ) -> Result<(Node, Scope)> {
        let fname = name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map(ident_name)
            .unwrap_or_default();
        if fname == "unnest" {
            let mut exprs = Vec::with_capacity(args.len());
            for a in args {
                let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = a else {
                    return Err(EngineError::unsupported("unnest with named arguments"));
                };
                exprs.push(e);
            }
            if exprs.is_empty() {
                return Err(crate::types::functions::undefined_function("unnest", &[]));
            }
            return self.plan_unnest(&exprs, alias, with_ordinality);
        }
        if fname == "pg_partition_ancestors" {
            return self.plan_partition_ancestors(args, alias, with_ordinality);
        }
        if let Some(func) = crate::types::json_srf::JsonSrf::by_name(&fname) {
            if with_ordinality {
                return Err(EngineError::unsupported(format!(
                    "{fname}(...) WITH ORDINALITY"
                )));
            }
            return self.plan_json_srf(func, args, alias);
        }
        if with_ordinality {
            return Err(EngineError::unsupported(format!(
                "{fname}(...) WITH ORDINALITY"
            )));
        }
        if fname == "generate_subscripts" {
            return self.plan_generate_subscripts(args, alias);
        }
        if let Some((_, is_json)) = crate::types::json_record::by_name(&fname) {
            return self.plan_json_records(&fname, is_json, args, alias);
        }
        if let Some(func) = crate::types::json_record::populate_by_name(&fname) {
            return self.plan_json_populate(func, args, alias);
        }
        if fname != "generate_series" {
            return Err(EngineError::new(
                SqlState::UndefinedFunction,
                format!("function {fname} does not exist"),
            ));
        }
        let empty = Scope::default();
        let mut bound = Vec::new();
        for a in args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                    bound.push(self.bind(e, &empty)?)
                }
                _ => return Err(EngineError::unsupported("this generate_series call")),
            }
        }
        if !(2..=3).contains(&bound.len()) {
            return Err(EngineError::new(
                SqlState::UndefinedFunction,
                "function generate_series with these arguments does not exist",
            ));
        }
        let first = bound[0].ty();
        let (bound, ty) = if first.is_datetime_family() {
            // Timestamps stepped by an interval.
            if bound.len() != 3 {
                return Err(EngineError::new(
                    SqlState::UndefinedFunction,
                    "function generate_series(timestamp, timestamp) does not exist",
                ));
            }
            let t = if first == SqlType::Timestamptz(None) {
                SqlType::Timestamptz(None)
            } else {
                SqlType::Timestamp(None)
            };
            let mut it = bound.into_iter();
            let (a, b, c) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
            let a = self.coerce(a, t, CastKind::Implicit)?;
            let b = self.coerce(b, t, CastKind::Implicit)?;
            let c = self.coerce(c, SqlType::Interval(None), CastKind::Implicit)?;
            (vec![a, b, c], t)
        } else {
            let bound = self.unify(bound, "generate_series")?;
            let t = match bound[0].ty() {
                SqlType::Int2 | SqlType::Int4 => SqlType::Int4,
                SqlType::Int8 => SqlType::Int8,
                other => {
                    return Err(EngineError::unsupported(format!(
                        "generate_series over {}",
                        other.display_name()
                    )))
                }
            };
            let bound = bound
                .into_iter()
                .map(|e| self.coerce(e, t, CastKind::Implicit))
                .collect::<Result<Vec<_>>>()?;
            (bound, t)
        };
        let qualifier = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| fname.clone());
        let mut scope = Scope {
            columns: vec![ScopeColumn {
                table: Some(qualifier.clone()),
                name: qualifier,
                ty,
                hidden: false,
            }],
        };
        if let Some(a) = alias {
            rename_columns(&mut scope, a)?;
        }
        Ok((
            Node::Series {
                args: bound,
                column: crate::plan::node::OutputColumn {
                    name: scope.columns[0].name.clone(),
                    ty,
                },
            },
            scope,
        ))
    }
}

/// The columns of a sequence's one row, as PostgreSQL's.
pub(super) const SEQUENCE_COLUMNS: [(&str, SqlType); 3] = [
    ("last_value", SqlType::Int8),
    ("log_cnt", SqlType::Int8),
    ("is_called", SqlType::Bool),
];

/// Output columns from a fixed list of names and types.
pub(super) fn static_columns(columns: &[(&str, SqlType)]) -> Vec<OutputColumn> {
    columns
        .iter()
        .map(|(n, ty)| OutputColumn {
            name: n.to_string(),
            ty: *ty,
        })
        .collect()
}

impl Binder<'_> {
    /// `generate_subscripts(array, dim)`: the subscripts of dimension
    /// `dim`, a series from the lower to the upper bound (none for a
    /// `NULL` or empty array or a dimension it does not have).
    fn plan_generate_subscripts(
        &mut self,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
    ) -> Result<(Node, Scope)> {
        let mut bound = Vec::new();
        for a in args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                    let arg = self.bind(e, &Scope::default())?;
                    bound.push(self.devector(arg)?)
                }
                _ => return Err(EngineError::unsupported("this generate_subscripts call")),
            }
        }
        if bound.len() == 3 {
            return Err(EngineError::unsupported(
                "generate_subscripts(..., reverse)",
            ));
        }
        let types: Vec<SqlType> = bound.iter().map(Expr::ty).collect();
        let (2, Some(_)) = (bound.len(), types[0].element()) else {
            return Err(crate::types::functions::undefined_function(
                "generate_subscripts",
                &types,
            ));
        };
        let lower = self.call_function("array_lower", bound.clone())?;
        let upper = self.call_function("array_upper", bound)?;
        let one = Expr::Literal(Value::Int4(1), SqlType::Int4);
        let ty = SqlType::Int4;
        let qualifier = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| "generate_subscripts".to_string());
        let mut scope = Scope {
            columns: vec![ScopeColumn {
                table: Some(qualifier.clone()),
                name: qualifier,
                ty,
                hidden: false,
            }],
        };
        if let Some(a) = alias {
            rename_columns(&mut scope, a)?;
        }
        Ok((
            Node::Series {
                args: vec![lower, upper, one],
                column: OutputColumn {
                    name: scope.columns[0].name.clone(),
                    ty,
                },
            },
            scope,
        ))
    }
}

/// Splits `pred` over a lateral join of a function in FROM: the
/// conjuncts that read only the join's left columns (and nothing
/// volatile or correlated) become a filter on the left input; the rest
/// is returned for the join's output (`None` when nothing is left).
pub(super) fn push_below_function(node: Node, pred: Expr) -> (Node, Option<Expr>) {
    let Node::Join {
        left,
        right,
        kind: JoinKind::Inner,
        on: None,
        lateral: true,
        hash: None,
    } = node
    else {
        return (node, Some(pred));
    };
    if !matches!(
        *right,
        Node::JsonRows { .. }
            | Node::JsonRecords { .. }
            | Node::Unnest { .. }
            | Node::Series { .. }
            | Node::RowsFrom { .. }
    ) {
        let node = Node::Join {
            left,
            right,
            kind: JoinKind::Inner,
            on: None,
            lateral: true,
            hash: None,
        };
        return (node, Some(pred));
    }
    let width = left.width();
    let mut parts = Vec::new();
    crate::plan::expr::conjuncts(&pred, &mut parts);
    let (below, above): (Vec<Expr>, Vec<Expr>) =
        parts.into_iter().partition(|e| reads_only_below(e, width));
    let and_all = |v: Vec<Expr>| {
        v.into_iter()
            .reduce(|a, b| Expr::And(Box::new(a), Box::new(b)))
    };
    let left = match and_all(below) {
        Some(p) => Box::new(Node::Filter {
            input: left,
            predicate: p,
        }),
        None => left,
    };
    (
        Node::Join {
            left,
            right,
            kind: JoinKind::Inner,
            on: None,
            lateral: true,
            hash: None,
        },
        and_all(above),
    )
}

/// Whether `e` reads only columns below `width` of the current row and
/// nothing volatile or from a subquery.
fn reads_only_below(e: &Expr, width: usize) -> bool {
    e.is_movable() && e.column_span().is_none_or(|(_, hi)| hi < width)
}

/// Whether `f` is a function call in FROM (which may refer to the FROM
/// items to its left).
pub(super) fn is_function_factor(f: &ast::TableFactor) -> bool {
    matches!(
        f,
        ast::TableFactor::UNNEST { .. }
            | ast::TableFactor::Table { args: Some(_), .. }
            | ast::TableFactor::Function { .. }
    )
}
