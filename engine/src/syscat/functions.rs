//! The functions clients call over the catalogs: `format_type`,
//! `pg_get_indexdef`, `pg_get_constraintdef`, `pg_get_expr`,
//! `pg_get_userbyid`, `pg_table_is_visible`, the privilege checks, the
//! object-identifier casts (`'t'::regclass`, `oid::regclass`), and the
//! array functions the catalog queries use (`array_to_string`,
//! `array_length`, `current_schemas`, ...; the polymorphic ones are in
//! [`crate::types::array_functions`]).
//!
//! Functions marked `catalog` read the statement's [`Snapshot`] through
//! [`FunctionEnv::syscat`]. Every relation is in `public` or `pg_catalog`,
//! both always on the search path, so every relation is visible and names
//! print unqualified, as PostgreSQL prints them for visible objects.

use sqlparser::ast::{self, Expr as AstExpr, UnaryOperator, Value as AstValue};

use super::sizes::{self, Measure};
use super::{Snapshot, UserRel};
use crate::catalog::description::PG_CLASS;
use crate::catalog::{IndexDesc, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::sql::identifiers::quote_ident;
use crate::types::functions::{Arity, Candidate, Ret, ScalarFn};
use crate::types::{array, FunctionEnv, RegKind, SqlType, Value, Volatility};

const OID: SqlType = SqlType::Oid;
const REGCLASS: SqlType = SqlType::Reg(RegKind::Class);
const T: SqlType = SqlType::Text;
const I4: SqlType = SqlType::Int4;
const I8: SqlType = SqlType::Int8;
const B: SqlType = SqlType::Bool;
const ANY: SqlType = SqlType::Unknown;
const NAME: SqlType = SqlType::Name;

fn cand(
    name: &'static str,
    params: &'static [SqlType],
    ret: SqlType,
    strict: bool,
    catalog: bool,
    eval: ScalarFn,
) -> Candidate {
    Candidate {
        name,
        params,
        arity: Arity::Exact,
        ret: Ret::Fixed(ret),
        strict,
        volatility: if catalog {
            Volatility::Stable
        } else {
            Volatility::Immutable
        },
        catalog,
        eval,
    }
}

fn snapshot(env: &dyn FunctionEnv) -> Result<&Snapshot> {
    env.syscat()
        .ok_or_else(|| EngineError::internal("system catalogs not loaded for a catalog function"))
}

/// The comment `obj_description` and `col_description` return.
fn description_of(snap: &Snapshot, oid: &Value, class: Option<u32>, sub: i32) -> Result<Value> {
    Ok(oid_arg(oid)
        .and_then(|o| snap.description(o, class, sub))
        .map_or(Value::Null, |t| Value::Text(t.to_string())))
}

/// The OID of system catalog `name` (`pg_catalog.name`), `None` for
/// another name (where `obj_description`, a lookup in `pg_class` in
/// PostgreSQL, finds nothing).
fn catalog_oid(name: &str) -> Option<u32> {
    crate::catalog::system::defs::SYSTEM_RELATIONS
        .iter()
        .find(|r| r.name == name && r.schema == "pg_catalog")
        .map(|r| r.oid)
}

/// A relation size function of the relation in `a[0]`.
fn rel_size(e: &dyn FunctionEnv, a: &[Value], what: Measure) -> Result<Value> {
    let snap = snapshot(e)?;
    sizes::relation_size(e, snap, regclass_oid(snap, &a[0]), what)
}

/// The OID a `regclass` value (its canonical name, or a number) stands
/// for; 0 for none.
fn regclass_oid(snap: &Snapshot, v: &Value) -> u32 {
    match v {
        Value::Text(s) => s
            .trim()
            .parse::<u32>()
            .ok()
            .or_else(|| reg_oid(snap, s, RegKind::Class))
            .unwrap_or(0),
        _ => oid_arg(v).unwrap_or(0),
    }
}

fn oid_arg(v: &Value) -> Option<u32> {
    v.as_i64().and_then(|n| u32::try_from(n).ok())
}

fn text_arg(v: &Value) -> &str {
    match v {
        Value::Text(s) => s,
        _ => "",
    }
}

/// The catalog and array functions, for [`crate::types::resolve_function`].
pub(crate) fn candidates() -> Vec<Candidate> {
    let always_true: ScalarFn = |_, _| Ok(Value::Bool(true));
    let null: ScalarFn = |_, _| Ok(Value::Null);
    let mut v = vec![
        cand("pg_get_userbyid", &[OID], NAME, true, true, |e, a| {
            Ok(Value::Text(
                snapshot(e)?.role_name(oid_arg(&a[0]).unwrap_or(0)),
            ))
        }),
        cand("pg_table_is_visible", &[OID], B, true, true, |e, a| {
            let snap = snapshot(e)?;
            let oid = oid_arg(&a[0]).unwrap_or(0);
            Ok(match snap.user_rel(oid) {
                Some(rel) => Value::Bool(snap.rel_is_visible(rel)),
                None if crate::catalog::system::by_oid(oid).is_some() => Value::Bool(true),
                None if snap.composite_rel_visible(oid).is_some() => {
                    Value::Bool(snap.composite_rel_visible(oid).unwrap_or(false))
                }
                None => Value::Null,
            })
        }),
        cand("pg_type_is_visible", &[OID], B, true, false, always_true),
        cand("quote_ident", &[T], T, true, false, |_, a| {
            Ok(Value::Text(quote_ident(text_arg(&a[0]))))
        }),
        cand("pg_get_serial_sequence", &[T, T], T, true, true, |e, a| {
            serial_sequence(snapshot(e)?, text_arg(&a[0]), text_arg(&a[1]))
        }),
        cand(
            "pg_function_is_visible",
            &[OID],
            B,
            true,
            false,
            always_true,
        ),
        cand("format_type", &[OID, I4], T, false, true, |e, a| {
            let Some(oid) = oid_arg(&a[0]) else {
                return Ok(Value::Null);
            };
            let typmod = a[1].as_i64().unwrap_or(-1) as i32;
            if let Some(n) = snapshot(e)?.user_type_name(oid) {
                return Ok(Value::Text(n));
            }
            // A given typmod of -1 on `bit` is not `bit(1)`: PostgreSQL
            // quotes the name to say so.
            if oid == SqlType::Bit(None).oid() && typmod < 0 && !a[1].is_null() {
                return Ok(Value::Text("\"bit\"".to_string()));
            }
            // No typmod given: the name `regtype` shows (`character`).
            if a[1].is_null() {
                if let Some(n) = type_name_of(oid) {
                    return Ok(Value::Text(n));
                }
            }
            Ok(Value::Text(format_type(oid, typmod)))
        }),
        cand("pg_get_indexdef", &[OID], T, true, true, |e, a| {
            index_def_of(snapshot(e)?, &a[0], 0, false)
        }),
        cand("pg_get_indexdef", &[OID, I4, B], T, true, true, |e, a| {
            let pretty = a[2] == Value::Bool(true);
            index_def_of(snapshot(e)?, &a[0], a[1].as_i64().unwrap_or(0), pretty)
        }),
        cand("pg_get_constraintdef", &[OID], T, true, true, |e, a| {
            constraint_def_of(snapshot(e)?, &a[0], false)
        }),
        cand("pg_get_constraintdef", &[OID, B], T, true, true, |e, a| {
            constraint_def_of(snapshot(e)?, &a[0], a[1] == Value::Bool(true))
        }),
        // Expressions are stored in display form already (see
        // `deparse_default`).
        cand("pg_get_expr", &[T, OID], T, true, false, |_, a| {
            Ok(a[0].clone())
        }),
        cand("pg_get_expr", &[T, OID, B], T, true, true, |e, a| {
            pretty_expr(snapshot(e)?, &a[0], &a[1], a[2] == Value::Bool(true))
        }),
        cand("pg_get_viewdef", &[OID], T, true, true, |e, a| {
            view_def_of(snapshot(e)?, &a[0], false)
        }),
        cand("pg_get_viewdef", &[OID, B], T, true, true, |e, a| {
            view_def_of(snapshot(e)?, &a[0], a[1] == Value::Bool(true))
        }),
        cand("pg_get_viewdef", &[OID, I4], T, true, true, |e, a| {
            view_def_of(snapshot(e)?, &a[0], true)
        }),
        cand("pg_get_viewdef", &[T], T, true, true, |e, a| {
            view_def_of(snapshot(e)?, &a[0], false)
        }),
        cand("pg_get_viewdef", &[T, B], T, true, true, |e, a| {
            view_def_of(snapshot(e)?, &a[0], a[1] == Value::Bool(true))
        }),
        // Comments (COMMENT ON); shared objects (roles, databases) have
        // none.
        cand("obj_description", &[OID], T, true, true, |e, a| {
            description_of(snapshot(e)?, &a[0], None, 0)
        }),
        cand("obj_description", &[OID, NAME], T, true, true, |e, a| {
            let Some(class) = catalog_oid(text_arg(&a[1])) else {
                return Ok(Value::Null);
            };
            description_of(snapshot(e)?, &a[0], Some(class), 0)
        }),
        cand("col_description", &[OID, I4], T, true, true, |e, a| {
            let Some(sub) = a[1].as_i64().and_then(|n| i32::try_from(n).ok()) else {
                return Ok(Value::Null);
            };
            description_of(snapshot(e)?, &a[0], Some(PG_CLASS), sub)
        }),
        cand("shobj_description", &[OID, NAME], T, true, false, null),
        cand(
            "pg_get_statisticsobjdef_columns",
            &[OID],
            T,
            true,
            false,
            null,
        ),
        cand("pg_get_function_result", &[OID], T, true, false, null),
        cand("pg_get_function_arguments", &[OID], T, true, false, null),
        cand("pg_get_triggerdef", &[OID, B], T, true, false, null),
        // Sizes of the relations' and databases' key ranges (see `sizes`).
        cand("pg_table_size", &[REGCLASS], I8, true, true, |e, a| {
            rel_size(e, a, Measure::Table)
        }),
        cand("pg_relation_size", &[REGCLASS], I8, true, true, |e, a| {
            rel_size(e, a, Measure::Relation)
        }),
        cand(
            "pg_relation_size",
            &[REGCLASS, T],
            I8,
            true,
            true,
            |e, a| {
                let snap = snapshot(e)?;
                sizes::fork_size(e, snap, regclass_oid(snap, &a[0]), text_arg(&a[1]))
            },
        ),
        cand(
            "pg_total_relation_size",
            &[REGCLASS],
            I8,
            true,
            true,
            |e, a| rel_size(e, a, Measure::Total),
        ),
        cand("pg_indexes_size", &[REGCLASS], I8, true, true, |e, a| {
            rel_size(e, a, Measure::Indexes)
        }),
        cand("pg_database_size", &[NAME], I8, true, true, |e, a| {
            sizes::database_size_by_name(e, snapshot(e)?, text_arg(&a[0]))
        }),
        cand("pg_database_size", &[OID], I8, true, true, |e, a| {
            sizes::database_size_by_oid(e, snapshot(e)?, oid_arg(&a[0]).unwrap_or(0))
        }),
        cand(
            "pg_relation_is_publishable",
            &[OID],
            B,
            true,
            true,
            |e, a| {
                let snap = snapshot(e)?;
                Ok(Value::Bool(matches!(
                    snap.user_rel(oid_arg(&a[0]).unwrap_or(0)),
                    Some(UserRel::Table(_))
                )))
            },
        ),
        cand("pg_encoding_to_char", &[I4], NAME, true, false, |_, a| {
            Ok(Value::Text(
                if a[0].as_i64() == Some(6) { "UTF8" } else { "" }.to_string(),
            ))
        }),
        cand("pg_char_to_encoding", &[NAME], I4, true, false, |_, a| {
            Ok(Value::Int4(
                if text_arg(&a[0]).eq_ignore_ascii_case("UTF8") {
                    6
                } else {
                    -1
                },
            ))
        }),
        cand("pg_size_pretty", &[I8], T, true, false, |_, a| {
            Ok(Value::Text(size_pretty(a[0].as_i64().unwrap_or(0))))
        }),
        cand(
            "current_schemas",
            &[B],
            SqlType::Array(&SqlType::Name),
            true,
            true,
            |e, a| {
                let implicit = a[0] == Value::Bool(true);
                let items: Vec<String> = snapshot(e)?
                    .search_path
                    .iter()
                    .filter(|(_, imp)| implicit || !imp)
                    .map(|(s, _)| array_item(s))
                    .collect();
                Ok(Value::Text(format!("{{{}}}", items.join(","))))
            },
        ),
        cand("current_schema", &[], T, false, true, |e, _| {
            Ok(snapshot(e)?
                .search_path
                .iter()
                .find(|(_, imp)| !imp)
                .map_or(Value::Null, |(s, _)| Value::Text(s.clone())))
        }),
        cand("array_to_string", &[ANY, T], T, true, false, |_, a| {
            array_to_string(&a[0], &a[1], None)
        }),
        cand("array_to_string", &[ANY, T, T], T, false, false, |_, a| {
            if a[0].is_null() || a[1].is_null() {
                return Ok(Value::Null);
            }
            array_to_string(&a[0], &a[1], Some(&a[2]))
        }),
        cand("array_upper", &[ANY, I4], I4, true, false, |_, a| {
            dimension(a, array::Dim::upper)
        }),
        cand("array_lower", &[ANY, I4], I4, true, false, |_, a| {
            dimension(a, |d| i64::from(d.lower))
        }),
        cand("array_length", &[ANY, I4], I4, true, false, |_, a| {
            dimension(a, |d| d.len as i64)
        }),
        cand("cardinality", &[ANY], I4, true, false, |_, a| {
            Ok(Value::Int4(array::parse(text_arg(&a[0]))?.len() as i32))
        }),
        cand(
            "to_regclass",
            &[T],
            SqlType::Reg(RegKind::Class),
            true,
            true,
            |e, a| Ok(reg_in(snapshot(e)?, text_arg(&a[0]), RegKind::Class).unwrap_or(Value::Null)),
        ),
        cand(
            "to_regtype",
            &[T],
            SqlType::Reg(RegKind::Type),
            true,
            true,
            |e, a| Ok(reg_in(snapshot(e)?, text_arg(&a[0]), RegKind::Type).unwrap_or(Value::Null)),
        ),
        // Internal conversions the binder inserts for casts to and from
        // the object-identifier alias types; the second argument is the
        // `RegKind` code.
        cand("regin", &[T, I4], T, true, true, |e, a| {
            reg_in(snapshot(e)?, text_arg(&a[0]), kind_code(&a[1]))
        }),
        cand("regfromoid", &[OID, I4], T, true, true, |e, a| {
            let oid = oid_arg(&a[0]).unwrap_or(0);
            Ok(Value::Text(
                reg_name(snapshot(e)?, oid, kind_code(&a[1])).unwrap_or_else(|| oid.to_string()),
            ))
        }),
        cand("regtooid", &[ANY, I4], OID, true, true, |e, a| {
            let name = text_arg(&a[0]);
            if let Ok(n) = name.parse::<u32>() {
                return Ok(Value::Int8(i64::from(n)));
            }
            reg_oid(snapshot(e)?, name, kind_code(&a[1]))
                .map(|o| Value::Int8(i64::from(o)))
                .ok_or_else(|| reg_missing(name, kind_code(&a[1])))
        }),
    ];
    for name in [
        "has_table_privilege",
        "has_schema_privilege",
        "has_database_privilege",
        "has_function_privilege",
        "has_sequence_privilege",
        "has_any_column_privilege",
        "pg_has_role",
    ] {
        // Every session is a superuser: every privilege is held.
        v.push(Candidate {
            name,
            params: &[ANY],
            arity: Arity::Variadic,
            ret: Ret::Fixed(B),
            strict: true,
            volatility: Volatility::Stable,
            catalog: false,
            eval: always_true,
        });
    }
    v.push(Candidate {
        name: "has_column_privilege",
        params: &[ANY],
        arity: Arity::Variadic,
        ret: Ret::Fixed(B),
        strict: true,
        volatility: Volatility::Stable,
        catalog: false,
        eval: always_true,
    });
    v
}

/// `bound` of dimension `a[1]` (from 1) of array `a[0]`; NULL for a
/// dimension the array does not have.
fn dimension(a: &[Value], bound: fn(&array::Dim) -> i64) -> Result<Value> {
    let arr = array::parse_array(text_arg(&a[0]))?;
    let dim = a[1]
        .as_i64()
        .and_then(|d| usize::try_from(d - 1).ok())
        .and_then(|d| arr.dims.get(d));
    Ok(dim.map_or(Value::Null, |d| Value::Int4(bound(d) as i32)))
}

/// The `RegKind` of an internal conversion's second argument.
pub(crate) fn kind_code(v: &Value) -> RegKind {
    match v.as_i64() {
        Some(1) => RegKind::Type,
        Some(2) => RegKind::Namespace,
        Some(3) => RegKind::Proc,
        Some(4) => RegKind::Role,
        _ => RegKind::Class,
    }
}

/// The code [`kind_code`] reads back.
pub(crate) fn code_of(kind: RegKind) -> i32 {
    match kind {
        RegKind::Class => 0,
        RegKind::Type => 1,
        RegKind::Namespace => 2,
        RegKind::Proc => 3,
        RegKind::Role => 4,
    }
}

fn reg_missing(name: &str, kind: RegKind) -> EngineError {
    match kind {
        RegKind::Class => EngineError::new(
            SqlState::UndefinedTable,
            format!("relation \"{name}\" does not exist"),
        ),
        RegKind::Type => EngineError::new(
            SqlState::UndefinedObject,
            format!("type \"{name}\" does not exist"),
        ),
        RegKind::Namespace => EngineError::new(
            SqlState::InvalidSchemaName,
            format!("schema \"{name}\" does not exist"),
        ),
        RegKind::Proc => EngineError::new(
            SqlState::UndefinedFunction,
            format!("function \"{name}\" does not exist"),
        ),
        RegKind::Role => EngineError::new(
            SqlState::UndefinedObject,
            format!("role \"{name}\" does not exist"),
        ),
    }
}

const NAMESPACES: &[(u32, &str)] = &[
    (11, "pg_catalog"),
    (99, "pg_toast"),
    (2200, "public"),
    (13207, "information_schema"),
];

/// The oid of built-in schema `name`.
pub(crate) fn builtin_namespace_oid(name: &str) -> Option<u32> {
    NAMESPACES.iter().find(|(_, n)| *n == name).map(|(o, _)| *o)
}

/// The name of built-in schema `oid`.
pub(crate) fn builtin_namespace_name(oid: u32) -> Option<String> {
    NAMESPACES
        .iter()
        .find(|(o, _)| *o == oid)
        .map(|(_, n)| n.to_string())
}

/// Splits `schema.name` (with optional double quotes) into its parts.
fn split_qualified(text: &str) -> (Option<String>, String) {
    let unquote = |s: &str| {
        let s = s.trim();
        match s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            Some(q) => q.replace("\"\"", "\""),
            None => s.to_lowercase(),
        }
    };
    match text.split_once('.') {
        Some((s, n)) if !text.starts_with('"') || s.ends_with('"') => {
            (Some(unquote(s)), unquote(n))
        }
        _ => (None, unquote(text)),
    }
}

/// The OID of relation `text` (`schema.name`, quoted or not) as
/// `regclass` finds it.
pub(crate) fn relation_oid_of(snap: &Snapshot, text: &str) -> Option<u32> {
    reg_oid(snap, text, RegKind::Class)
}

/// `pg_get_serial_sequence(table, column)`: the sequence owned by the
/// column (serial, OWNED BY or identity), schema-qualified and quoted;
/// NULL when none. The table name is parsed as SQL (lower-cased unless
/// quoted), the column name is taken literally, as in PostgreSQL.
fn serial_sequence(snap: &Snapshot, table: &str, column: &str) -> Result<Value> {
    let (schema, name) = split_qualified(table);
    if let Some(s) = schema.as_deref() {
        let known = matches!(
            s,
            "public" | "pg_catalog" | "information_schema" | "pg_toast" | "pg_temp"
        ) || snap.namespace_oid(s).is_some();
        if !known {
            return Err(EngineError::new(
                SqlState::InvalidSchemaName,
                format!("schema \"{s}\" does not exist"),
            ));
        }
    }
    let missing_rel = || {
        EngineError::new(
            SqlState::UndefinedTable,
            match &schema {
                Some(s) => format!("relation \"{s}.{name}\" does not exist"),
                None => format!("relation \"{name}\" does not exist"),
            },
        )
    };
    let oid = snap
        .relation_oid(schema.as_deref(), &name)
        .ok_or_else(missing_rel)?;
    let has_column = match snap.user_rel(oid) {
        Some(UserRel::Table(t)) => t
            .columns
            .iter()
            .position(|c| c.name == column && !c.dropped)
            .map(|i| (t.id, i)),
        Some(UserRel::View(v)) => v.columns.iter().position(|c| c == column).map(|i| (0, i)),
        Some(UserRel::Sequence(_)) => super::rows::SEQUENCE_COLUMNS
            .iter()
            .position(|(c, _)| *c == column)
            .map(|i| (0, i)),
        Some(UserRel::Index(t, i)) => t.indexes[i]
            .columns
            .iter()
            .position(|ic| ic.expr.is_none() && t.columns[ic.column].name == column)
            .map(|k| (0, k)),
        None => crate::catalog::system::by_oid(oid)
            .and_then(|r| r.column(column))
            .map(|i| (0, i)),
    };
    let Some((table_id, col)) = has_column else {
        return Err(EngineError::new(
            SqlState::UndefinedColumn,
            format!("column \"{column}\" of relation \"{name}\" does not exist"),
        ));
    };
    if table_id == 0 {
        return Ok(Value::Null);
    }
    Ok(snap
        .sequences
        .iter()
        .find(|s| {
            s.owner
                .is_some_and(|o| o.table == table_id && o.column as usize == col)
        })
        .map_or(Value::Null, |s| {
            // The session's own temp schema reads `pg_temp`
            // (`get_namespace_name_or_temp`).
            let schema = if snap.temp_schema.as_deref() == Some(s.schema.as_str()) {
                "pg_temp"
            } else {
                &s.schema
            };
            Value::Text(format!("{}.{}", quote_ident(schema), quote_ident(&s.name)))
        }))
}

/// The OID of the object of kind `kind` named `text`.
fn reg_oid(snap: &Snapshot, text: &str, kind: RegKind) -> Option<u32> {
    match kind {
        RegKind::Class => {
            let (schema, name) = split_qualified(text);
            snap.relation_oid(schema.as_deref(), &name)
        }
        RegKind::Type => {
            let t = text.trim();
            let (base, is_array) = match t.strip_suffix("[]") {
                Some(b) => (b, true),
                None => (t, false),
            };
            let base = base.strip_prefix("pg_catalog.").unwrap_or(base);
            let Ok(ty) = SqlType::from_name(base) else {
                let (schema, name) = split_qualified(base);
                if let Some((oid, array_oid)) = snap.user_type_oids(schema.as_deref(), &name) {
                    return Some(if is_array { array_oid } else { oid });
                }
                // `_name`: the array type of user-defined type `name`.
                let elem = name.strip_prefix('_').filter(|_| !is_array)?;
                return snap.user_type_oids(schema.as_deref(), elem).map(|(_, a)| a);
            };
            let ty = if is_array { ty.array_of()? } else { ty };
            Some(ty.oid())
        }
        RegKind::Namespace => {
            let (_, name) = split_qualified(text);
            snap.namespace_oid(&name)
        }
        RegKind::Role => {
            let (_, name) = split_qualified(text);
            if name == snap.user {
                Some(crate::catalog::system::USER_OID)
            } else if name == "pg_database_owner" {
                Some(crate::catalog::system::DATABASE_OWNER_OID)
            } else {
                None
            }
        }
        RegKind::Proc => None,
    }
}

/// The name object `oid` of kind `kind` prints as.
fn reg_name(snap: &Snapshot, oid: u32, kind: RegKind) -> Option<String> {
    match kind {
        RegKind::Class => snap.relation_name(oid),
        RegKind::Type => type_name_of(oid).or_else(|| snap.user_type_name(oid)),
        RegKind::Namespace => snap.namespace_name(oid),
        RegKind::Role => Some(snap.role_name(oid)).filter(|n| !n.starts_with("unknown")),
        RegKind::Proc => None,
    }
}

/// `regXin`: checks that the object exists and returns its canonical
/// name (a number is taken as an OID, as PostgreSQL does).
fn reg_in(snap: &Snapshot, text: &str, kind: RegKind) -> Result<Value> {
    if let Ok(n) = text.trim().parse::<u32>() {
        return Ok(Value::Text(
            reg_name(snap, n, kind).unwrap_or_else(|| n.to_string()),
        ));
    }
    if kind == RegKind::Proc {
        return Ok(Value::Text(text.to_string()));
    }
    let oid = reg_oid(snap, text, kind).ok_or_else(|| reg_missing(text.trim(), kind))?;
    Ok(Value::Text(
        reg_name(snap, oid, kind).unwrap_or_else(|| oid.to_string()),
    ))
}

/// The name of type `oid` as `regtype` prints it (`format_type` without
/// a typmod: unbounded `bpchar` is `character`).
pub fn type_name_of(oid: u32) -> Option<String> {
    if let Some(t) = SqlType::from_oid(oid) {
        // Without a typmod, `bpchar` is shown as `character` (and its
        // array as `character[]`), as PostgreSQL's `format_type_be`.
        if t == SqlType::Char(None) {
            return Some("character".to_string());
        }
        if t.element() == Some(SqlType::Char(None)) {
            return Some("character[]".to_string());
        }
        return Some(t.display_name());
    }
    super::static_rows::PG_TYPE
        .iter()
        .find(|row| row[0] == Some(oid.to_string().as_str()))
        .and_then(|row| row[1])
        .map(str::to_string)
}

/// PostgreSQL's `format_type(oid, typmod)`.
pub fn format_type(oid: u32, typmod: i32) -> String {
    match SqlType::from_oid_typmod(oid, typmod) {
        Some(t) => t.display_name(),
        None => match type_name_of(oid) {
            Some(n) => n,
            None if oid == 0 => "-".to_string(),
            None => "???".to_string(),
        },
    }
}

/// `pg_get_indexdef`: the table name is schema-qualified unless `pretty`
/// (PostgreSQL qualifies it always, and in pretty mode only when it is not
/// visible).
fn index_def_of(snap: &Snapshot, oid: &Value, column: i64, pretty: bool) -> Result<Value> {
    let Some(UserRel::Index(t, i)) = snap.user_rel(oid_arg(oid).unwrap_or(0)) else {
        return Ok(Value::Null);
    };
    let ix = &t.indexes[i];
    if column > 0 {
        let i = column as usize - 1;
        return Ok(match ix.columns.get(i) {
            Some(ic) => Value::Text(key_text(t, ic)),
            None => ix
                .include
                .get(i - ix.columns.len())
                .map_or(Value::Null, |&c| {
                    Value::Text(quote_ident(&t.columns[c].name))
                }),
        });
    }
    Ok(Value::Text(index_def(t, ix, !pretty)))
}

fn key_text(t: &TableDesc, ic: &crate::catalog::IndexColumn) -> String {
    match &ic.expr {
        Some(e) => format!("({e})"),
        None => quote_ident(&t.columns[ic.column].name),
    }
}

/// `pg_get_indexdef`: `CREATE [UNIQUE] INDEX name ON [public.]table USING
/// btree (keys) [INCLUDE (cols)] [NULLS NOT DISTINCT] [WHERE pred]` (the
/// predicate pretty-printed when the name is not qualified, as psql asks).
pub fn index_def(t: &TableDesc, ix: &IndexDesc, qualified: bool) -> String {
    let keys: Vec<String> = ix
        .columns
        .iter()
        .map(|ic| {
            let mut k = key_text(t, ic);
            match (ic.descending, ic.nulls_first) {
                (true, false) => k.push_str(" DESC NULLS LAST"),
                (true, true) => k.push_str(" DESC"),
                (false, true) => k.push_str(" NULLS FIRST"),
                (false, false) => {}
            }
            k
        })
        .collect();
    let mut def = format!(
        "CREATE {}INDEX {} ON {}{} USING btree ({})",
        if ix.unique { "UNIQUE " } else { "" },
        quote_ident(&ix.name),
        if qualified { "public." } else { "" },
        quote_ident(&t.name),
        keys.join(", ")
    );
    if !ix.include.is_empty() {
        let cols: Vec<String> = ix
            .include
            .iter()
            .map(|&c| quote_ident(&t.columns[c].name))
            .collect();
        def.push_str(&format!(" INCLUDE ({})", cols.join(", ")));
    }
    if ix.nulls_not_distinct {
        def.push_str(" NULLS NOT DISTINCT");
    }
    if let Some(p) = &ix.predicate {
        def.push_str(" WHERE ");
        def.push_str(&super::deparse::expr_def(t, p, !qualified));
    }
    def
}

/// `pg_get_expr(text, relation, pretty)`: the stored display form, except
/// that an index predicate (stored non-pretty in `pg_index.indpred`) is
/// printed again in pretty mode.
fn pretty_expr(snap: &Snapshot, text: &Value, rel: &Value, pretty: bool) -> Result<Value> {
    let (Value::Text(stored), true) = (text, pretty) else {
        return Ok(text.clone());
    };
    let rel = oid_arg(rel).unwrap_or(0);
    for t in snap.tables.iter().filter(|t| t.id == rel) {
        let generated = t
            .columns
            .iter()
            .filter(|c| c.generated && !c.dropped)
            .filter_map(|c| c.default.as_deref());
        let predicates = t.indexes.iter().filter_map(|ix| ix.predicate.as_deref());
        for p in predicates.chain(generated) {
            if super::deparse::expr_def(t, p, false) == *stored {
                return Ok(Value::Text(super::deparse::expr_def(t, p, true)));
            }
        }
    }
    Ok(text.clone())
}

fn constraint_def_of(snap: &Snapshot, oid: &Value, pretty: bool) -> Result<Value> {
    let oid = oid_arg(oid).unwrap_or(0);
    if let Some(def) = snap.domain_constraint_def(oid, pretty) {
        return Ok(Value::Text(def));
    }
    for t in &snap.tables {
        if let Some(c) = t.checks.iter().find(|c| c.oid == oid) {
            return Ok(Value::Text(super::deparse::check_def(t, c, pretty)));
        }
        if let Some(fk) = t.foreign_keys.iter().find(|c| c.oid == oid) {
            let Some(parent) = snap.tables.iter().find(|p| p.id == fk.parent) else {
                return Ok(Value::Null);
            };
            return Ok(Value::Text(fk.definition(t, parent)));
        }
        if let Some(ix) = t
            .indexes
            .iter()
            .find(|ix| ix.constraint_oid == oid && oid != 0 && !ix.columns.is_empty())
        {
            let cols: Vec<String> = ix.columns.iter().map(|ic| key_text(t, ic)).collect();
            let include = if ix.include.is_empty() {
                String::new()
            } else {
                let names: Vec<String> = ix
                    .include
                    .iter()
                    .map(|&c| quote_ident(&t.columns[c].name))
                    .collect();
                format!(" INCLUDE ({})", names.join(", "))
            };
            return Ok(Value::Text(format!(
                "{} ({}){include}{}",
                match (ix.primary, ix.nulls_not_distinct) {
                    (true, _) => "PRIMARY KEY",
                    (false, false) => "UNIQUE",
                    (false, true) => "UNIQUE NULLS NOT DISTINCT",
                },
                cols.join(", "),
                match (ix.deferrable, ix.initially_deferred) {
                    (false, _) => "",
                    (true, false) => " DEFERRABLE",
                    (true, true) => " DEFERRABLE INITIALLY DEFERRED",
                }
            )));
        }
    }
    Ok(Value::Null)
}

fn view_def_of(snap: &Snapshot, view: &Value, pretty: bool) -> Result<Value> {
    let oid = match view {
        Value::Text(s) if s.trim().parse::<u32>().is_err() => match relation_oid_of(snap, s) {
            Some(oid) => oid,
            None => {
                return Err(EngineError::new(
                    SqlState::UndefinedTable,
                    format!("relation \"{}\" does not exist", s.trim()),
                ))
            }
        },
        other => regclass_oid(snap, other),
    };
    Ok(match snap.user_rel(oid) {
        Some(UserRel::View(v)) => Value::Text(super::viewdef::view_def(snap, v, pretty)),
        _ => Value::Null,
    })
}

/// An array element as PostgreSQL's array output writes it: quoted when
/// empty, `NULL` or holding a character the array syntax reserves.
fn array_item(s: &str) -> String {
    let plain = !s.is_empty()
        && !s.eq_ignore_ascii_case("null")
        && !s
            .chars()
            .any(|c| matches!(c, '{' | '}' | ',' | '"' | '\\') || c.is_whitespace());
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn array_to_string(arr: &Value, sep: &Value, null_text: Option<&Value>) -> Result<Value> {
    let sep = text_arg(sep);
    let mut out = String::new();
    let mut first = true;
    for item in array::parse(text_arg(arr))? {
        let t = match (item, null_text) {
            (Some(t), _) => t,
            (None, Some(Value::Text(n))) => n.clone(),
            (None, _) => continue,
        };
        if !first {
            out.push_str(sep);
        }
        first = false;
        out.push_str(&t);
    }
    Ok(Value::Text(out))
}

/// PostgreSQL's `pg_size_pretty(bigint)`.
pub fn size_pretty(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    let mut size = bytes;
    if size.abs() < 10 * 1024 {
        return format!("{size} bytes");
    }
    for (i, unit) in UNITS.iter().enumerate() {
        // Round half away from zero at each step, as PostgreSQL does.
        let half_rounded = |v: i64| (v + v.signum()) / 2;
        if i + 1 == UNITS.len() || half_rounded(size.abs() / 512).abs() < 10 * 1024 {
            return format!("{} {unit}", half_rounded(size / 512));
        }
        size /= 1024;
    }
    unreachable!("the last unit always returns")
}

/// How PostgreSQL prints a column default (`pg_get_expr(adbin, ...)`):
/// constants of the column's type are shown as PostgreSQL's deparser
/// shows them (`'x'::text`, `0`, `true`, `'-1'::integer`); other
/// expressions as written.
pub fn deparse_default(sql: &str, ty: &SqlType) -> String {
    let Ok(expr) = crate::sql::parse_expr(sql) else {
        return sql.to_string();
    };
    let literal = |text: &str| -> String {
        let base = ty.without_typmod();
        match base {
            SqlType::Int4 if !text.starts_with('-') && text.parse::<i32>().is_ok() => {
                text.to_string()
            }
            SqlType::Numeric { .. }
                if !text.starts_with('-')
                    && !text.is_empty()
                    && text.chars().all(|c| c.is_ascii_digit() || c == '.') =>
            {
                text.to_string()
            }
            SqlType::Bool => match Value::parse_text(text, &SqlType::Bool) {
                Ok(Value::Bool(b)) => b.to_string(),
                _ => format!("'{text}'::boolean"),
            },
            _ => {
                let shown = Value::parse_text(text, ty)
                    .ok()
                    .and_then(|v| v.to_text())
                    .unwrap_or_else(|| text.to_string());
                let type_name = match base {
                    SqlType::Char(_) => "bpchar".to_string(),
                    other => other.display_name(),
                };
                format!("'{}'::{type_name}", shown.replace('\'', "''"))
            }
        }
    };
    match &expr {
        AstExpr::Value(v) => match &v.value {
            AstValue::SingleQuotedString(s) => literal(s),
            AstValue::Number(n, _) => literal(n),
            AstValue::Boolean(b) => literal(if *b { "true" } else { "false" }),
            AstValue::Null => "NULL".to_string(),
            _ => sql.to_string(),
        },
        AstExpr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match expr.as_ref() {
            AstExpr::Value(v) => match &v.value {
                AstValue::Number(n, _) => literal(&format!("-{n}")),
                _ => sql.to_string(),
            },
            _ => sql.to_string(),
        },
        AstExpr::Function(f) if nextval_arg(f).is_some() => {
            let name = nextval_arg(f).unwrap_or_default();
            format!("nextval('{}'::regclass)", name.replace('\'', "''"))
        }
        AstExpr::Function(f) if super::deparse::sql_value_keyword(f).is_some() => {
            super::deparse::sql_value_keyword(f)
                .unwrap_or_default()
                .to_string()
        }
        AstExpr::Function(f) => {
            let mut f = f.clone();
            for part in &mut f.name.0 {
                if let ast::ObjectNamePart::Identifier(id) = part {
                    if id.quote_style.is_none() {
                        id.value = id.value.to_lowercase();
                    }
                }
            }
            AstExpr::Function(f).to_string()
        }
        other => other.to_string(),
    }
}

/// The sequence name a default `nextval('name'::regclass)` names.
pub(crate) fn default_nextval(sql: &str) -> Option<String> {
    match crate::sql::parse_expr(sql).ok()? {
        AstExpr::Function(f) => nextval_arg(&f).map(str::to_string),
        _ => None,
    }
}

/// A column default as `pg_get_expr` prints it: [`deparse_default`],
/// except that `nextval('name'::regclass)` names its sequence as
/// `regclass` prints it (unqualified when visible), as PostgreSQL stores
/// the sequence's OID, not the name written.
pub fn default_text(snap: &Snapshot, sql: &str, ty: &SqlType) -> String {
    if let Some(name) = default_nextval(sql) {
        if let Some(oid) = relation_oid_of(snap, &name) {
            if let Some(shown) = regclass_text(snap, oid) {
                return format!("nextval('{}'::regclass)", shown.replace('\'', "''"));
            }
        }
    }
    deparse_default(sql, ty)
}

/// Relation `oid` as `regclass` prints it: quoted where needed,
/// schema-qualified unless visible.
fn regclass_text(snap: &Snapshot, oid: u32) -> Option<String> {
    let (schema, name) = snap.user_rel_schema(snap.user_rel(oid)?);
    Some(if snap.is_visible(&schema, &name) {
        quote_ident(&name)
    } else {
        format!("{}.{}", quote_ident(&schema), quote_ident(&name))
    })
}

/// The sequence name of `nextval('name'::regclass)`.
fn nextval_arg(f: &ast::Function) -> Option<&str> {
    if !f.name.to_string().eq_ignore_ascii_case("nextval") {
        return None;
    }
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(arg))] = list.args.as_slice() else {
        return None;
    };
    // `nextval('s')` stores as `nextval('s'::regclass)` in PostgreSQL.
    let expr = match arg {
        AstExpr::Cast {
            expr, data_type, ..
        } if data_type.to_string().eq_ignore_ascii_case("regclass") => expr.as_ref(),
        AstExpr::Cast { .. } => return None,
        other => other,
    };
    match expr {
        AstExpr::Value(v) => match &v.value {
            AstValue::SingleQuotedString(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_print_like_postgres() {
        assert_eq!(size_pretty(0), "0 bytes");
        assert_eq!(size_pretty(8192), "8192 bytes");
        assert_eq!(size_pretty(40960), "40 kB");
        assert_eq!(size_pretty(13_631_488), "13 MB");
    }

    #[test]
    fn defaults_deparse_like_postgres() {
        assert_eq!(
            deparse_default("'unnamed'", &SqlType::Text),
            "'unnamed'::text"
        );
        assert_eq!(
            deparse_default("'x'", &SqlType::Varchar(Some(20))),
            "'x'::character varying"
        );
        assert_eq!(deparse_default("0", &SqlType::NUMERIC), "0");
        assert_eq!(deparse_default("1", &SqlType::Int4), "1");
        assert_eq!(deparse_default("-1", &SqlType::Int4), "'-1'::integer");
        assert_eq!(deparse_default("true", &SqlType::Bool), "true");
        assert_eq!(
            deparse_default("NOW()", &SqlType::Timestamptz(None)),
            "now()"
        );
        assert_eq!(
            deparse_default("nextval('t_id_seq'::regclass)", &SqlType::Int4),
            "nextval('t_id_seq'::regclass)"
        );
    }

    #[test]
    fn identifiers_quote_like_postgres() {
        assert_eq!(quote_ident("items"), "items");
        assert_eq!(quote_ident("Items"), "\"Items\"");
        assert_eq!(quote_ident("a b"), "\"a b\"");
    }
}
