//! CREATE, ALTER and DROP SEQUENCE, and the sequences of serial and
//! identity columns.
//!
//! Definitions are transactional catalog entries
//! ([`crate::catalog::sequence`]); the state a RESTART sets is not (see
//! [`crate::exec::sequence`]), as in PostgreSQL, where `ALTER SEQUENCE ...
//! RESTART` is not undone by a rollback either.
//!
//! Column defaults name their sequence as text (`nextval('s'::regclass)`),
//! so two things follow the text: DROP SEQUENCE finds the defaults that
//! use the sequence ([`default_sequence_names`]) and refuses (2BP01) or
//! with CASCADE drops them, and RENAME rewrites them.

use rocksgres_storage::{LockMode, Transaction};
use sqlparser::ast;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::catalog::sequence::{
    create_sequence, drop_sequence, lookup_sequence, rename_sequence, sequence_by_oid,
    update_sequence, Owner, SeqParams, SequenceDesc,
};
use crate::catalog::{self, temp, SearchPath, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::sequence::{resolve, SequenceAccess};
use crate::sql::identifiers::quote_ident;
use crate::sql::sequence::{AlterSequenceAction, IdentityAction, SeqOptions, SequenceStmt};
use crate::types::SqlType;

/// An object name from parts already case-folded.
pub fn object_name(parts: &[String]) -> ast::ObjectName {
    ast::ObjectName::from(
        parts
            .iter()
            .map(|p| ast::Ident::with_quote('"', p.as_str()))
            .collect::<Vec<_>>(),
    )
}

/// Runs a CREATE or ALTER SEQUENCE; returns the command tag and notices.
pub fn run<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    stmt: &SequenceStmt,
    access: &SequenceAccess<'_>,
    user: &str,
) -> Result<(&'static str, Vec<String>)> {
    match stmt {
        SequenceStmt::Create {
            temporary,
            unlogged,
            if_not_exists,
            name,
            options,
        } => {
            if *unlogged {
                return Err(EngineError::unsupported("unlogged sequences"));
            }
            let (schema, n, temp) =
                temp::creation_schema(txn, path, &object_name(name), *temporary)?;
            if temp {
                // The session's temp schema, made with its first object.
                temp::ensure_namespace(txn, &schema)?;
            }
            if *if_not_exists && catalog::relation_exists(txn, &schema, &n)? {
                return Ok((
                    "CREATE SEQUENCE",
                    vec![format!("relation \"{n}\" already exists, skipping")],
                ));
            }
            let (params, _) = SeqParams::define(options, None, SqlType::Int8)?;
            let owner = match &options.owned_by {
                Some(Some(target)) => Some(owner_of(txn, path, &schema, target)?),
                _ => None,
            };
            let oid = catalog::allocate_id(txn)?;
            create_sequence(
                txn,
                &SequenceDesc {
                    oid,
                    schema,
                    name: n,
                    params,
                    owner,
                },
            )?;
            Ok(("CREATE SEQUENCE", Vec::new()))
        }
        SequenceStmt::AlterIdentity {
            if_exists,
            table,
            column,
            action,
        } => {
            let notices = alter_identity(txn, path, *if_exists, table, column, action, access)?;
            Ok(("ALTER TABLE", notices))
        }
        SequenceStmt::Alter {
            if_exists,
            name,
            action,
        } => {
            let text = name
                .iter()
                .map(|p| format!("\"{}\"", p.replace('"', "\"\"")))
                .collect::<Vec<_>>()
                .join(".");
            let mut desc = match resolve(txn, path, &text) {
                Ok(d) => d,
                Err(e) if e.state == SqlState::UndefinedTable && *if_exists => {
                    let n = name.last().cloned().unwrap_or_default();
                    return Ok((
                        "ALTER SEQUENCE",
                        vec![format!("relation \"{n}\" does not exist, skipping")],
                    ));
                }
                Err(e) => return Err(e),
            };
            match action {
                AlterSequenceAction::Options(o) => alter_options(txn, path, &mut desc, o, access)?,
                AlterSequenceAction::RenameTo(new) => rename(txn, &mut desc, new)?,
                AlterSequenceAction::SetLogged(true) => {}
                AlterSequenceAction::SetLogged(false) => {
                    return Err(EngineError::unsupported("unlogged sequences"))
                }
                AlterSequenceAction::OwnerTo(role) => {
                    let role = match role.as_str() {
                        "current_user" | "current_role" | "session_user" => None,
                        r => Some(r),
                    };
                    crate::exec::owner::check_new_owner(role, user)?;
                }
                AlterSequenceAction::SetSchema(to) => {
                    crate::exec::schema_ddl::move_sequence(txn, &mut desc, to)?
                }
            }
            Ok(("ALTER SEQUENCE", Vec::new()))
        }
    }
}

/// `ALTER TABLE ... ALTER [COLUMN] c` with an identity action.
fn alter_identity<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    if_exists: bool,
    table: &[String],
    column: &str,
    action: &IdentityAction,
    access: &SequenceAccess<'_>,
) -> Result<Vec<String>> {
    let (schema, name) = crate::exec::ddl::existing_table(txn, path, &object_name(table), "alter")?;
    let Some(mut t) = catalog::lock::lock_named(txn, &schema, &name, LockMode::AccessExclusive)?
    else {
        if if_exists {
            return Ok(vec![format!(
                "relation \"{name}\" does not exist, skipping"
            )]);
        }
        return Err(EngineError::new(
            SqlState::UndefinedTable,
            format!("relation \"{name}\" does not exist"),
        ));
    };
    let pos = t.column_index(column).ok_or_else(|| {
        EngineError::new(
            SqlState::UndefinedColumn,
            format!(
                "column \"{column}\" of relation \"{}\" does not exist",
                t.name
            ),
        )
    })?;
    let not_identity = |what: &str| {
        EngineError::new(
            SqlState::ObjectNotInPrerequisiteState,
            format!(
                "column \"{column}\" of relation \"{}\" is not an identity column{what}",
                t.name
            ),
        )
    };
    match action {
        IdentityAction::Add { always, options } => {
            crate::exec::alter::add_identity(txn, &mut t, pos, *always, options.clone())?;
        }
        IdentityAction::SetGenerated(always) => {
            let Some(id) = t.columns[pos].identity.as_mut() else {
                return Err(not_identity(""));
            };
            id.always = *always;
        }
        IdentityAction::SetOptions(o) => {
            let Some(id) = t.columns[pos].identity else {
                return Err(not_identity(""));
            };
            let mut desc = sequence_by_oid(txn, id.sequence)?
                .ok_or_else(|| EngineError::internal("identity column without its sequence"))?;
            alter_options(txn, path, &mut desc, o, access)?;
            return Ok(Vec::new());
        }
        IdentityAction::Drop { if_exists } => {
            let Some(id) = t.columns[pos].identity else {
                if *if_exists {
                    return Ok(vec![not_identity(", skipping").message]);
                }
                return Err(not_identity(""));
            };
            if let Some(desc) = sequence_by_oid(txn, id.sequence)? {
                drop_sequence(txn, &desc)?;
            }
            t.columns[pos].identity = None;
        }
    }
    catalog::update_table(txn, &t)?;
    Ok(Vec::new())
}

fn alter_options<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    desc: &mut SequenceDesc,
    o: &SeqOptions,
    access: &SequenceAccess<'_>,
) -> Result<()> {
    let (params, restart) = SeqParams::define(o, Some(&desc.params), desc.params.ty)?;
    desc.params = params;
    match &o.owned_by {
        Some(Some(target)) => {
            if desc.owner.is_some_and(|ow| ow.identity) {
                return Err(EngineError::new(
                    SqlState::FeatureNotSupported,
                    "cannot change ownership of identity sequence",
                ));
            }
            desc.owner = Some(owner_of(txn, path, &desc.schema, target)?);
        }
        Some(None) => {
            if desc.owner.is_some_and(|ow| ow.identity) {
                return Err(EngineError::new(
                    SqlState::FeatureNotSupported,
                    "cannot change ownership of identity sequence",
                ));
            }
            desc.owner = None;
        }
        None => {}
    }
    update_sequence(txn, desc)?;
    if let Some(v) = restart {
        access.restart_in_transaction(desc.oid, v);
    }
    Ok(())
}

/// The column `OWNED BY [schema.]table.column` names.
fn owner_of<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    seq_schema: &str,
    target: &[String],
) -> Result<Owner> {
    let (table_parts, column) = match target {
        [t @ .., c] if !t.is_empty() => (t, c),
        _ => {
            return Err(
                EngineError::new(SqlState::SyntaxError, "invalid OWNED BY option")
                    .with_hint("Specify OWNED BY table.column or OWNED BY NONE."),
            )
        }
    };
    let (schema, table) = temp::existing_schema(
        txn,
        path,
        &object_name(table_parts),
        Some("access"),
        |txn, s, n| catalog::relation_exists(txn, s, n),
    )?;
    let Some(desc) = catalog::lookup_table(txn, &schema, &table)? else {
        if catalog::relation_exists(txn, &schema, &table)? {
            return Err(EngineError::new(
                SqlState::WrongObjectType,
                format!("sequence cannot be owned by relation \"{table}\""),
            ));
        }
        return Err(EngineError::new(
            SqlState::UndefinedTable,
            format!("relation \"{table}\" does not exist"),
        ));
    };
    if desc.schema != seq_schema {
        return Err(EngineError::new(
            SqlState::ObjectNotInPrerequisiteState,
            "sequence must be in same schema as table it is linked to",
        ));
    }
    let col = desc.column_index(column).ok_or_else(|| {
        EngineError::new(
            SqlState::UndefinedColumn,
            format!("column \"{column}\" of relation \"{table}\" does not exist"),
        )
    })?;
    Ok(Owner {
        table: desc.id,
        column: col as u32,
        identity: false,
    })
}

/// Renames sequence `schema.name` to `new` (ALTER TABLE ... RENAME TO on
/// a sequence).
pub fn rename_named<T: Transaction>(
    txn: &mut T,
    schema: &str,
    name: &str,
    new: &str,
) -> Result<()> {
    let Some(mut desc) = catalog::sequence::lookup_sequence(txn, schema, name)? else {
        return Err(EngineError::new(
            SqlState::UndefinedTable,
            format!("relation \"{name}\" does not exist"),
        ));
    };
    rename(txn, &mut desc, new)
}

fn rename<T: Transaction>(txn: &mut T, desc: &mut SequenceDesc, new: &str) -> Result<()> {
    if catalog::relation_exists(txn, &desc.schema, new)? {
        return Err(EngineError::new(
            SqlState::DuplicateTable,
            format!("relation \"{new}\" already exists"),
        ));
    }
    // Views naming it (in FROM or a sequence function's argument) follow,
    // as PostgreSQL's, which hold its OID.
    crate::exec::view_rename::follow(
        txn,
        crate::exec::view_rename::Rename::Relation {
            schema: &desc.schema,
            name: &desc.name,
            to_schema: &desc.schema,
            to_name: new,
        },
    )?;
    let old = desc.name.clone();
    rename_sequence(txn, desc, new)?;
    // Defaults naming the sequence follow it, as PostgreSQL's (which hold
    // its OID) do.
    for mut table in catalog::all_tables(txn)? {
        if table.schema != desc.schema {
            continue;
        }
        let mut changed = false;
        for c in &mut table.columns {
            if let Some(text) = &c.default {
                if let Some(new_text) = rename_in_default(text, &old, new) {
                    c.default = Some(new_text);
                    changed = true;
                }
            }
        }
        if changed {
            catalog::update_table(txn, &table)?;
        }
    }
    Ok(())
}

fn is_sequence_function(t: &Token) -> bool {
    matches!(t, Token::Word(w) if ["nextval", "currval", "setval"].iter().any(|f| w.value.eq_ignore_ascii_case(f)))
}

/// Folds a `regclass` literal to the sequence name it denotes (unqualified
/// or `public.`-qualified names only).
fn literal_name(lit: &str) -> Option<String> {
    let parts = crate::sql::sequence::parse_name(lit).ok()?;
    match parts.as_slice() {
        [n] => Some(n.clone()),
        [s, n] if s == catalog::DEFAULT_SCHEMA => Some(n.clone()),
        _ => None,
    }
}

/// The sequence names a DEFAULT expression passes to `nextval`, `currval`
/// or `setval` as literals.
pub fn default_sequence_names(text: &str) -> Vec<String> {
    let Ok(toks) = Tokenizer::new(&PostgreSqlDialect {}, text).tokenize() else {
        return Vec::new();
    };
    let sig: Vec<&Token> = toks
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let mut out = Vec::new();
    for w in sig.windows(3) {
        if let [f, Token::LParen, Token::SingleQuotedString(lit)] = w {
            if is_sequence_function(f) {
                out.extend(literal_name(lit));
            }
        }
    }
    out
}

/// `text` with the sequence literal naming `old` replaced by `new`; `None`
/// when it names no such sequence.
fn rename_in_default(text: &str, old: &str, new: &str) -> Option<String> {
    let mut toks = Tokenizer::new(&PostgreSqlDialect {}, text)
        .tokenize()
        .ok()?;
    let mut changed = false;
    let sig: Vec<usize> = (0..toks.len())
        .filter(|&i| !matches!(toks[i], Token::Whitespace(_)))
        .collect();
    for w in sig.windows(3) {
        let (f, p, l) = (w[0], w[1], w[2]);
        if !is_sequence_function(&toks[f]) || toks[p] != Token::LParen {
            continue;
        }
        if let Token::SingleQuotedString(lit) = &toks[l] {
            if literal_name(lit).as_deref() == Some(old) {
                toks[l] = Token::SingleQuotedString(quote_ident(new));
                changed = true;
            }
        }
    }
    changed.then(|| toks.iter().map(ToString::to_string).collect())
}

/// The columns whose DEFAULT uses sequence `desc`: (table, column name).
fn dependent_defaults<T: Transaction>(
    txn: &mut T,
    desc: &SequenceDesc,
) -> Result<Vec<(TableDesc, usize)>> {
    let mut out = Vec::new();
    if desc.schema != catalog::DEFAULT_SCHEMA && !temp::is_temp_schema(&desc.schema) {
        return Ok(out);
    }
    for table in catalog::all_tables(txn)? {
        if table.schema != desc.schema {
            continue;
        }
        for (i, c) in table.visible_columns() {
            if c.default
                .as_deref()
                .is_some_and(|d| default_sequence_names(d).contains(&desc.name))
            {
                out.push((table.clone(), i));
            }
        }
    }
    Ok(out)
}

/// DROP SEQUENCE [IF EXISTS] a, b, ... [CASCADE]; returns notices.
pub fn drop_sequences<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    names: &[ast::ObjectName],
    if_exists: bool,
    cascade: bool,
) -> Result<Vec<String>> {
    let mut notices = Vec::new();
    for n in names {
        let (schema, name) = temp::existing_schema(txn, path, n, None, |txn, s, n| {
            catalog::relation_exists(txn, s, n)
        })?;
        let Some(desc) = lookup_sequence(txn, &schema, &name)? else {
            if catalog::relation_exists(txn, &schema, &name)? {
                let mut e = EngineError::new(
                    SqlState::WrongObjectType,
                    format!("\"{name}\" is not a sequence"),
                );
                if catalog::lookup_table(txn, &schema, &name)?.is_some() {
                    e = e.with_hint("Use DROP TABLE to remove a table.");
                }
                return Err(e);
            }
            if if_exists {
                notices.push(format!("sequence \"{name}\" does not exist, skipping"));
                continue;
            }
            return Err(EngineError::new(
                SqlState::UndefinedTable,
                format!("sequence \"{name}\" does not exist"),
            ));
        };
        if let Some(owner) = desc.owner.filter(|o| o.identity) {
            if let Some(t) = catalog::all_tables(txn)?
                .into_iter()
                .find(|t| t.id == owner.table)
            {
                let col = t
                    .columns
                    .get(owner.column as usize)
                    .map_or("?", |c| c.name.as_str());
                return Err(EngineError::new(
                    SqlState::DependentObjectsStillExist,
                    format!(
                        "cannot drop sequence {} because column {col} of table {} requires it",
                        desc.name, t.name
                    ),
                )
                .with_hint(format!(
                    "You can drop column {col} of table {} instead.",
                    t.name
                )));
            }
        }
        let deps = dependent_defaults(txn, &desc)?;
        if !deps.is_empty() {
            let lines: Vec<String> = deps
                .iter()
                .map(|(t, i)| {
                    format!(
                        "default value for column {} of table {}",
                        t.columns[*i].name, t.name
                    )
                })
                .collect();
            if !cascade {
                let detail: Vec<String> = lines
                    .iter()
                    .map(|l| format!("{l} depends on sequence {}", desc.name))
                    .collect();
                return Err(crate::exec::dependents::still_exist(
                    &format!("sequence {}", desc.name),
                    &detail,
                ));
            }
            notices.extend(crate::exec::dependents::cascade_notice(&lines));
            for (mut t, i) in deps {
                t.columns[i].default = None;
                catalog::update_table(txn, &t)?;
            }
        }
        let visible = path.entries(txn)?;
        notices.extend(crate::exec::views::drop_dependents(
            txn,
            &visible,
            "sequence",
            &desc.schema,
            &desc.name,
            cascade,
        )?);
        drop_sequence(txn, &desc)?;
    }
    Ok(notices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_renames_sequence_literals() {
        assert_eq!(
            default_sequence_names("nextval('t_id_seq'::regclass)"),
            vec!["t_id_seq".to_string()]
        );
        assert_eq!(
            default_sequence_names("NEXTVAL('public.\"S\"')"),
            vec!["S".to_string()]
        );
        assert!(default_sequence_names("'nextval(x)'").is_empty());
        assert_eq!(
            rename_in_default("nextval('a'::regclass)", "a", "B").as_deref(),
            Some("nextval('\"B\"'::regclass)")
        );
        assert_eq!(rename_in_default("nextval('a')", "b", "c"), None);
    }
}
