//! A rewrite before planning, on the parsed query: a grouped select whose
//! list calls set-returning functions runs them after grouping, as
//! PostgreSQL's ProjectSet above its Agg. The select is rewritten as an
//! outer select over the grouped one,
//! `SELECT <items> FROM (SELECT <every subexpression without a
//! set-returning call> ... GROUP BY ...)`, with the calls left in the
//! outer list over the inner columns ([`grouped_srf_rewrite`]). The same
//! walk finds the set-returning calls of any select list ([`take_srfs`]),
//! for [`super::select`] to plan them as a lateral function node.

use sqlparser::ast::{self as ast, Expr as AstExpr};

use super::aggregate::{agg_func, has_aggregate};
use super::{function_name, output_name};
use crate::error::{EngineError, Result, SqlState};
use crate::sql::depth;
use crate::sql::identifiers::ident_name;

/// Whether [`take_srfs`] finds a call in `e`.
pub(super) fn has_srf(e: &AstExpr) -> bool {
    depth::guard(|| {
        match e {
        AstExpr::Function(f) => match &f.args {
            ast::FunctionArguments::List(_) if is_srf_name(&function_name(f)) => true,
            // An ordinary function over a set-returning call runs once
            // per row of it; an aggregate over one is refused later.
            ast::FunctionArguments::List(list) if !is_aggregate_call(f) => {
                list.args.iter().any(|a| {
                    matches!(a, ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) if has_srf(x))
                })
            }
            _ => false,
        },
        AstExpr::BinaryOp { left, right, .. } => has_srf(left) || has_srf(right),
        AstExpr::UnaryOp { expr, .. } | AstExpr::Nested(expr) | AstExpr::Cast { expr, .. } => {
            has_srf(expr)
        }
        // `(unnest(c)).a`: a field of each row of the call.
        AstExpr::CompoundFieldAccess { root, .. } => srf_field(e).is_some() || has_srf(root),
        _ => false,
    }
    })
}

/// Whether `f` calls an aggregate (not as a window function).
pub(super) fn is_aggregate_call(f: &ast::Function) -> bool {
    (agg_func(&function_name(f)).is_some() && f.over.is_none())
        || crate::plan::ordered_set::is_ordered_set_call(f)
        || crate::plan::grouping_sets::is_grouping_call(f)
}

/// `(f(...)).field` of a set-returning function with several output
/// columns (`jsonb_each`, ...): the call and the field, when `field` is
/// one of its columns.
fn srf_field(e: &AstExpr) -> Option<(&ast::Function, String)> {
    let AstExpr::CompoundFieldAccess { root, access_chain } = e else {
        return None;
    };
    let [ast::AccessExpr::Dot(AstExpr::Identifier(field))] = access_chain.as_slice() else {
        return None;
    };
    let mut root = &**root;
    while let AstExpr::Nested(inner) = root {
        root = inner;
    }
    let AstExpr::Function(f) = root else {
        return None;
    };
    let fname = function_name(f);
    if crate::types::json_record::populate_by_name(&fname).is_some_and(|(_, set, _)| set) {
        // The fields are the base's type's, known once it is bound.
        return Some((f, ident_name(field)));
    }
    let func = crate::types::json_srf::JsonSrf::by_name(&fname)?;
    let field = ident_name(field);
    let columns = func.columns();
    (columns.len() > 1 && columns.iter().any(|(c, _)| *c == field)).then_some((f, field))
}

/// A grouped select whose list calls set-returning functions runs them
/// after grouping, as PostgreSQL's ProjectSet above the Agg: rewritten as
/// an outer select over the grouped one, `SELECT <items> FROM (SELECT
/// <every subexpression without a set-returning call> ... GROUP BY ...)`,
/// the calls left in the outer list over the inner columns. `None` when
/// the select is not such a query.
pub(super) fn grouped_srf_rewrite(select: &ast::Select) -> Result<Option<ast::Select>> {
    let items: Vec<&AstExpr> = select
        .projection
        .iter()
        .filter_map(|item| match item {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                Some(e)
            }
            _ => None,
        })
        .collect();
    if !items.iter().any(|e| has_srf(e)) {
        return Ok(None);
    }
    let group_by = match &select.group_by {
        ast::GroupByExpr::Expressions(e, _) => e.as_slice(),
        ast::GroupByExpr::All(_) => &[],
    };
    let grouped =
        !group_by.is_empty() || select.having.is_some() || items.iter().any(|e| has_aggregate(e));
    if !grouped {
        return Ok(None);
    }
    let mut inner = select.clone();
    let mut hoisted = Vec::new();
    let mut outer_items = Vec::with_capacity(select.projection.len());
    for item in &select.projection {
        let (e, alias) = match item {
            ast::SelectItem::UnnamedExpr(e) => (e, ast::Ident::with_quote('"', output_name(e))),
            ast::SelectItem::ExprWithAlias { expr, alias } => (expr, alias.clone()),
            _ => return Err(EngineError::unsupported("SELECT * with GROUP BY")),
        };
        outer_items.push(ast::SelectItem::ExprWithAlias {
            expr: hoist(e, &mut hoisted)?,
            alias,
        });
    }
    // GROUP BY n names an item of the original list.
    if let ast::GroupByExpr::Expressions(exprs, _) = &mut inner.group_by {
        for g in exprs.iter_mut() {
            let AstExpr::Value(v) = g else { continue };
            let ast::Value::Number(n, _) = &v.value else {
                continue;
            };
            let pos: usize = n.parse().unwrap_or(0);
            match items.get(pos.wrapping_sub(1)) {
                Some(e) if !has_srf(e) => *g = (*e).clone(),
                Some(_) => {
                    return Err(EngineError::new(
                        SqlState::FeatureNotSupported,
                        "set-returning functions are not allowed in GROUP BY",
                    ))
                }
                None => {
                    return Err(EngineError::new(
                        SqlState::InvalidColumnReference,
                        format!("GROUP BY position {n} is not in select list"),
                    ))
                }
            }
        }
    }
    inner.distinct = None;
    inner.projection = hoisted
        .into_iter()
        .enumerate()
        .map(|(i, expr)| ast::SelectItem::ExprWithAlias {
            expr,
            alias: ast::Ident::with_quote('"', hoisted_column(i)),
        })
        .collect();
    let query = ast::Query {
        with: None,
        body: Box::new(ast::SetExpr::Select(Box::new(inner))),
        order_by: None,
        limit_clause: None,
        fetch: None,
        locks: Vec::new(),
        for_clause: None,
        settings: None,
        format_clause: None,
        pipe_operators: Vec::new(),
    };
    let mut outer = select.clone();
    outer.projection = outer_items;
    outer.selection = None;
    outer.having = None;
    outer.group_by = ast::GroupByExpr::Expressions(Vec::new(), Vec::new());
    outer.from = vec![ast::TableWithJoins {
        relation: ast::TableFactor::Derived {
            lateral: false,
            subquery: Box::new(query),
            alias: Some(ast::TableAlias {
                explicit: true,
                name: ast::Ident::with_quote('"', "\u{1}grouped"),
                columns: Vec::new(),
                at: None,
            }),
            sample: None,
        },
        joins: Vec::new(),
    }];
    Ok(Some(outer))
}

/// The inner column name of the `n`th hoisted subexpression.
fn hoisted_column(n: usize) -> String {
    format!("\u{1}h{n}")
}

/// `e` with every subexpression that calls no set-returning function
/// moved into `out` (replaced by a reference to its inner column).
fn hoist(e: &AstExpr, out: &mut Vec<AstExpr>) -> Result<AstExpr> {
    depth::guard(|| {
        if !has_srf(e) {
            out.push(e.clone());
            return Ok(AstExpr::Identifier(ast::Ident::with_quote(
                '"',
                hoisted_column(out.len() - 1),
            )));
        }
        Ok(match e {
            AstExpr::Function(f) => {
                let is_srf = is_srf_name(&function_name(f));
                let mut f = f.clone();
                if let ast::FunctionArguments::List(list) = &mut f.args {
                    for a in list.args.iter_mut() {
                        if let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) = a {
                            if is_srf && has_srf(x) {
                                return Err(EngineError::unsupported(
                                    "set-returning function calls nested in the arguments of \
                                     another in a grouped query",
                                ));
                            }
                            *x = hoist(x, out)?;
                        }
                    }
                }
                AstExpr::Function(f)
            }
            AstExpr::BinaryOp { left, op, right } => AstExpr::BinaryOp {
                left: Box::new(hoist(left, out)?),
                op: op.clone(),
                right: Box::new(hoist(right, out)?),
            },
            AstExpr::UnaryOp { op, expr } => AstExpr::UnaryOp {
                op: *op,
                expr: Box::new(hoist(expr, out)?),
            },
            AstExpr::Nested(expr) => AstExpr::Nested(Box::new(hoist(expr, out)?)),
            AstExpr::CompoundFieldAccess { root, access_chain } => AstExpr::CompoundFieldAccess {
                root: Box::new(hoist(root, out)?),
                access_chain: access_chain.clone(),
            },
            AstExpr::Cast {
                kind,
                expr,
                data_type,
                format,
            } => AstExpr::Cast {
                kind: kind.clone(),
                expr: Box::new(hoist(expr, out)?),
                data_type: data_type.clone(),
                format: format.clone(),
            },
            other => other.clone(),
        })
    })
}

/// The set-returning functions a select list may call.
fn is_srf_name(name: &str) -> bool {
    matches!(
        name,
        "generate_series" | "generate_subscripts" | "pg_partition_ancestors" | "unnest"
    ) || crate::types::json_srf::JsonSrf::by_name(name).is_some()
        || crate::types::json_record::populate_by_name(name).is_some_and(|(_, set, _)| set)
}

/// A set-returning call taken out of a select list: the function's name
/// and its arguments.
pub(super) type SrfCall = (&'static str, Vec<ast::FunctionArg>);

/// The column name that stands for the `n`th set-returning call of a
/// select list (a name no user can write).
pub(super) fn srf_column(n: usize) -> String {
    format!("\u{1}srf{n}")
}

/// Replaces every set-returning call (`generate_series(...)`,
/// `unnest(...)`, ...) inside `e` by a reference to its column and appends
/// the calls to `out` (simple expression forms only).
pub(super) fn take_srfs(e: &mut AstExpr, out: &mut Vec<SrfCall>) {
    depth::guard(|| take_srfs_level(e, out))
}

fn take_srfs_level(e: &mut AstExpr, out: &mut Vec<SrfCall>) {
    match e {
        AstExpr::Function(f) if is_srf_name(&function_name(f)) => {
            let fname = function_name(f);
            let populate = crate::types::json_record::populate_by_name(&fname);
            let name = match crate::types::json_srf::JsonSrf::by_name(&fname) {
                Some(j) => j.name(),
                None if populate.is_some() => populate.map_or("", |p| p.0),
                None => match fname.as_str() {
                    "generate_series" => "generate_series",
                    "unnest" => "unnest",
                    "generate_subscripts" => "generate_subscripts",
                    _ => "pg_partition_ancestors",
                },
            };
            let ast::FunctionArguments::List(list) = &f.args else {
                return;
            };
            let args = list.args.clone();
            *e = AstExpr::Identifier(ast::Ident::with_quote('"', srf_column(out.len())));
            out.push((name, args));
        }
        AstExpr::Function(f) if !is_aggregate_call(f) => {
            if let ast::FunctionArguments::List(list) = &mut f.args {
                for a in list.args.iter_mut() {
                    if let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) = a {
                        take_srfs(x, out);
                    }
                }
            }
        }
        AstExpr::CompoundFieldAccess { .. } => {
            let Some((f, field)) = srf_field(e) else {
                if let AstExpr::CompoundFieldAccess { root, .. } = e {
                    take_srfs(root, out);
                }
                return;
            };
            let ast::FunctionArguments::List(list) = &f.args else {
                return;
            };
            let fname = function_name(f);
            let name = match crate::types::json_srf::JsonSrf::by_name(&fname) {
                Some(func) => func.name(),
                None => match crate::types::json_record::populate_by_name(&fname) {
                    Some((name, ..)) => name,
                    None => return,
                },
            };
            let args = list.args.clone();
            let column = format!("{}.{field}", srf_column(out.len()));
            *e = AstExpr::Identifier(ast::Ident::with_quote('"', column));
            out.push((name, args));
        }
        AstExpr::BinaryOp { left, right, .. } => {
            take_srfs(left, out);
            take_srfs(right, out);
        }
        AstExpr::UnaryOp { expr, .. } | AstExpr::Nested(expr) | AstExpr::Cast { expr, .. } => {
            take_srfs(expr, out)
        }
        _ => {}
    }
}
