//! CREATE TABLE and DROP TABLE.

use rocksgres_storage::Transaction;
use sqlparser::ast::{self as ast, ColumnOption, TableConstraint};

use crate::catalog::{self, ColumnDesc, IndexColumn, IndexDesc, TableDesc, DEFAULT_SCHEMA};
use crate::error::{EngineError, Result, SqlState};
use crate::plan::bind::ident_name;
use crate::types::SqlType;

/// Splits `[schema.]name` and checks the schema.
pub fn table_name(name: &ast::ObjectName) -> Result<String> {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| p.as_ident().map(ident_name).unwrap_or_default())
        .collect();
    match parts.as_slice() {
        [n] => Ok(n.clone()),
        [s, n] if s == DEFAULT_SCHEMA => Ok(n.clone()),
        [s, _] => Err(EngineError::new(
            SqlState::InvalidSchemaName,
            format!("schema \"{s}\" does not exist"),
        )),
        _ => Err(EngineError::new(
            SqlState::SyntaxError,
            format!("improper qualified name (too many dotted names): {name}"),
        )),
    }
}

fn pk_columns(cols: &[ast::IndexColumn], columns: &[ColumnDesc]) -> Result<Vec<IndexColumn>> {
    cols.iter()
        .map(|c| {
            let ast::Expr::Identifier(id) = &c.column.expr else {
                return Err(EngineError::unsupported("expressions in a primary key"));
            };
            let n = ident_name(id);
            let column = columns.iter().position(|d| d.name == n).ok_or_else(|| {
                EngineError::new(
                    SqlState::UndefinedColumn,
                    format!("column \"{n}\" named in key does not exist"),
                )
            })?;
            Ok(IndexColumn {
                column,
                expr: None,
                descending: false,
                nulls_first: false,
            })
        })
        .collect()
}

/// CREATE TABLE. Returns `false` when IF NOT EXISTS found the table.
pub fn create_table<T: Transaction>(txn: &mut T, ct: &ast::CreateTable) -> Result<bool> {
    let name = table_name(&ct.name)?;
    if ct.query.is_some() {
        return Err(EngineError::unsupported("CREATE TABLE ... AS"));
    }
    if catalog::lookup_table(txn, DEFAULT_SCHEMA, &name)?.is_some() {
        if ct.if_not_exists {
            return Ok(false);
        }
        return Err(EngineError::new(
            SqlState::DuplicateTable,
            format!("relation \"{name}\" already exists"),
        ));
    }
    let mut columns: Vec<ColumnDesc> = Vec::new();
    let mut pk: Option<Vec<IndexColumn>> = None;
    let mut pk_name: Option<String> = None;
    // (constraint name, columns) of UNIQUE constraints.
    let mut uniques: Vec<(Option<String>, Vec<IndexColumn>)> = Vec::new();
    for c in &ct.columns {
        let (desc, pk_here, unique_here) = column_desc_full(c)?;
        if let Some(name) = unique_here {
            uniques.push((
                name,
                vec![IndexColumn {
                    column: columns.len(),
                    expr: None,
                    descending: false,
                    nulls_first: false,
                }],
            ));
        }
        if columns.iter().any(|d| d.name == desc.name) {
            return Err(EngineError::new(
                SqlState::DuplicateColumn,
                format!("column \"{}\" specified more than once", desc.name),
            ));
        }
        if let Some(name) = pk_here {
            if pk.is_some() {
                return Err(multiple_pk(&name_of(&ct.name)?));
            }
            pk = Some(vec![IndexColumn {
                column: columns.len(),
                expr: None,
                descending: false,
                nulls_first: false,
            }]);
            pk_name = name;
        }
        columns.push(desc);
    }
    for tc in &ct.constraints {
        match tc {
            TableConstraint::PrimaryKey(p) => {
                if pk.is_some() {
                    return Err(multiple_pk(&name));
                }
                pk = Some(pk_columns(&p.columns, &columns)?);
                pk_name = p.name.as_ref().map(ident_name);
            }
            TableConstraint::Unique(u) => {
                uniques.push((
                    u.name.as_ref().map(ident_name),
                    pk_columns(&u.columns, &columns)?,
                ));
            }
            other => {
                return Err(EngineError::unsupported(format!(
                    "table constraint {other} (being built)"
                )))
            }
        }
    }
    let pk_cols = pk.unwrap_or_default();
    for ic in &pk_cols {
        columns[ic.column].not_null = true;
    }
    let id = catalog::allocate_id(txn)?;
    let storage_id = catalog::allocate_id(txn)?;
    let (pk_oid, pk_constraint_oid) = catalog::allocate_index_oids(txn, true)?;
    let desc = TableDesc {
        id,
        storage_id,
        schema: DEFAULT_SCHEMA.to_string(),
        name: name.clone(),
        columns,
        indexes: vec![IndexDesc {
            id: crate::keys::PRIMARY_INDEX,
            name: pk_name.unwrap_or_else(|| format!("{name}_pkey")),
            columns: pk_cols,
            unique: true,
            primary: true,
            oid: pk_oid,
            constraint_oid: pk_constraint_oid,
        }],
        next_index_id: 2,
    };
    let mut desc = desc;
    for (cname, cols) in uniques {
        let ix_name = cname.unwrap_or_else(|| {
            let parts: Vec<&str> = cols
                .iter()
                .map(|ic| desc.columns[ic.column].name.as_str())
                .collect();
            format!("{}_{}_key", desc.name, parts.join("_"))
        });
        if desc.indexes.iter().any(|ix| ix.name == ix_name) {
            return Err(EngineError::new(
                SqlState::DuplicateTable,
                format!("relation \"{ix_name}\" already exists"),
            ));
        }
        let (oid, constraint_oid) = catalog::allocate_index_oids(txn, true)?;
        desc.indexes.push(IndexDesc {
            id: desc.next_index_id,
            name: ix_name,
            columns: cols,
            unique: true,
            primary: false,
            oid,
            constraint_oid,
        });
        desc.next_index_id += 1;
    }
    catalog::create_table(txn, &desc)?;
    Ok(true)
}

fn name_of(n: &ast::ObjectName) -> Result<String> {
    table_name(n)
}

/// A column definition: the column, and `Some(constraint name)` when it is
/// declared PRIMARY KEY.
pub fn column_desc(c: &ast::ColumnDef) -> Result<(ColumnDesc, Option<Option<String>>)> {
    column_desc_full(c).map(|(d, pk, _)| (d, pk))
}

/// A column, its PRIMARY KEY constraint name and its UNIQUE constraint name
/// (each `Some(optional name)` when declared).
pub type ColumnParts = (ColumnDesc, Option<Option<String>>, Option<Option<String>>);

/// Like [`column_desc`], also returning `Some(constraint name)` for UNIQUE.
pub fn column_desc_full(c: &ast::ColumnDef) -> Result<ColumnParts> {
    let cname = ident_name(&c.name);
    let ty = SqlType::from_ast(&c.data_type)?;
    let mut desc = ColumnDesc {
        name: cname,
        ty,
        not_null: false,
        default: None,
        dropped: false,
        missing: None,
    };
    let mut pk = None;
    let mut unique = None;
    for opt in &c.options {
        match &opt.option {
            ColumnOption::Null => desc.not_null = false,
            ColumnOption::NotNull => desc.not_null = true,
            ColumnOption::Default(e) => desc.default = Some(e.to_string()),
            ColumnOption::PrimaryKey(_) => pk = Some(opt.name.as_ref().map(ident_name)),
            ColumnOption::Unique(_) => unique = Some(opt.name.as_ref().map(ident_name)),
            other => {
                return Err(EngineError::unsupported(format!(
                    "column option {other} (being built)"
                )))
            }
        }
    }
    Ok((desc, pk, unique))
}

fn multiple_pk(table: &str) -> EngineError {
    EngineError::new(
        SqlState::InvalidTableDefinition,
        format!("multiple primary keys for table \"{table}\" are not allowed"),
    )
}

/// DROP TABLE [IF EXISTS] a, b, ... [CASCADE]; returns notices.
pub fn drop_tables<T: Transaction>(
    txn: &mut T,
    names: &[ast::ObjectName],
    if_exists: bool,
    cascade: bool,
) -> Result<Vec<String>> {
    let mut missing = Vec::new();
    let mut found = Vec::new();
    for n in names {
        let name = table_name(n)?;
        match catalog::lookup_table(txn, DEFAULT_SCHEMA, &name)? {
            Some(desc) => found.push(desc),
            None if if_exists => missing.push(name),
            None => {
                return Err(EngineError::new(
                    SqlState::UndefinedTable,
                    format!("table \"{name}\" does not exist"),
                ))
            }
        }
    }
    let mut notices: Vec<String> = missing
        .into_iter()
        .map(|m| format!("table \"{m}\" does not exist, skipping"))
        .collect();
    for desc in &found {
        notices.extend(crate::exec::views::drop_dependents(
            txn, "table", &desc.name, cascade,
        )?);
        catalog::drop_table(txn, desc)?;
    }
    Ok(notices)
}
