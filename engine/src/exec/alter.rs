//! ALTER TABLE and TRUNCATE.
//!
//! * ADD COLUMN stores the default's value as the column's "missing value"
//!   (PostgreSQL's `attmissingval`), so existing rows are not rewritten;
//! * DROP COLUMN hides the column (rows keep its slot);
//! * ADD PRIMARY KEY on a table keyed by a hidden row id rewrites the rows
//!   under the new key into a fresh storage id, checking NOT NULL and
//!   uniqueness as it goes;
//! * TRUNCATE gives each table a fresh, empty storage id (as PostgreSQL
//!   swaps relfilenodes), so it is transactional and instant.
//!
//! The data left under a replaced storage id is unreachable; reclaiming
//! that space (a range delete after commit) is not done yet.

use rocksgres_storage::{Direction, LockMode, Transaction};
use sqlparser::ast::{self as ast, AlterColumnOperation, AlterTableOperation};

use crate::catalog::{self, IndexColumn, SearchPath, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::exec::ddl::{column_desc_full, existing_table, table_name};
use crate::exec::row::{
    decode_values, describe_row, encode_values, primary_key, rewrite_rows, seek_rows,
};
use crate::exec::sequence::SequenceAccess;
use crate::interrupt::Interrupt;
use crate::plan::bind::{Binder, Scope};
use crate::sql::identifiers::ident_name;
use crate::types::{CastKind, SqlType, Value};

/// Binds a DEFAULT expression (SQL text) as a value of `ty`.
fn bind_default_text(text: &str, ty: SqlType) -> Result<crate::plan::expr::Expr> {
    let e = crate::sql::parse_expr(text)?;
    let mut lookup = |_: &ast::ObjectName, _: bool| -> Result<crate::catalog::Relation> {
        Err(EngineError::new(
            SqlState::FeatureNotSupported,
            "cannot use subquery in DEFAULT expression",
        ))
    };
    let mut b = Binder::new(Vec::new(), &mut lookup);
    let x = b.bind(&e, &Scope::default())?;
    b.coerce(x, ty, CastKind::Assignment)
}

/// Evaluates a constant SQL expression (a DEFAULT) as a value of `ty`.
pub fn eval_constant<T: Transaction>(
    txn: &mut T,
    text: &str,
    ty: SqlType,
    now: i64,
) -> Result<Value> {
    let bound = bind_default_text(text, ty)?;
    let mut ctx = Ctx::new(txn, &[], now);
    bound.eval(&[], &mut ctx)
}

/// Checks a new DEFAULT: it must bind as the column's type; a constant
/// one is also evaluated (so `1/0` fails now), a volatile one such as
/// `nextval(...)` is not run.
fn check_default<T: Transaction>(text: &str, ty: SqlType, txn: &mut T, now: i64) -> Result<()> {
    let bound = bind_default_text(text, ty)?;
    if bound.is_constant() {
        let mut ctx = Ctx::new(txn, &[], now);
        bound.eval(&[], &mut ctx)?;
    }
    Ok(())
}

/// `ALTER COLUMN ... ADD GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY`.
pub fn add_identity<T: Transaction>(
    txn: &mut T,
    table: &mut TableDesc,
    pos: usize,
    always: bool,
    options: crate::sql::sequence::SeqOptions,
) -> Result<()> {
    let c = &table.columns[pos];
    let err = |state, what: &str| {
        Err(EngineError::new(
            state,
            format!(
                "column \"{}\" of relation \"{}\" {what}",
                c.name, table.name
            ),
        ))
    };
    if c.identity.is_some() {
        return err(
            SqlState::ObjectNotInPrerequisiteState,
            "is already an identity column",
        );
    }
    if c.default.is_some() {
        return err(
            SqlState::ObjectNotInPrerequisiteState,
            "already has a default value",
        );
    }
    if !c.not_null {
        return err(
            SqlState::ObjectNotInPrerequisiteState,
            "must be declared NOT NULL before identity can be added",
        );
    }
    let generator = crate::exec::ddl::Generator::Identity { always, options };
    crate::exec::ddl::create_column_sequence(txn, table, pos, &generator)
}

/// `ALTER COLUMN ... SET STATISTICS n` or `SET STORAGE kind`, checked as
/// PostgreSQL checks them; returns the warning of a lowered target.
fn set_column_option(
    table: &mut TableDesc,
    pos: usize,
    option: crate::sql::column_options::ColumnOption,
) -> Result<Option<String>> {
    use crate::sql::column_options::ColumnOption;
    let col = &mut table.columns[pos];
    match option {
        ColumnOption::DropExpression(if_exists) => {
            if col.generated {
                // The stored values stay; the column becomes a plain one.
                col.generated = false;
                col.default = None;
                return Ok(None);
            }
            let msg = format!(
                "column \"{}\" of relation \"{}\" is not a stored generated column",
                col.name, table.name
            );
            if if_exists {
                return Ok(Some(format!("{msg}, skipping")));
            }
            Err(EngineError::new(
                SqlState::ObjectNotInPrerequisiteState,
                msg,
            ))
        }
        ColumnOption::Statistics(n) if n < -1 => Err(EngineError::new(
            SqlState::InvalidParameterValue,
            format!("statistics target {n} is too low"),
        )),
        ColumnOption::Statistics(n) if n > MAX_STATISTICS_TARGET => {
            col.stat_target = Some(MAX_STATISTICS_TARGET as i32);
            Ok(Some(STATISTICS_LOWERED.to_string()))
        }
        ColumnOption::Statistics(n) => {
            col.stat_target = (n != -1).then_some(n as i32);
            Ok(None)
        }
        ColumnOption::Storage(name) => {
            let kind = match name.as_str() {
                "plain" => b'p',
                "external" => b'e',
                "extended" => b'x',
                "main" => b'm',
                _ => {
                    return Err(EngineError::new(
                        SqlState::InvalidParameterValue,
                        format!("invalid storage type \"{name}\""),
                    ))
                }
            };
            let default = crate::syscat::rows::storage(&col.ty).as_bytes()[0];
            if kind != b'p' && default == b'p' {
                return Err(EngineError::new(
                    SqlState::FeatureNotSupported,
                    format!(
                        "column data type {} can only have storage PLAIN",
                        col.ty.display_name()
                    ),
                ));
            }
            col.storage = (kind != default).then_some(kind);
            Ok(None)
        }
    }
}

/// The largest statistics target (PostgreSQL's `MAX_STATISTICS_TARGET`).
const MAX_STATISTICS_TARGET: i64 = 10000;

/// The warning for a statistics target above [`MAX_STATISTICS_TARGET`].
pub const STATISTICS_LOWERED: &str = "lowering statistics target to 10000";

fn has_rows<T: Transaction>(txn: &mut T, table: &TableDesc) -> Result<bool> {
    let mut cursor = seek_rows(txn, table, Direction::Forward)?;
    Ok(txn.next(&mut cursor)?.is_some())
}

fn column_position(table: &TableDesc, name: &str) -> Result<usize> {
    table.column_index(name).ok_or_else(|| {
        EngineError::new(
            SqlState::UndefinedColumn,
            format!(
                "column \"{name}\" of relation \"{}\" does not exist",
                table.name
            ),
        )
    })
}

/// ALTER TABLE; returns notices. `user` is the session's (for OWNER
/// TO); `sequences` numbers the existing rows
/// of a new serial or identity column, as PostgreSQL's rewrite does.
/// Row rewrites and checks stop with 57014 when `interrupt` fires.
pub fn alter_table<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    at: &ast::AlterTable,
    now: i64,
    user: &str,
    sequences: &SequenceAccess<'_>,
    interrupt: &mut Interrupt,
) -> Result<Vec<String>> {
    use crate::sql::alter_owner::AlterKind;
    let Some(kind) = crate::sql::alter_owner::of(at) else {
        return Err(EngineError::unsupported("ALTER TABLE ... ON CLUSTER"));
    };
    if at.location.is_some() {
        return Err(EngineError::unsupported("ALTER TABLE ... SET LOCATION"));
    }
    if let [AlterTableOperation::OwnerTo { new_owner }] = at.operations.as_slice() {
        // Any relation: PostgreSQL's ALTER TABLE ... OWNER TO also takes
        // views, indexes and sequences.
        let (schema, name) = crate::catalog::temp::existing_schema(
            txn,
            path,
            &at.name,
            Some("alter"),
            |txn, s, n| catalog::relation_exists(txn, s, n),
        )?;
        if !catalog::relation_exists(txn, &schema, &name)? {
            if at.if_exists {
                return Ok(vec![format!(
                    "relation \"{name}\" does not exist, skipping"
                )]);
            }
            return Err(EngineError::new(
                SqlState::UndefinedTable,
                format!("relation \"{name}\" does not exist"),
            ));
        }
        let wrong = match kind {
            AlterKind::Table => None,
            AlterKind::View => catalog::lookup_view(txn, &schema, &name)?
                .is_none()
                .then_some("a view"),
            AlterKind::Index => catalog::index_owner(txn, &schema, &name)?
                .is_none()
                .then_some("an index"),
        };
        if let Some(what) = wrong {
            return Err(EngineError::new(
                SqlState::WrongObjectType,
                format!("\"{name}\" is not {what}"),
            ));
        }
        let role = crate::exec::owner::role_name(new_owner);
        crate::exec::owner::check_new_owner(role.as_deref(), user)?;
        return Ok(Vec::new());
    }
    if kind == AlterKind::View && at.operations.len() == 1 {
        return crate::exec::views::alter_view(txn, path, at);
    }
    if kind != AlterKind::Table {
        // `ALTER VIEW v OWNER TO r, ...`: one action only there.
        return Err(EngineError::new(
            SqlState::SyntaxError,
            "syntax error at or near \",\"",
        ));
    }
    let (schema, name) = existing_table(txn, path, &at.name, "alter")?;
    if let Some(Some(kind)) = crate::exec::ddl::other_relation(txn, &schema, &name)? {
        return alter_other_relation(txn, path, at, &schema, &name, kind);
    }
    let mut notices = Vec::new();
    let Some(mut table) =
        catalog::lock::lock_named(txn, &schema, &name, LockMode::AccessExclusive)?
    else {
        if at.if_exists {
            return Ok(vec![format!(
                "relation \"{name}\" does not exist, skipping"
            )]);
        }
        return Err(EngineError::new(
            SqlState::UndefinedTable,
            format!("relation \"{name}\" does not exist"),
        ));
    };
    let row_before = crate::catalog::row_type::table_row_def(&table);
    if let [op] = at.operations.as_slice() {
        if let Some(to) = crate::sql::set_schema::target(op) {
            crate::exec::schema_ddl::move_table(txn, &table, &to)?;
            return Ok(notices);
        }
    }
    // ADD COLUMN's PRIMARY KEY and UNIQUE options run as the ADD
    // CONSTRAINT that follows it (see `split_column_keys`).
    let mut queue: std::collections::VecDeque<AlterTableOperation> =
        at.operations.iter().cloned().collect();
    while let Some(owned) = queue.pop_front() {
        let op = &owned;
        match op {
            AlterTableOperation::AddColumn {
                if_not_exists,
                column_def,
                ..
            } => {
                let (column_def, column_keys) =
                    crate::exec::primary_key_ddl::split_column_keys(column_def);
                let (column_def, column_fks) =
                    crate::exec::foreign_key_ddl::split_column_fks(&column_def);
                let (column_def, column_checks) =
                    crate::exec::checks::split_column_checks(&column_def);
                let user_type =
                    crate::catalog::user_type::column_user_type(txn, path, &column_def.data_type)?;
                let (mut col, _, _) = column_desc_full(&column_def, user_type)?;
                col.domain =
                    crate::catalog::user_type::column_domain(txn, path, &column_def.data_type)?;
                let generator = crate::exec::ddl::column_generator(&column_def, &table.name)?;
                if table.column_index(&col.name).is_some() {
                    if *if_not_exists {
                        notices.push(format!(
                            "column \"{}\" of relation \"{}\" already exists, skipping",
                            col.name, table.name
                        ));
                        continue;
                    }
                    return Err(EngineError::new(
                        SqlState::DuplicateColumn,
                        format!(
                            "column \"{}\" of relation \"{}\" already exists",
                            col.name, table.name
                        ),
                    ));
                }
                // A column without a default takes its domain's.
                let domain_default = col.domain.and_then(|d| d.default_for(col.ty));
                let missing = match col.default.as_ref().or(domain_default) {
                    Some(d) if !col.generated => eval_constant(txn, d, col.ty, now)?,
                    _ => Value::Null,
                };
                // The existing rows get the value: it must be the domain's.
                if let Some(d) = col.domain {
                    if has_rows(txn, &table)? {
                        let coercion =
                            crate::plan::domain_check::DomainCoercion::for_type(d, col.ty)?;
                        coercion.check(&missing, &mut crate::exec::ctx::Ctx::new(txn, &[], now))?;
                    }
                }
                if col.not_null
                    && missing.is_null()
                    && generator.is_none()
                    && !col.generated
                    && has_rows(txn, &table)?
                {
                    return Err(EngineError::new(
                        SqlState::NotNullViolation,
                        format!(
                            "column \"{}\" of relation \"{}\" contains null values",
                            col.name, table.name
                        ),
                    )
                    .with_column(&table.schema, &table.name, &col.name));
                }
                col.missing = (!missing.is_null()).then_some(missing);
                let (generated, not_null) = (col.generated, col.not_null);
                table.columns.push(col);
                if generated {
                    let pos = table.columns.len() - 1;
                    crate::exec::generated::fill(txn, &table, pos, now, interrupt)?;
                    if not_null {
                        check_not_null(txn, &table, &[pos], interrupt)?;
                    }
                }
                if let Some(g) = &generator {
                    let pos = table.columns.len() - 1;
                    crate::exec::ddl::create_column_sequence(txn, &mut table, pos, g)?;
                    fill_from_sequence(txn, &table, pos, sequences, interrupt)?;
                }
                for c in &column_checks {
                    crate::exec::checks::add_check(txn, &mut table, c, false, now, interrupt)?;
                }
                for k in &column_fks {
                    crate::exec::foreign_key_ddl::add_fk(
                        txn, path, &mut table, k, false, now, interrupt,
                    )?;
                }
                for constraint in column_keys.into_iter().rev() {
                    queue.push_front(AlterTableOperation::AddConstraint {
                        constraint,
                        not_valid: false,
                    });
                }
            }
            AlterTableOperation::DropColumn {
                column_names,
                if_exists,
                drop_behavior,
                ..
            } => {
                let cascade = matches!(drop_behavior, Some(ast::DropBehavior::Cascade));
                for c in column_names {
                    let n = ident_name(c);
                    let Some(pos) = table.column_index(&n) else {
                        if *if_exists {
                            notices.push(format!(
                                "column \"{n}\" of relation \"{}\" does not exist, skipping",
                                table.name
                            ));
                            continue;
                        }
                        return Err(column_position(&table, &n).unwrap_err());
                    };
                    let readers = crate::exec::generated::readers(&table, pos)?;
                    if !readers.is_empty() {
                        let what = format!("column {n} of table {}", table.name);
                        let names: Vec<String> = readers
                            .iter()
                            .map(|&g| {
                                format!("column {} of table {}", table.columns[g].name, table.name)
                            })
                            .collect();
                        if !cascade {
                            let lines: Vec<String> = names
                                .iter()
                                .map(|d| format!("{d} depends on {what}"))
                                .collect();
                            return Err(crate::exec::dependents::still_exist(&what, &lines));
                        }
                        for &g in &readers {
                            notices.extend(drop_column_at(txn, &mut table, g, cascade)?);
                        }
                        notices.extend(crate::exec::dependents::cascade_notice(&names));
                    }
                    notices.extend(crate::exec::view_rename::drop_column_views(
                        txn, path, &table, &n, cascade,
                    )?);
                    notices.extend(drop_column_at(txn, &mut table, pos, cascade)?);
                }
            }
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => {
                let (old, new) = (ident_name(old_column_name), ident_name(new_column_name));
                let pos = column_position(&table, &old)?;
                if table.column_index(&new).is_some() {
                    return Err(EngineError::new(
                        SqlState::DuplicateColumn,
                        format!(
                            "column \"{new}\" of relation \"{}\" already exists",
                            table.name
                        ),
                    ));
                }
                crate::exec::checks::rename_column_checks(&mut table, &old, &new)?;
                crate::exec::generated::rename_column(&mut table, &old, &new)?;
                crate::exec::index_ddl::rename_index_column_refs(&mut table, &old, &new)?;
                crate::exec::view_rename::follow(
                    txn,
                    crate::exec::view_rename::Rename::Column {
                        schema: &table.schema,
                        relation: &table.name,
                        old: &old,
                        new: &new,
                    },
                )?;
                table.columns[pos].name = new;
            }
            AlterTableOperation::RenameTable { table_name: to } => {
                let to = match to {
                    ast::RenameTableNameKind::As(n) | ast::RenameTableNameKind::To(n) => n,
                };
                let new = table_name(to)?;
                if catalog::relation_exists(txn, &table.schema, &new)? {
                    return Err(EngineError::new(
                        SqlState::DuplicateTable,
                        format!("relation \"{new}\" already exists"),
                    ));
                }
                crate::exec::view_rename::follow(
                    txn,
                    crate::exec::view_rename::Rename::Relation {
                        schema: &table.schema,
                        name: &table.name,
                        to_schema: &table.schema,
                        to_name: &new,
                    },
                )?;
                // The statistics stay with the renamed table.
                let stats = catalog::statistic::load(txn, table.id)?;
                catalog::drop_table(txn, &table)?;
                if table.primary().name == format!("{}_pkey", table.name) {
                    // PostgreSQL keeps the index name; so do we.
                }
                table.name = new;
                catalog::create_table(txn, &table)?;
                if let Some(s) = stats {
                    catalog::statistic::store(txn, &s)?;
                }
            }
            AlterTableOperation::AlterColumn { column_name, op } => {
                let pos = column_position(&table, &ident_name(column_name))?;
                match op {
                    AlterColumnOperation::SetDefault { value }
                        if crate::sql::column_options::of(value).is_some() =>
                    {
                        let option =
                            crate::sql::column_options::of(value).expect("checked by the guard");
                        notices.extend(set_column_option(&mut table, pos, option)?);
                    }
                    AlterColumnOperation::SetDefault { .. } | AlterColumnOperation::DropDefault
                        if table.columns[pos].generated =>
                    {
                        let e = EngineError::new(
                            SqlState::SyntaxError,
                            format!(
                                "column \"{}\" of relation \"{}\" is a generated column",
                                table.columns[pos].name, table.name
                            ),
                        );
                        return Err(if matches!(op, AlterColumnOperation::DropDefault) {
                            e.with_hint(
                                "Use ALTER TABLE ... ALTER COLUMN ... DROP EXPRESSION instead.",
                            )
                        } else {
                            e
                        });
                    }
                    AlterColumnOperation::SetDefault { value } => {
                        if table.columns[pos].identity.is_some() {
                            return Err(EngineError::new(
                                SqlState::SyntaxError,
                                format!(
                                    "column \"{}\" of relation \"{}\" is an identity column",
                                    table.columns[pos].name, table.name
                                ),
                            ));
                        }
                        let text = value.to_string();
                        check_default(&text, table.columns[pos].ty, txn, now)?;
                        table.columns[pos].default = Some(text);
                    }
                    AlterColumnOperation::AddGenerated {
                        generated_as,
                        sequence_options,
                    } => {
                        add_identity(
                            txn,
                            &mut table,
                            pos,
                            !matches!(generated_as, Some(ast::GeneratedAs::ByDefault)),
                            crate::exec::ddl::identity_options(
                                sequence_options.as_deref().unwrap_or_default(),
                            ),
                        )?;
                    }
                    AlterColumnOperation::DropDefault => table.columns[pos].default = None,
                    AlterColumnOperation::DropNotNull => {
                        if table.primary().columns.iter().any(|ic| ic.column == pos) {
                            return Err(EngineError::new(
                                SqlState::InvalidTableDefinition,
                                format!(
                                    "column \"{}\" is in a primary key",
                                    table.columns[pos].name
                                ),
                            ));
                        }
                        table.columns[pos].not_null = false;
                    }
                    AlterColumnOperation::SetNotNull => {
                        check_not_null(txn, &table, &[pos], interrupt)?;
                        table.columns[pos].not_null = true;
                    }
                    AlterColumnOperation::SetDataType {
                        data_type, using, ..
                    } => {
                        if using.is_some() {
                            return Err(EngineError::unsupported("ALTER COLUMN TYPE ... USING"));
                        }
                        crate::exec::row_type_deps::check_type_change(txn, &table)?;
                        if crate::catalog::user_type::column_domain(txn, path, data_type)?.is_some()
                        {
                            return Err(EngineError::unsupported("ALTER COLUMN TYPE to a domain"));
                        }
                        let to =
                            crate::exec::ddl::column_type(&table.columns[pos].name, data_type)?;
                        crate::exec::generated::check_type_change(&table, pos)?;
                        change_type(txn, &mut table, pos, to, interrupt)?;
                        // The rewritten rows must still pass the checks.
                        for c in table.checks.clone() {
                            if crate::plan::check::check_reads(&table, &c, pos)? {
                                let e = crate::sql::parse_expr(&c.expr)?;
                                crate::exec::checks::validate(
                                    txn, &table, &c.name, &e, now, interrupt,
                                )?;
                            }
                        }
                    }
                }
            }
            AlterTableOperation::AddConstraint {
                constraint: ast::TableConstraint::Check(c),
                not_valid,
            } => crate::exec::checks::add_check(txn, &mut table, c, *not_valid, now, interrupt)?,
            AlterTableOperation::AddConstraint {
                constraint: ast::TableConstraint::ForeignKey(c),
                not_valid,
            } => crate::exec::foreign_key_ddl::add_fk(
                txn, path, &mut table, c, *not_valid, now, interrupt,
            )?,
            AlterTableOperation::AddConstraint {
                constraint: ast::TableConstraint::Unique(u),
                not_valid: false,
            } => crate::exec::unique_ddl::add_unique(txn, &mut table, u, now, interrupt)?,
            AlterTableOperation::AddConstraint {
                constraint,
                not_valid: true,
            } => {
                let kind = match constraint {
                    ast::TableConstraint::PrimaryKey(_) => "PRIMARY KEY",
                    ast::TableConstraint::Unique(_) => "UNIQUE",
                    other => {
                        return Err(EngineError::unsupported(format!(
                            "constraint {other} NOT VALID"
                        )))
                    }
                };
                return Err(EngineError::new(
                    SqlState::FeatureNotSupported,
                    format!("{kind} constraints cannot be marked NOT VALID"),
                ));
            }
            AlterTableOperation::ValidateConstraint { name }
                if crate::exec::foreign_key_ddl::validate_fk(
                    txn,
                    &mut table,
                    &ident_name(name),
                    now,
                    interrupt,
                )? => {}
            AlterTableOperation::ValidateConstraint { name } => {
                crate::exec::checks::validate_constraint(
                    txn,
                    &mut table,
                    &ident_name(name),
                    now,
                    interrupt,
                )?;
            }
            AlterTableOperation::DropConstraint { name, .. }
                if crate::exec::foreign_key_ddl::drop_fk(&mut table, &ident_name(name)) => {}
            AlterTableOperation::DropConstraint {
                if_exists,
                name,
                drop_behavior,
            } => {
                let n = ident_name(name);
                if let Some(ix) = table
                    .indexes
                    .iter()
                    .find(|ix| ix.name == n && ix.constraint_oid != 0)
                {
                    let id = ix.id;
                    let what = format!("constraint {n} on table {}", table.name);
                    notices.extend(crate::exec::foreign_key_ddl::drop_dependent_fks(
                        txn,
                        &mut table,
                        |f| f.parent_index == id,
                        (&what, &format!("index {n}")),
                        matches!(drop_behavior, Some(ast::DropBehavior::Cascade)),
                    )?);
                }
                notices.extend(crate::exec::checks::drop_constraint(
                    txn,
                    &mut table,
                    &ident_name(name),
                    *if_exists,
                )?);
            }
            AlterTableOperation::RenameConstraint { old_name, new_name } => {
                crate::exec::checks::rename_constraint(
                    txn,
                    &mut table,
                    &ident_name(old_name),
                    &ident_name(new_name),
                )?;
            }
            AlterTableOperation::AddConstraint { constraint, .. } => match constraint {
                ast::TableConstraint::PrimaryKey(p) => {
                    crate::exec::ddl::check_primary_key(p)?;
                    crate::exec::primary_key_ddl::check_no_primary_key(&table)?;
                    if crate::exec::deferred_unique::deferral(&p.characteristics)?.0 {
                        crate::exec::primary_key_ddl::add_deferrable_primary_key(
                            txn, &mut table, p, now, interrupt,
                        )?;
                        continue;
                    }
                    if !table.has_hidden_rowid() {
                        return Err(EngineError::new(
                            SqlState::InvalidTableDefinition,
                            format!(
                                "multiple primary keys for table \"{}\" are not allowed",
                                table.name
                            ),
                        ));
                    }
                    let mut cols = Vec::new();
                    for c in &p.columns {
                        let ast::Expr::Identifier(id) = &c.column.expr else {
                            return Err(EngineError::unsupported("expressions in a primary key"));
                        };
                        let column = column_position(&table, &ident_name(id))?;
                        crate::exec::ddl::check_key_column(&table.columns[column])?;
                        cols.push(IndexColumn {
                            column,
                            expr: None,
                            descending: false,
                            nulls_first: false,
                        });
                    }
                    let name = crate::exec::primary_key_ddl::primary_key_name(txn, &table, p)?;
                    let include = crate::exec::primary_key_ddl::include_positions(
                        &p.include,
                        &table.columns,
                    )?;
                    table = add_primary_key(txn, table, cols, name, now, interrupt)?;
                    table.indexes[0].include = include;
                }
                other => {
                    return Err(EngineError::unsupported(format!(
                        "constraint {other} (being built)"
                    )))
                }
            },
            AlterTableOperation::OwnerTo { new_owner } => {
                let role = crate::exec::owner::role_name(new_owner);
                crate::exec::owner::check_new_owner(role.as_deref(), user)?;
            }
            other => return Err(EngineError::unsupported(format!("ALTER TABLE {other}"))),
        }
    }
    crate::exec::row_type_deps::check_alter(txn, row_before, &table)?;
    catalog::update_table(txn, &table)?;
    Ok(notices)
}

/// ALTER COLUMN TYPE: converts every stored value with the assignment
/// cast (rows are rewritten in place; key columns cannot change type yet).
fn change_type<T: Transaction>(
    txn: &mut T,
    table: &mut TableDesc,
    pos: usize,
    to: crate::types::SqlType,
    interrupt: &mut Interrupt,
) -> Result<()> {
    let from = table.columns[pos].ty;
    let keyed = table.indexes.iter().any(|ix| {
        ix.columns
            .iter()
            .any(|ic| ic.expr.is_some() || ic.column == pos)
    });
    if keyed {
        return Err(EngineError::unsupported(
            "changing the type of an indexed column",
        ));
    }
    if !crate::types::can_cast(&from, &to, CastKind::Assignment) {
        return Err(EngineError::new(
            SqlState::DatatypeMismatch,
            format!(
                "column \"{}\" cannot be cast automatically to type {}",
                table.columns[pos].name,
                to.display_name()
            ),
        )
        .with_hint(format!(
            "You might need to specify \"USING {}::{}\".",
            table.columns[pos].name,
            to.display_name()
        )));
    }
    let old = table.clone();
    table.columns[pos].ty = to;
    table.columns[pos].domain = None;
    if let Some(m) = table.columns[pos].missing.take() {
        table.columns[pos].missing = Some(crate::types::cast_from(
            m,
            &from,
            &to,
            CastKind::Assignment,
        )?);
    }
    rewrite_rows(txn, &old, interrupt, |_, row| {
        let v = std::mem::replace(&mut row[pos], Value::Null);
        row[pos] = if v.is_null() {
            v
        } else {
            crate::types::cast_from(v, &from, &to, CastKind::Assignment)?
        };
        Ok(())
    })
}

/// Drops column `pos` of `table` with what depends on it: foreign keys
/// (2BP01 without `cascade`), indexes and checks that read it, its owned
/// sequences. Returns the notices.
pub(crate) fn drop_column_at<T: Transaction>(
    txn: &mut T,
    table: &mut TableDesc,
    pos: usize,
    cascade: bool,
) -> Result<Vec<String>> {
    let mut notices = Vec::new();
    let n = table.columns[pos].name.clone();
    let what = format!("column {n} of table {}", table.name);
    notices.extend(crate::exec::foreign_key_ddl::drop_dependent_fks(
        txn,
        table,
        |f| f.parent_columns.contains(&pos),
        (&what, &what),
        cascade,
    )?);
    if table.primary().columns.iter().any(|ic| ic.column == pos) {
        return Err(EngineError::unsupported("dropping a primary-key column"));
    }
    // Indexes on the column go with it, as in PostgreSQL.
    let mut doomed: Vec<String> = Vec::new();
    for ix in &table.indexes[1..] {
        if crate::exec::index_ddl::index_reads_column(table, ix, pos)? {
            doomed.push(ix.name.clone());
        }
    }
    for name in doomed {
        catalog::unregister_index_name(txn, &table.schema, &name)?;
        table.indexes.retain(|ix| ix.name != name);
    }
    // So do the checks that read it, its foreign keys and its
    // sequences.
    crate::exec::checks::drop_column_checks(table, pos)?;
    crate::exec::foreign_key_ddl::drop_column_fks(table, pos);
    for seq in catalog::sequence::owned_by_table(txn, table.id)? {
        if seq.owner.is_some_and(|o| o.column as usize == pos) {
            catalog::sequence::drop_sequence(txn, &seq)?;
        }
    }
    table.columns[pos].identity = None;
    let col = &mut table.columns[pos];
    col.dropped = true;
    col.name = format!("........pg.dropped.{}........", pos + 1);
    col.not_null = false;
    col.default = None;
    col.generated = false;
    col.missing = None;
    Ok(notices)
}

/// Gives every existing row of `table` the next value of the sequence
/// that owns column `pos` (a column just added), in scan order.
fn fill_from_sequence<T: Transaction>(
    txn: &mut T,
    table: &TableDesc,
    pos: usize,
    sequences: &SequenceAccess<'_>,
    interrupt: &mut Interrupt,
) -> Result<()> {
    let seq = catalog::sequence::owned_by_table(txn, table.id)?
        .into_iter()
        .find(|s| s.owner.is_some_and(|o| o.column as usize == pos))
        .ok_or_else(|| EngineError::internal("serial column without its sequence"))?;
    rewrite_rows(txn, table, interrupt, |_, row| {
        let n = sequences.nextval(&seq)?;
        row[pos] = crate::types::cast_from(
            Value::Int8(n),
            &SqlType::Int8,
            &table.columns[pos].ty,
            CastKind::Assignment,
        )?;
        Ok(())
    })
}

/// 23502 "column ... contains null values" when a row of `table` has a
/// NULL in one of `cols`.
pub(crate) fn check_not_null<T: Transaction>(
    txn: &mut T,
    table: &TableDesc,
    cols: &[usize],
    interrupt: &mut Interrupt,
) -> Result<()> {
    let mut cursor = seek_rows(txn, table, Direction::Forward)?;
    let mut row = Vec::new();
    loop {
        interrupt.check()?;
        let Some((_, v)) = txn.next(&mut cursor)? else {
            break;
        };
        decode_values(table, v, &mut row)?;
        for &c in cols {
            if row[c].is_null() {
                return Err(EngineError::new(
                    SqlState::NotNullViolation,
                    format!(
                        "column \"{}\" of relation \"{}\" contains null values",
                        table.columns[c].name, table.name
                    ),
                )
                .with_column(&table.schema, &table.name, &table.columns[c].name));
            }
        }
    }
    Ok(())
}

/// Re-keys a hidden-row-id table by `cols` into a fresh storage id (its
/// secondary indexes are rebuilt there: their entries hold the new keys).
fn add_primary_key<T: Transaction>(
    txn: &mut T,
    mut table: TableDesc,
    cols: Vec<IndexColumn>,
    name: String,
    now: i64,
    interrupt: &mut Interrupt,
) -> Result<TableDesc> {
    if catalog::relation_exists(txn, &table.schema, &name)? {
        return Err(EngineError::new(
            SqlState::DuplicateTable,
            format!("relation \"{name}\" already exists"),
        ));
    }
    // The hidden row-id index has no name of its own; databases written by
    // older versions registered one, which must not outlive it.
    catalog::unregister_owned_index_name(txn, &table.schema, &table.indexes[0].name, table.id)?;
    catalog::register_index_name(txn, &table.schema, &name, table.id)?;
    let old = table.clone();
    let new_storage = catalog::allocate_id(txn)?;
    table.storage_id = new_storage;
    table.indexes[0].columns = cols.clone();
    table.indexes[0].name = name.clone();
    for ic in &cols {
        table.columns[ic.column].not_null = true;
    }
    let mut cursor = seek_rows(txn, &old, Direction::Forward)?;
    let mut row = Vec::new();
    let mut key = Vec::new();
    let mut value = Vec::new();
    let mut existing = Vec::new();
    loop {
        interrupt.check()?;
        match txn.next(&mut cursor)? {
            None => break,
            Some((_, v)) => {
                value.clear();
                value.extend_from_slice(v);
            }
        }
        decode_values(&old, &value, &mut row)?;
        for ic in &cols {
            if row[ic.column].is_null() {
                return Err(EngineError::new(
                    SqlState::NotNullViolation,
                    format!(
                        "column \"{}\" of relation \"{}\" contains null values",
                        table.columns[ic.column].name, table.name
                    ),
                )
                .with_column(
                    &table.schema,
                    &table.name,
                    &table.columns[ic.column].name,
                ));
            }
        }
        primary_key(&mut key, &table, &row, 0)?;
        if txn.get_for_update(&key, &mut existing)? {
            let names: Vec<&str> = cols
                .iter()
                .map(|ic| table.columns[ic.column].name.as_str())
                .collect();
            let vals: Vec<Value> = cols.iter().map(|ic| row[ic.column].clone()).collect();
            return Err(EngineError::new(
                SqlState::UniqueViolation,
                format!("could not create unique index \"{name}\""),
            )
            .with_detail(format!(
                "Key ({})={} is duplicated.",
                names.join(", "),
                describe_row(&vals)
            )));
        }
        encode_values(&mut value, &row);
        txn.put(&key, &value)?;
    }
    crate::exec::primary_key_ddl::rebuild_secondary_indexes(txn, &table, now, interrupt)?;
    Ok(table)
}

/// TRUNCATE a, b, ...
/// With `restart` (RESTART IDENTITY) the sequences the tables' columns
/// own restart at their START in the same transaction. A table with
/// deferred checks pending (`pending` says) cannot be truncated (55006,
/// PostgreSQL's "pending trigger events").
pub fn truncate<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    names: &[ast::ObjectName],
    restart: Option<&crate::exec::sequence::SequenceAccess<'_>>,
    pending: &dyn Fn(u32) -> bool,
) -> Result<()> {
    let mut tables = Vec::new();
    for n in names {
        let (schema, name) = existing_table(txn, path, n, "truncate")?;
        let table = catalog::lock::lock_named(txn, &schema, &name, LockMode::AccessExclusive)?
            .ok_or_else(|| {
                EngineError::new(
                    SqlState::UndefinedTable,
                    format!("relation \"{name}\" does not exist"),
                )
            })?;
        if pending(table.id) {
            return Err(EngineError::new(
                SqlState::ObjectInUse,
                format!(
                    "cannot TRUNCATE \"{}\" because it has pending trigger events",
                    table.name
                ),
            ));
        }
        tables.push(table);
    }
    for mut t in tables {
        t.storage_id = catalog::allocate_id(txn)?;
        catalog::update_table(txn, &t)?;
        if let Some(access) = restart {
            for seq in catalog::sequence::owned_by_table(txn, t.id)? {
                access.restart_in_transaction(seq.oid, seq.params.start);
            }
        }
    }
    Ok(())
}

/// ALTER VIEW's one action on view `schema.name`, as ALTER TABLE does it
/// on a view.
pub(crate) fn alter_view_relation<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    at: &ast::AlterTable,
    schema: &str,
    name: &str,
) -> Result<Vec<String>> {
    alter_other_relation(
        txn,
        path,
        at,
        schema,
        name,
        crate::exec::ddl::RelationKind::View,
    )
}

/// `ALTER TABLE` naming a sequence, view or index: RENAME TO works on
/// all three, SET SCHEMA on sequences and views, RENAME COLUMN on views,
/// as in PostgreSQL; the actions PostgreSQL refuses fail with its 42809
/// and DETAIL; the rest with 0A000.
fn alter_other_relation<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    at: &ast::AlterTable,
    schema: &str,
    name: &str,
    kind: crate::exec::ddl::RelationKind,
) -> Result<Vec<String>> {
    use crate::exec::ddl::RelationKind;
    let operations = at.operations.as_slice();
    if let [op] = operations {
        if let Some(to) = crate::sql::set_schema::target(op) {
            if kind == RelationKind::Sequence {
                let Some(mut desc) = catalog::sequence::lookup_sequence(txn, schema, name)? else {
                    return Err(EngineError::internal("sequence vanished"));
                };
                crate::exec::schema_ddl::move_sequence(txn, &mut desc, &to)?;
                return Ok(Vec::new());
            }
            if kind == RelationKind::View {
                let Some(view) = catalog::lookup_view(txn, schema, name)? else {
                    return Err(EngineError::internal("view vanished"));
                };
                crate::exec::views::move_view(txn, &view, &to)?;
                return Ok(Vec::new());
            }
            return Err(EngineError::unsupported(format!(
                "ALTER TABLE ... SET SCHEMA on {}",
                kind.plural()
            )));
        }
    }
    let refuse = |action: &str| {
        EngineError::new(
            SqlState::WrongObjectType,
            format!("ALTER action {action} cannot be performed on relation \"{name}\""),
        )
        .with_detail(format!(
            "This operation is not supported for {}.",
            kind.plural()
        ))
    };
    // PostgreSQL refuses at the first action.
    let Some(op) = operations.first() else {
        return Ok(Vec::new());
    };
    {
        let action = match op {
            AlterTableOperation::RenameTable { table_name: to } if operations.len() == 1 => {
                let to = match to {
                    ast::RenameTableNameKind::As(n) | ast::RenameTableNameKind::To(n) => n,
                };
                match kind {
                    RelationKind::Sequence => crate::exec::sequence_ddl::rename_named(
                        txn,
                        schema,
                        name,
                        &table_name(to)?,
                    )?,
                    RelationKind::Index => {
                        crate::exec::index_ddl::rename_index(txn, path, &at.name, to, false)?;
                    }
                    RelationKind::View => {
                        let Some(view) = catalog::lookup_view(txn, schema, name)? else {
                            return Err(EngineError::internal("view vanished"));
                        };
                        crate::exec::views::rename_view(txn, &view, &table_name(to)?)?;
                    }
                }
                return Ok(Vec::new());
            }
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } if kind == RelationKind::View && operations.len() == 1 => {
                let Some(view) = catalog::lookup_view(txn, schema, name)? else {
                    return Err(EngineError::internal("view vanished"));
                };
                crate::exec::views::rename_view_column(
                    txn,
                    &view,
                    &ident_name(old_column_name),
                    &ident_name(new_column_name),
                )?;
                return Ok(Vec::new());
            }
            AlterTableOperation::RenameColumn { .. } if kind != RelationKind::View => {
                return Err(EngineError::new(
                    SqlState::WrongObjectType,
                    format!("cannot rename columns of relation \"{name}\""),
                )
                .with_detail(format!(
                    "This operation is not supported for {}.",
                    kind.plural()
                )));
            }
            AlterTableOperation::AddColumn { .. } => "ADD COLUMN",
            AlterTableOperation::DropColumn { .. } => "DROP COLUMN",
            AlterTableOperation::AddConstraint { .. } => "ADD CONSTRAINT",
            AlterTableOperation::DropConstraint { .. } => "DROP CONSTRAINT",
            AlterTableOperation::AlterColumn { op, .. } => match op {
                ast::AlterColumnOperation::SetNotNull => "ALTER COLUMN ... SET NOT NULL",
                ast::AlterColumnOperation::DropNotNull => "ALTER COLUMN ... DROP NOT NULL",
                ast::AlterColumnOperation::SetDefault { .. } if kind != RelationKind::View => {
                    "ALTER COLUMN ... SET DEFAULT"
                }
                ast::AlterColumnOperation::DropDefault if kind != RelationKind::View => {
                    "ALTER COLUMN ... DROP DEFAULT"
                }
                ast::AlterColumnOperation::SetDataType { .. } => "ALTER COLUMN ... SET DATA TYPE",
                _ => return Err(EngineError::unsupported(format!("ALTER TABLE {op}"))),
            },
            other => return Err(EngineError::unsupported(format!("ALTER TABLE {other}"))),
        };
        Err(refuse(action))
    }
}
