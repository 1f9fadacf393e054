//! `CREATE DOMAIN`, `ALTER DOMAIN` and `DROP DOMAIN` (see
//! [`crate::types::domain`] for what a domain is and
//! [`crate::sql::domain`] for the grammar).
//!
//! Every change is stored in the domain's descriptor and copied into the
//! descriptors of the tables whose columns use it
//! ([`user_type::refresh_domain_tables`]). Adding a constraint (unless
//! `NOT VALID`), validating one and SET NOT NULL scan those columns'
//! rows first, as PostgreSQL's `validateDomainConstraint` does.

use rocksgres_storage::{Direction, Transaction};

use crate::catalog::{self, user_type, SearchPath, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::exec::row::{decode_values, seek_rows};
use crate::interrupt::Interrupt;
use crate::plan::bind::{Binder, Scope};
use crate::plan::domain_check::bind_domain_check;
use crate::plan::expr::Expr;
use crate::sql::domain::{AlterDomainOp, ConstraintDef, ConstraintKind, CreateDomain, DomainStmt};
use crate::sql::identifiers::ident_name;
use crate::types::domain::{DomainCheck, DomainDef};
use crate::types::sql_type::undefined_type;
use crate::types::{CastKind, SqlType, Value};

/// Runs a domain statement (or `ALTER TYPE ... OWNER TO | SET SCHEMA`)
/// for the session's `user`; returns its notices.
pub fn run<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    stmt: &DomainStmt,
    user: &str,
    now: i64,
    interrupt: &mut Interrupt,
) -> Result<Vec<String>> {
    match stmt {
        DomainStmt::Create(d) => create_domain(txn, path, d).map(|()| Vec::new()),
        DomainStmt::Alter { op, .. } if matches!(**op, AlterDomainOp::OwnerTo(_)) => {
            owner_to(txn, path, stmt, user)
        }
        DomainStmt::AlterType { name, op } => match &**op {
            AlterDomainOp::OwnerTo(_) => owner_to(txn, path, stmt, user),
            AlterDomainOp::SetSchema(to) => alter_type_schema(txn, path, name, to),
            _ => Err(EngineError::internal("ALTER TYPE action")),
        },
        DomainStmt::AlterAttributes(a) => {
            crate::exec::composite_attrs::alter_attributes(txn, path, a, interrupt)
        }
        DomainStmt::Alter { name, op } => alter_domain(txn, path, name, op, now, interrupt),
        DomainStmt::Drop {
            names,
            if_exists,
            cascade,
        } => drop_domains(txn, path, names, *if_exists, *cascade),
    }
}

/// The base type `ty` names: a built-in type, an enum type or an array
/// of one, or a domain (with it: a domain over a domain).
fn base_type<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    ty: &sqlparser::ast::DataType,
) -> Result<(SqlType, Option<&'static DomainDef>)> {
    if let Some(d) = user_type::column_domain(txn, path, ty)? {
        if !matches!(ty, sqlparser::ast::DataType::Custom(..)) {
            return Err(EngineError::unsupported("domains over arrays of domains"));
        }
        return Ok((d.base, Some(d)));
    }
    if let Some(t) = user_type::column_user_type(txn, path, ty)? {
        if matches!(t, SqlType::Composite(_)) {
            return Err(EngineError::unsupported("domains over composite types"));
        }
        return Ok((t, None));
    }
    if crate::exec::ddl::serial_type(ty).is_some() {
        return Err(undefined_type(&ty.to_string().to_ascii_lowercase()));
    }
    crate::exec::ddl::column_type("", ty).map(|t| (t, None))
}

/// Checks a DEFAULT expression (bound and cast to the base type, as
/// PostgreSQL's `cookDefault`); returns its text.
fn default_text(base: SqlType, e: &sqlparser::ast::Expr) -> Result<String> {
    let mut lookup = |_: &sqlparser::ast::ObjectName, _: bool| -> Result<catalog::Relation> {
        Err(EngineError::new(
            SqlState::FeatureNotSupported,
            "cannot use subquery in DEFAULT expression",
        ))
    };
    let mut binder = Binder::new(Vec::new(), &mut lookup);
    let b = binder.bind(e, &Scope::default())?;
    binder.coerce(b, base, CastKind::Assignment)?;
    Ok(e.to_string())
}

/// The name of a new check of `def`: `<domain>_check`, then
/// `<domain>_check1`, ... until unused (PostgreSQL's
/// `ChooseConstraintName`).
fn check_name(def: &DomainDef) -> String {
    let base = format!("{}_check", def.name);
    let mut name = base.clone();
    let mut n = 0;
    while def.check_position(&name).is_some() {
        n += 1;
        name = format!("{base}{n}");
    }
    name
}

/// Adds check constraint `k` to `def` (its expression bound over
/// `VALUE`); returns its position.
fn add_check<T: Transaction>(
    txn: &mut T,
    def: &mut DomainDef,
    name: Option<&sqlparser::ast::Ident>,
    e: &sqlparser::ast::Expr,
    validated: bool,
) -> Result<usize> {
    bind_domain_check(def.base, e)?;
    let name = match name {
        Some(n) => {
            let n = ident_name(n);
            if def.check_position(&n).is_some() {
                return Err(EngineError::new(
                    SqlState::DuplicateObject,
                    format!(
                        "constraint \"{n}\" for domain \"{}\" already exists",
                        def.name
                    ),
                ));
            }
            n
        }
        None => check_name(def),
    };
    def.checks.push(DomainCheck {
        oid: catalog::allocate_id(txn)?,
        name,
        expr: e.to_string(),
        validated,
    });
    Ok(def.checks.len() - 1)
}

fn create_domain<T: Transaction>(txn: &mut T, path: &SearchPath, d: &CreateDomain) -> Result<()> {
    let (schema, name) = user_type::type_name_parts(txn, path, &d.name)?;
    crate::exec::type_ddl::check_free(txn, &schema, &name)?;
    let (base, parent) = base_type(txn, path, &d.data_type)?;
    if let Some(c) = &d.collation {
        if c.to_string().trim_matches('"') != "default" {
            return Err(EngineError::unsupported("COLLATE on a domain"));
        }
    }
    // A domain over a domain inherits its default (PostgreSQL's
    // DefineDomain copies it).
    let default = match &d.default {
        Some(e) => Some(default_text(base, e)?),
        None => parent.and_then(|p| p.default.clone()),
    };
    let mut def = DomainDef {
        oid: catalog::allocate_id(txn)?,
        array_oid: catalog::allocate_id(txn)?,
        schema,
        name,
        base,
        parent,
        not_null: false,
        default,
        checks: Vec::new(),
    };
    let mut saw_null = None;
    for c in &d.constraints {
        match &c.kind {
            ConstraintKind::NotNull | ConstraintKind::Null => {
                let not_null = matches!(c.kind, ConstraintKind::NotNull);
                if saw_null.is_some_and(|s| s != not_null) {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        "conflicting NULL/NOT NULL constraints",
                    ));
                }
                saw_null = Some(not_null);
                def.not_null = not_null;
            }
            ConstraintKind::Check(e) => {
                add_check(txn, &mut def, c.name.as_ref(), e, true)?;
            }
        }
    }
    user_type::put_domain(txn, &def)
}

/// Reads the domain `name`: 42704 when there is no such type, 42809 when
/// it is not a domain.
fn require_domain<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    name: &sqlparser::ast::ObjectName,
) -> Result<Option<DomainDef>> {
    let (schema, n) = user_type::existing_type_parts(txn, path, name)?;
    match user_type::lookup(txn, &schema, &n)? {
        None => Ok(None),
        Some(user_type::UserType::Domain(d)) => Ok(Some(d)),
        Some(_) => Err(EngineError::new(
            SqlState::WrongObjectType,
            format!("\"{n}\" is not a domain"),
        )),
    }
}

/// `ALTER { DOMAIN | TYPE } name OWNER TO role`: every type is the
/// session user's, so giving it to that user changes nothing (see
/// [`crate::exec::owner`]).
fn owner_to<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    stmt: &DomainStmt,
    user: &str,
) -> Result<Vec<String>> {
    let (DomainStmt::Alter { name, op } | DomainStmt::AlterType { name, op }) = stmt else {
        return Err(EngineError::internal("OWNER TO of a type"));
    };
    let AlterDomainOp::OwnerTo(role) = &**op else {
        return Err(EngineError::internal("OWNER TO of a type"));
    };
    let (schema, n) = user_type::existing_type_parts(txn, path, name)?;
    if matches!(stmt, DomainStmt::Alter { .. }) {
        require_domain(txn, path, name)?.ok_or_else(|| undefined_type(&n))?;
    } else if user_type::lookup(txn, &schema, &n)?.is_none() {
        return Err(undefined_type(&n));
    }
    crate::exec::owner::check_new_owner(role.as_deref(), user)?;
    Ok(Vec::new())
}

/// `ALTER TYPE name SET SCHEMA s` of an enum type or a domain.
fn alter_type_schema<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    name: &sqlparser::ast::ObjectName,
    to: &sqlparser::ast::Ident,
) -> Result<Vec<String>> {
    let (schema, n) = user_type::existing_type_parts(txn, path, name)?;
    match user_type::lookup(txn, &schema, &n)? {
        None => Err(undefined_type(&n)),
        Some(user_type::UserType::Domain(mut d)) => {
            set_domain_schema(txn, &mut d, to)?;
            Ok(Vec::new())
        }
        Some(user_type::UserType::Enum(mut e)) => {
            let to = ident_name(to);
            if to == e.schema {
                return Ok(Vec::new());
            }
            check_target_schema(txn, &to, &e.name)?;
            user_type::drop_enum(txn, &e)?;
            e.schema = to;
            user_type::put_enum(txn, &e)?;
            user_type::refresh_tables(txn, &e)?;
            Ok(Vec::new())
        }
        Some(user_type::UserType::Composite(_)) => Err(EngineError::unsupported(
            "ALTER TYPE ... SET SCHEMA of a composite type",
        )),
    }
}

/// Fails unless type `name` may move to schema `to`: 3F000 for no such
/// schema, 42710 when `to` has a type or relation of that name.
fn check_target_schema<T: Transaction>(txn: &mut T, to: &str, name: &str) -> Result<()> {
    crate::exec::schema_ddl::target_schema(txn, to)?;
    if user_type::lookup(txn, to, name)?.is_some() || catalog::relation_exists(txn, to, name)? {
        return Err(EngineError::new(
            SqlState::DuplicateObject,
            format!("type \"{name}\" already exists in schema \"{to}\""),
        ));
    }
    Ok(())
}

/// Moves domain `def` to schema `to` (nothing when it is there).
fn set_domain_schema<T: Transaction>(
    txn: &mut T,
    def: &mut DomainDef,
    to: &sqlparser::ast::Ident,
) -> Result<()> {
    let to = ident_name(to);
    if to == def.schema {
        return Ok(());
    }
    check_target_schema(txn, &to, &def.name)?;
    user_type::drop_domain(txn, def)?;
    def.schema = to;
    user_type::store_changed_domain(txn, def)
}

fn no_constraint(name: &str, def: &DomainDef) -> EngineError {
    EngineError::new(
        SqlState::UndefinedObject,
        format!(
            "constraint \"{name}\" of domain \"{}\" does not exist",
            def.name
        ),
    )
}

fn alter_domain<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    name: &sqlparser::ast::ObjectName,
    op: &AlterDomainOp,
    now: i64,
    interrupt: &mut Interrupt,
) -> Result<Vec<String>> {
    let (_, n) = user_type::existing_type_parts(txn, path, name)?;
    let mut def = require_domain(txn, path, name)?.ok_or_else(|| undefined_type(&n))?;
    let mut notices = Vec::new();
    match op {
        AlterDomainOp::SetDefault(e) => def.default = Some(default_text(def.base, e)?),
        AlterDomainOp::DropDefault => def.default = None,
        AlterDomainOp::SetNotNull
        | AlterDomainOp::AddConstraint(
            ConstraintDef {
                kind: ConstraintKind::NotNull,
                ..
            },
            false,
        ) => {
            if !def.not_null {
                scan_columns(txn, &def, None, now, interrupt)?;
                def.not_null = true;
            }
        }
        AlterDomainOp::AddConstraint(
            ConstraintDef {
                kind: ConstraintKind::NotNull,
                ..
            },
            true,
        ) => {
            return Err(EngineError::new(
                SqlState::FeatureNotSupported,
                "NOT NULL constraints cannot be marked NOT VALID",
            ))
        }
        AlterDomainOp::AddConstraint(
            ConstraintDef {
                kind: ConstraintKind::Null,
                ..
            },
            _,
        ) => {
            return Err(EngineError::new(
                SqlState::SyntaxError,
                "NULL is not a valid constraint for ALTER DOMAIN ADD CONSTRAINT",
            ))
        }
        AlterDomainOp::DropNotNull => def.not_null = false,
        AlterDomainOp::AddConstraint(
            ConstraintDef {
                name: cname,
                kind: ConstraintKind::Check(e),
            },
            not_valid,
        ) => {
            let pos = add_check(txn, &mut def, cname.as_ref(), e, !not_valid)?;
            if !not_valid {
                let check = def.checks[pos].clone();
                scan_columns(txn, &def, Some(&check), now, interrupt)?;
            }
        }
        AlterDomainOp::DropConstraint { name, if_exists } => {
            let cname = ident_name(name);
            match def.check_position(&cname) {
                Some(p) => {
                    def.checks.remove(p);
                }
                None if *if_exists => {
                    notices.push(format!(
                        "constraint \"{cname}\" of domain \"{}\" does not exist, skipping",
                        def.name
                    ));
                    return Ok(notices);
                }
                None => return Err(no_constraint(&cname, &def)),
            }
        }
        AlterDomainOp::RenameTo(to) => {
            let to = ident_name(to);
            crate::exec::type_ddl::check_free(txn, &def.schema, &to)?;
            user_type::drop_domain(txn, &def)?;
            def.name = to;
        }
        AlterDomainOp::RenameConstraint(from, to) => {
            let (from, to) = (ident_name(from), ident_name(to));
            let p = def
                .check_position(&from)
                .ok_or_else(|| no_constraint(&from, &def))?;
            if def.check_position(&to).is_some() {
                return Err(EngineError::new(
                    SqlState::DuplicateObject,
                    format!(
                        "constraint \"{to}\" for domain \"{}\" already exists",
                        def.name
                    ),
                ));
            }
            def.checks[p].name = to;
        }
        AlterDomainOp::SetSchema(to) => {
            set_domain_schema(txn, &mut def, to)?;
            return Ok(notices);
        }
        AlterDomainOp::OwnerTo(_) => {
            return Err(EngineError::internal("OWNER TO of a domain"));
        }
        AlterDomainOp::ValidateConstraint(name) => {
            let cname = ident_name(name);
            let p = def
                .check_position(&cname)
                .ok_or_else(|| no_constraint(&cname, &def))?;
            if !def.checks[p].validated {
                let check = def.checks[p].clone();
                scan_columns(txn, &def, Some(&check), now, interrupt)?;
                def.checks[p].validated = true;
            }
        }
    }
    user_type::store_changed_domain(txn, &def)?;
    Ok(notices)
}

/// Checks the stored values of every column of domain `def`: against
/// `check` (23514), or for NULLs when `check` is `None` (23502).
fn scan_columns<T: Transaction>(
    txn: &mut T,
    def: &DomainDef,
    check: Option<&DomainCheck>,
    now: i64,
    interrupt: &mut Interrupt,
) -> Result<()> {
    let bound = match check {
        Some(c) => Some(bind_domain_check(
            def.base,
            &crate::sql::parse_expr(&c.expr)?,
        )?),
        None => None,
    };
    // The columns of the domain and of the domains over it; a column of
    // an array of one is not checked but refused, as PostgreSQL's
    // get_rels_with_domain does.
    for table in catalog::all_tables(txn)? {
        let mut cols = Vec::new();
        for (i, c) in table.visible_columns() {
            let Some(d) = c.domain.filter(|d| d.is_or_derives(def.oid)) else {
                continue;
            };
            if c.ty != d.base {
                return Err(EngineError::new(
                    SqlState::FeatureNotSupported,
                    format!(
                        "cannot alter type \"{}\" because column \"{}.{}\" uses it",
                        d.name, table.name, c.name
                    ),
                ));
            }
            cols.push(i);
        }
        if !cols.is_empty() {
            scan_table(txn, &table, &cols, bound.as_ref(), now, interrupt)?;
        }
    }
    Ok(())
}

/// Checks the values of columns `cols` of `table`, one batch of rows at
/// a time (the check's functions need the transaction the cursor
/// borrows, so a batch is read, then checked, and the next scan resumes
/// past the rows already seen).
fn scan_table<T: Transaction>(
    txn: &mut T,
    table: &TableDesc,
    cols: &[usize],
    bound: Option<&Expr>,
    now: i64,
    interrupt: &mut Interrupt,
) -> Result<()> {
    let mut skip = 0usize;
    loop {
        let mut values = Vec::new();
        let mut cursor = seek_rows(txn, table, Direction::Forward)?;
        let mut row = Vec::new();
        let mut n = 0usize;
        let mut more = false;
        while let Some((_, v)) = txn.next(&mut cursor)? {
            interrupt.check()?;
            n += 1;
            if n <= skip {
                continue;
            }
            decode_values(table, v, &mut row)?;
            for &c in cols {
                values.push((c, std::mem::replace(&mut row[c], Value::Null)));
            }
            if values.len() >= 1024 {
                more = true;
                break;
            }
        }
        drop(cursor);
        check_values(txn, table, &values, bound, now)?;
        if !more {
            return Ok(());
        }
        skip = n;
    }
}

fn check_values<T: Transaction>(
    txn: &mut T,
    table: &TableDesc,
    values: &[(usize, Value)],
    bound: Option<&Expr>,
    now: i64,
) -> Result<()> {
    let mut ctx = Ctx::new(txn, &[], now);
    for (c, v) in values {
        let column = &table.columns[*c].name;
        match bound {
            None if v.is_null() => {
                return Err(EngineError::new(
                    SqlState::NotNullViolation,
                    format!(
                        "column \"{column}\" of table \"{}\" contains null values",
                        table.name
                    ),
                )
                .with_column(&table.schema, &table.name, column));
            }
            Some(e) if e.eval(std::slice::from_ref(v), &mut ctx)? == Value::Bool(false) => {
                return Err(EngineError::new(
                    SqlState::CheckViolation,
                    format!(
                        "column \"{column}\" of table \"{}\" contains values that violate the new constraint",
                        table.name
                    ),
                )
                .with_column(&table.schema, &table.name, column));
            }
            _ => {}
        }
    }
    Ok(())
}

/// `DROP DOMAIN [IF EXISTS] name [, ...] [CASCADE | RESTRICT]` (and DROP
/// TYPE of a domain); returns the notices.
pub fn drop_domains<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    names: &[sqlparser::ast::ObjectName],
    if_exists: bool,
    cascade: bool,
) -> Result<Vec<String>> {
    let mut notices = Vec::new();
    for name in names {
        let (_, n) = user_type::existing_type_parts(txn, path, name)?;
        let Some(def) = require_domain(txn, path, name)? else {
            if if_exists {
                notices.push(format!("type \"{n}\" does not exist, skipping"));
                continue;
            }
            return Err(undefined_type(&n));
        };
        notices.extend(drop_domain(txn, &def, cascade)?);
    }
    Ok(notices)
}

/// Drops domain `def` with what depends on it (2BP01 without
/// `cascade`, see [`crate::exec::type_deps`]); returns the notices.
pub fn drop_domain<T: Transaction>(
    txn: &mut T,
    def: &DomainDef,
    cascade: bool,
) -> Result<Vec<String>> {
    let ty = crate::exec::type_deps::DroppedType {
        oid: def.oid,
        array_oid: def.array_oid,
        name: &def.name,
        domain: true,
    };
    let notices = crate::exec::type_deps::drop_dependents(txn, ty, cascade)?;
    user_type::drop_domain(txn, def)?;
    Ok(notices)
}
