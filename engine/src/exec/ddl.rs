//! CREATE TABLE and DROP TABLE (temporary tables included: see
//! [`crate::catalog::temp`]).

use rocksgres_storage::{LockMode, Transaction};
use sqlparser::ast::{self as ast, ColumnOption, TableConstraint};

use crate::catalog::description::{PG_CLASS, PG_CONSTRAINT};
use crate::catalog::sequence::{self, Owner, SeqParams, SequenceDesc};
use crate::catalog::temp::{self, SearchPath};
use crate::catalog::{
    self, ColumnDesc, Identity, IndexColumn, IndexDesc, TableDesc, DEFAULT_SCHEMA,
};
use crate::error::{EngineError, Result, SqlState};
use crate::sql::identifiers::{ident_name, quote_ident};
use crate::sql::sequence::SeqOptions;
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

/// What CREATE TABLE did.
#[derive(Debug)]
pub enum Created {
    /// Created this table.
    Table(Box<TableDesc>),
    /// IF NOT EXISTS found a table of this name.
    Skipped(String),
}

/// CREATE [TEMP] TABLE, names resolved through `path`.
pub fn create_table<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    ct: &ast::CreateTable,
) -> Result<Created> {
    let (schema, name, temporary) = temp::creation_schema(txn, path, &ct.name, ct.temporary)?;
    if ct.query.is_some() {
        return Err(EngineError::internal(
            "CREATE TABLE ... AS goes through the session's create_table_as",
        ));
    }
    check_table_options(ct, temporary)?;
    if catalog::lookup_table(txn, &schema, &name)?.is_some() {
        if ct.if_not_exists {
            return Ok(Created::Skipped(name));
        }
        return Err(EngineError::new(
            SqlState::DuplicateTable,
            format!("relation \"{name}\" already exists"),
        ));
    }
    let mut columns: Vec<ColumnDesc> = Vec::new();
    let mut pk: Option<Vec<IndexColumn>> = None;
    let mut pk_name: Option<String> = None;
    // The primary key's INCLUDE columns and (DEFERRABLE, INITIALLY
    // DEFERRED) (see `exec::primary_key_ddl`).
    let mut pk_include: Vec<usize> = Vec::new();
    let mut pk_deferral = (false, false);
    // (constraint name, columns, NULLS NOT DISTINCT, (DEFERRABLE,
    // INITIALLY DEFERRED), INCLUDE columns) of UNIQUE constraints.
    type Unique = (
        Option<String>,
        Vec<IndexColumn>,
        bool,
        (bool, bool),
        Vec<usize>,
    );
    let mut uniques: Vec<Unique> = Vec::new();
    let mut generators: Vec<(usize, Generator)> = Vec::new();
    // CHECK clauses, column constraints first (see `exec::checks`).
    let mut checks: Vec<ast::CheckConstraint> = Vec::new();
    // FOREIGN KEY clauses, likewise (see `exec::foreign_key_ddl`).
    let mut fks: Vec<ast::ForeignKeyConstraint> = Vec::new();
    let mut table_fks: Vec<ast::ForeignKeyConstraint> = Vec::new();
    // Indexes of LIKE sources to build on the new table, and their
    // comments.
    let mut like_indexes: Vec<(String, Option<String>)> = Vec::new();
    // Comments LIKE ... INCLUDING COMMENTS copies.
    let mut like_comments = LikeComments::default();
    for c in &ct.columns {
        if let Some(like) = crate::sql::create_like::of(c)? {
            let copied = copy_like(txn, path, &like, &mut columns)?;
            generators.extend(copied.generators);
            checks.extend(copied.checks);
            if let Some(cols) = copied.pk {
                if pk.is_some() {
                    return Err(multiple_pk(&name));
                }
                pk = Some(cols);
                pk_deferral = copied.pk_deferral;
            }
            for (cols, comment, nulls_not_distinct, deferral) in copied.uniques {
                if let Some(c) = comment {
                    like_comments.uniques.push((uniques.len(), c));
                }
                uniques.push((None, cols, nulls_not_distinct, deferral, Vec::new()));
            }
            like_indexes.extend(copied.indexes);
            like_comments.columns.extend(copied.comments.columns);
            like_comments.checks.extend(copied.comments.checks);
            if copied.comments.pk.is_some() {
                like_comments.pk = copied.comments.pk;
            }
            continue;
        }
        let (c, column_fks) = crate::exec::foreign_key_ddl::split_column_fks(c);
        fks.extend(column_fks);
        let (c, column_checks) = crate::exec::checks::split_column_checks(&c);
        checks.extend(column_checks);
        let user_type = catalog::user_type::column_user_type(txn, path, &c.data_type)?;
        let (mut desc, pk_here, unique_here) = column_desc_full(&c, user_type)?;
        desc.domain = catalog::user_type::column_domain(txn, path, &c.data_type)?;
        if let Some(g) = column_generator(&c, &name)? {
            generators.push((columns.len(), g));
        }
        if let Some(name) = unique_here {
            uniques.push((
                name,
                vec![IndexColumn {
                    column: columns.len(),
                    expr: None,
                    descending: false,
                    nulls_first: false,
                }],
                unique_nulls_not_distinct(&c),
                unique_deferral(&c)?,
                Vec::new(),
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
            pk_deferral = crate::exec::primary_key_ddl::column_pk_deferral(&c)?;
        }
        columns.push(desc);
    }
    for tc in &ct.constraints {
        match tc {
            TableConstraint::PrimaryKey(p) => {
                check_primary_key(p)?;
                if pk.is_some() {
                    return Err(multiple_pk(&name));
                }
                pk = Some(pk_columns(&p.columns, &columns)?);
                pk_name = p.name.as_ref().map(ident_name);
                pk_include = crate::exec::primary_key_ddl::include_positions(&p.include, &columns)?;
                pk_deferral = crate::exec::deferred_unique::deferral(&p.characteristics)?;
            }
            TableConstraint::Unique(u) => {
                check_unique(u)?;
                uniques.push((
                    u.name.as_ref().map(ident_name),
                    pk_columns(&u.columns, &columns)?,
                    u.nulls_distinct == ast::NullsDistinctOption::NotDistinct,
                    crate::exec::deferred_unique::deferral(&u.characteristics)?,
                    crate::exec::primary_key_ddl::include_positions(&u.include, &columns)?,
                ));
            }
            TableConstraint::Check(c) => checks.push(c.clone()),
            TableConstraint::ForeignKey(f) => table_fks.push(f.clone()),
            other => {
                return Err(EngineError::unsupported(format!(
                    "table constraint {other} (being built)"
                )))
            }
        }
    }
    let pk_cols = pk.unwrap_or_default();
    for ic in pk_cols
        .iter()
        .chain(uniques.iter().flat_map(|(_, c, _, _, _)| c))
    {
        check_key_column(&columns[ic.column])?;
    }
    for ic in &pk_cols {
        columns[ic.column].not_null = true;
    }
    let id = catalog::allocate_id(txn)?;
    let storage_id = catalog::allocate_id(txn)?;
    let (pk_oid, pk_constraint_oid) = catalog::allocate_index_oids(txn, true)?;
    let pk_name = match pk_name {
        Some(n) => n,
        None if pk_cols.is_empty() => make_object_name(&name, None, "pkey"),
        None => choose_relation_name(txn, &schema, &name, None, "pkey", &[])?,
    };
    if temporary {
        temp::ensure_namespace(txn, &schema)?;
    }
    let desc = TableDesc {
        id,
        storage_id,
        schema: schema.clone(),
        name: name.clone(),
        columns,
        indexes: vec![IndexDesc {
            id: crate::keys::PRIMARY_INDEX,
            name: pk_name,
            columns: pk_cols,
            unique: true,
            primary: true,
            oid: pk_oid,
            constraint_oid: pk_constraint_oid,
            nulls_not_distinct: false,
            predicate: None,
            include: pk_include,
            valid: true,
            deferrable: false,
            initially_deferred: false,
        }],
        next_index_id: 2,
        checks: Vec::new(),
        foreign_keys: Vec::new(),
        stats: None,
    };
    let mut desc = desc;
    crate::exec::generated::validate(&desc)?;
    crate::exec::checks::create_checks(txn, &mut desc, &checks)?;
    if pk_deferral.0 {
        crate::exec::primary_key_ddl::defer_primary_key(txn, &mut desc, pk_deferral.1)?;
    }
    for (cname, cols, nulls_not_distinct, (deferrable, initially_deferred), include) in uniques {
        let ix_name = match cname {
            Some(n) => n,
            None => {
                // Named for the key and INCLUDE columns, as PostgreSQL.
                let parts: Vec<&str> = cols
                    .iter()
                    .map(|ic| ic.column)
                    .chain(include.iter().copied())
                    .map(|c| desc.columns[c].name.as_str())
                    .collect();
                let taken: Vec<&str> = desc.named_indexes().map(|ix| ix.name.as_str()).collect();
                choose_relation_name(
                    txn,
                    &schema,
                    &desc.name,
                    Some(&parts.join("_")),
                    "key",
                    &taken,
                )?
            }
        };
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
            nulls_not_distinct,
            predicate: None,
            include,
            valid: true,
            deferrable,
            initially_deferred,
        });
        desc.next_index_id += 1;
    }
    catalog::create_table(txn, &desc)?;
    like_comments.apply(txn, &desc)?;
    if !generators.is_empty() {
        for (col, g) in &generators {
            create_column_sequence(txn, &mut desc, *col, g)?;
        }
        catalog::update_table(txn, &desc)?;
    }
    fks.extend(table_fks);
    if !fks.is_empty() {
        crate::exec::foreign_key_ddl::create_fks(txn, path, &mut desc, &fks)?;
        catalog::update_table(txn, &desc)?;
    }
    if !like_indexes.is_empty() {
        let on = format!("{}.{}", quote_ident(&desc.schema), quote_ident(&desc.name));
        for (keys, comment) in &like_indexes {
            let text = format!("CREATE {}", keys.replace("{table}", &on));
            let Some(crate::sql::Parsed::Statement(stmt)) = crate::sql::parse(&text)?.pop() else {
                return Err(EngineError::internal("LIKE index did not parse"));
            };
            let ast::Statement::CreateIndex(ci) = *stmt else {
                return Err(EngineError::internal("LIKE index did not parse"));
            };
            crate::exec::index_ddl::create_index(
                txn,
                path,
                &ci,
                0,
                crate::interrupt::Interrupt::none(),
            )?;
            if let Some(c) = comment {
                let t = catalog::require_table(txn, &desc.schema, &desc.name)?;
                if let Some(ix) = t.indexes.iter().max_by_key(|ix| ix.id) {
                    set_comment(txn, ix.oid, PG_CLASS, 0, c)?;
                }
            }
        }
        desc = catalog::lookup_table(txn, &desc.schema, &desc.name)?
            .ok_or_else(|| EngineError::internal("new table vanished"))?;
    }
    Ok(Created::Table(Box::new(desc)))
}

/// A unique constraint LIKE copies: columns, comment, NULLS NOT DISTINCT,
/// (DEFERRABLE, INITIALLY DEFERRED).
type LikeUnique = (Vec<IndexColumn>, Option<String>, bool, (bool, bool));

/// What a LIKE element brings to a new table besides its columns.
#[derive(Default)]
struct LikeCopy {
    /// Identity columns (positions in the new table).
    generators: Vec<(usize, Generator)>,
    /// CHECK constraints (INCLUDING CONSTRAINTS).
    checks: Vec<ast::CheckConstraint>,
    /// The primary key (INCLUDING INDEXES).
    pk: Option<Vec<IndexColumn>>,
    /// The primary key's (DEFERRABLE, INITIALLY DEFERRED).
    pk_deferral: (bool, bool),
    /// The unique constraints (INCLUDING INDEXES), to be named for the new
    /// table, with their index's comment (INCLUDING COMMENTS), NULLS NOT
    /// DISTINCT and (DEFERRABLE, INITIALLY DEFERRED).
    uniques: Vec<LikeUnique>,
    /// The other indexes, as `[UNIQUE] INDEX ON {table} (keys)` texts,
    /// with their comments.
    indexes: Vec<(String, Option<String>)>,
    /// The other comments INCLUDING COMMENTS copies.
    comments: LikeComments,
}

/// The comments `LIKE ... INCLUDING COMMENTS` copies, as PostgreSQL: the
/// columns', the CHECK constraints' (with CONSTRAINTS) and the indexes'
/// (with INDEXES); not the table's nor the key constraints'.
#[derive(Default)]
struct LikeComments {
    /// (position in the new table, comment).
    columns: Vec<(usize, String)>,
    /// (CHECK constraint name, comment).
    checks: Vec<(String, String)>,
    /// The primary key index's comment.
    pk: Option<String>,
    /// (position in the new table's unique constraints, comment).
    uniques: Vec<(usize, String)>,
}

fn set_comment<T: Transaction>(
    txn: &mut T,
    oid: u32,
    class: u32,
    sub: i32,
    text: &str,
) -> Result<()> {
    catalog::description::set(txn, oid, class, sub, Some(text))
}

impl LikeComments {
    /// Puts the comments on the new table `desc` (its primary key first in
    /// its indexes, then its unique constraints in order).
    fn apply<T: Transaction>(&self, txn: &mut T, desc: &TableDesc) -> Result<()> {
        for (pos, c) in &self.columns {
            set_comment(txn, desc.id, PG_CLASS, *pos as i32 + 1, c)?;
        }
        for (name, c) in &self.checks {
            if let Some(k) = desc.checks.iter().find(|k| k.name == *name) {
                set_comment(txn, k.oid, PG_CONSTRAINT, 0, c)?;
            }
        }
        if let (Some(c), Some(ix)) = (&self.pk, desc.primary_key_index()) {
            set_comment(txn, ix.oid, PG_CLASS, 0, c)?;
        }
        // The UNIQUE constraints' indexes follow the primary index and a
        // deferrable primary key's (see `exec::primary_key_ddl`).
        let first = if desc.indexes.get(1).is_some_and(|ix| ix.primary) {
            2
        } else {
            1
        };
        for (k, c) in &self.uniques {
            if let Some(ix) = desc.indexes.get(first + k) {
                set_comment(txn, ix.oid, PG_CLASS, 0, c)?;
            }
        }
        Ok(())
    }
}

/// Appends the columns of a LIKE element's source to `columns` (names,
/// types and NOT NULL; defaults, identity and storage as the options say),
/// and returns what else it copies.
fn copy_like<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    like: &crate::sql::create_like::Like,
    columns: &mut Vec<ColumnDesc>,
) -> Result<LikeCopy> {
    let (schema, name) = temp::existing_schema(txn, path, &like.source, None, |txn, s, n| {
        catalog::relation_exists(txn, s, n)
    })?;
    let Some(src) = catalog::lock::lock_named(txn, &schema, &name, LockMode::AccessShare)? else {
        if catalog::relation_exists(txn, &schema, &name)? {
            return Err(EngineError::unsupported(
                "CREATE TABLE ... LIKE of a relation that is not a table",
            ));
        }
        return Err(EngineError::new(
            SqlState::UndefinedTable,
            format!("relation \"{name}\" does not exist"),
        ));
    };
    let o = like.options;
    let mut out = LikeCopy::default();
    let comments: Vec<catalog::description::Description> = if o.comments {
        catalog::description::all(txn)?
    } else {
        Vec::new()
    };
    let comment = |oid: u32, class: u32, sub: i32| {
        comments
            .iter()
            .find(|d| d.objoid == oid && d.classoid == class && d.objsubid == sub)
            .map(|d| d.text.clone())
    };
    // Source column position -> new position.
    let mut map = vec![usize::MAX; src.columns.len()];
    let sequences = if o.identity {
        catalog::sequence::owned_by_table(txn, src.id)?
    } else {
        Vec::new()
    };
    for (i, c) in src.visible_columns() {
        if columns.iter().any(|d| d.name == c.name) {
            return Err(EngineError::new(
                SqlState::DuplicateColumn,
                format!("column \"{}\" specified more than once", c.name),
            ));
        }
        map[i] = columns.len();
        if let Some(c) = comment(src.id, PG_CLASS, i as i32 + 1) {
            out.comments.columns.push((columns.len(), c));
        }
        if let (true, Some(id)) = (o.identity, c.identity) {
            let seq = sequences
                .iter()
                .find(|s| s.oid == id.sequence)
                .ok_or_else(|| EngineError::internal("identity column without its sequence"))?;
            let p = &seq.params;
            let options = SeqOptions {
                increment: Some(p.increment),
                min: Some(Some(p.min)),
                max: Some(Some(p.max)),
                start: Some(p.start),
                cache: Some(p.cache),
                cycle: Some(p.cycle),
                ..SeqOptions::default()
            };
            out.generators.push((
                columns.len(),
                Generator::Identity {
                    always: id.always,
                    options,
                },
            ));
        }
        columns.push(ColumnDesc {
            name: c.name.clone(),
            ty: c.ty,
            not_null: c.not_null,
            default: if (c.generated && o.generated) || (!c.generated && o.defaults) {
                c.default.clone()
            } else {
                None
            },
            generated: c.generated && o.generated,
            dropped: false,
            missing: None,
            identity: None,
            stat_target: None,
            storage: if o.storage { c.storage } else { None },
            domain: c.domain,
        });
    }
    if o.constraints {
        for c in &src.checks {
            if let Some(text) = comment(c.oid, PG_CONSTRAINT, 0) {
                out.comments.checks.push((c.name.clone(), text));
            }
            out.checks.push(ast::CheckConstraint {
                name: Some(ast::Ident::with_quote('"', c.name.clone())),
                expr: Box::new(crate::sql::parse_expr(&c.expr)?),
                no_inherit: false,
                enforced: None,
            });
        }
    }
    if o.indexes {
        let remap = |ix: &IndexDesc| -> Vec<IndexColumn> {
            ix.columns
                .iter()
                .map(|ic| IndexColumn {
                    column: if ic.expr.is_some() { 0 } else { map[ic.column] },
                    ..ic.clone()
                })
                .collect()
        };
        for ix in src.named_indexes() {
            if ix.predicate.is_some() || !ix.include.is_empty() {
                return Err(EngineError::unsupported(format!(
                    "LIKE ... INCLUDING INDEXES of index \"{}\" (a partial index or INCLUDE columns)",
                    ix.name
                )));
            }
            let ix_comment = comment(ix.oid, PG_CLASS, 0);
            if ix.primary {
                out.pk = Some(remap(ix));
                out.pk_deferral = (ix.deferrable, ix.initially_deferred);
                out.comments.pk = ix_comment;
            } else if ix.constraint_oid != 0 {
                out.uniques.push((
                    remap(ix),
                    ix_comment,
                    ix.nulls_not_distinct,
                    (ix.deferrable, ix.initially_deferred),
                ));
            } else {
                let keys: Vec<String> = ix
                    .columns
                    .iter()
                    .map(|ic| {
                        let mut k = match &ic.expr {
                            Some(e) => format!("({e})"),
                            None => quote_ident(&src.columns[ic.column].name),
                        };
                        if ic.descending {
                            k.push_str(" DESC");
                        }
                        if ic.nulls_first != ic.descending {
                            k.push_str(if ic.nulls_first {
                                " NULLS FIRST"
                            } else {
                                " NULLS LAST"
                            });
                        }
                        k
                    })
                    .collect();
                out.indexes.push((
                    format!(
                        "{}INDEX ON {{table}} ({}){}",
                        if ix.unique { "UNIQUE " } else { "" },
                        keys.join(", "),
                        if ix.nulls_not_distinct {
                            " NULLS NOT DISTINCT"
                        } else {
                            ""
                        }
                    ),
                    ix_comment,
                ));
            }
        }
    }
    Ok(out)
}

/// Refuses (0A000, naming the feature) every CREATE TABLE clause the
/// engine parses but does not implement, so none is silently ignored. The
/// one storage parameter accepted is `fillfactor` (checked as PostgreSQL
/// does): a page-fill hint with no meaning for an LSM store, which
/// `pgbench -i` always sends. ON COMMIT is for temporary tables only
/// (42P16, as PostgreSQL).
fn check_table_options(ct: &ast::CreateTable, temporary: bool) -> Result<()> {
    if ct.on_commit.is_some() && !temporary {
        return Err(EngineError::new(
            SqlState::InvalidTableDefinition,
            "ON COMMIT can only be used on temporary tables",
        ));
    }
    if ct.unlogged {
        return Err(EngineError::unsupported("unlogged tables"));
    }
    if ct.partition_by.is_some() {
        return Err(EngineError::unsupported("partitioned tables"));
    }
    if ct.partition_of.is_some() || ct.for_values.is_some() {
        return Err(EngineError::unsupported("table partitions (PARTITION OF)"));
    }
    if ct.inherits.is_some() {
        return Err(EngineError::unsupported("table inheritance (INHERITS)"));
    }
    if ct.like.is_some() {
        return Err(EngineError::unsupported("CREATE TABLE ... LIKE"));
    }
    let mut rest = ct.clone();
    match &ct.table_options {
        ast::CreateTableOptions::None => {}
        ast::CreateTableOptions::With(opts) => {
            check_storage_parameters(opts)?;
            rest.table_options = ast::CreateTableOptions::None;
        }
        other => {
            return Err(EngineError::unsupported(format!(
                "CREATE TABLE option {other}"
            )))
        }
    }
    // Whatever else the parser filled in (the dialect-specific clauses)
    // shows up when the statement is printed without what was handled.
    rest.name = ast::ObjectName::from(vec![ast::Ident::new("t")]);
    rest.columns.clear();
    rest.constraints.clear();
    rest.if_not_exists = false;
    rest.temporary = false;
    rest.on_commit = None;
    let printed = rest.to_string();
    if printed != "CREATE TABLE t ()" {
        let tail = printed
            .strip_prefix("CREATE TABLE t ()")
            .unwrap_or(&printed)
            .trim();
        return Err(EngineError::unsupported(format!(
            "CREATE TABLE clause \"{tail}\""
        )));
    }
    Ok(())
}

/// Checks `WITH (...)` storage parameters of a table or an index: only
/// `fillfactor` (10 to 100) is accepted.
pub fn check_storage_parameters(opts: &[ast::SqlOption]) -> Result<()> {
    for opt in opts {
        let ast::SqlOption::KeyValue { key, value } = opt else {
            return Err(EngineError::unsupported(format!("storage parameter {opt}")));
        };
        let name = ident_name(key);
        if name != "fillfactor" {
            return Err(EngineError::unsupported(format!(
                "storage parameter \"{name}\""
            )));
        }
        let text = value.to_string();
        let n: i64 = text.trim_matches('\'').parse().map_err(|_| {
            EngineError::new(
                SqlState::InvalidParameterValue,
                format!("invalid value for integer option \"fillfactor\": {text}"),
            )
        })?;
        if !(10..=100).contains(&n) {
            return Err(EngineError::new(
                SqlState::InvalidParameterValue,
                format!("value {n} out of bounds for option \"fillfactor\""),
            )
            .with_detail("Valid values are between \"10\" and \"100\".".to_string()));
        }
    }
    Ok(())
}

/// PostgreSQL's choice of a generated relation name: `base` if no
/// relation of `schema` (nor one of `taken`) has it, else `base1`,
/// `base2`, ...
pub fn choose_name<T: Transaction>(
    txn: &mut T,
    schema: &str,
    base: &str,
    taken: &[&str],
) -> Result<String> {
    let mut name = base.to_owned();
    let mut n = 0;
    while taken.contains(&name.as_str()) || catalog::relation_exists(txn, schema, &name)? {
        n += 1;
        name = format!("{base}{n}");
    }
    Ok(name)
}

/// PostgreSQL's `makeObjectName`: `name1[_name2]_label`, with `name1`
/// and `name2` shortened (the longer first, on character boundaries) so
/// the whole fits in 63 bytes.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    use crate::sql::identifiers::MAX_IDENTIFIER;
    let mut overhead = 0;
    if !label.is_empty() {
        overhead += label.len() + 1;
    }
    if name2.is_some() {
        overhead += 1;
    }
    let avail = MAX_IDENTIFIER.saturating_sub(overhead);
    let mut n1 = name1.len();
    let mut n2 = name2.map_or(0, str::len);
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let clip = |s: &str, mut n: usize| -> String {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_string()
    };
    let mut out = clip(name1, n1);
    if let Some(n) = name2 {
        out.push('_');
        out.push_str(&clip(n, n2));
    }
    if !label.is_empty() {
        out.push('_');
        out.push_str(label);
    }
    out
}

/// PostgreSQL's `ChooseRelationName`: [`make_object_name`], with a number
/// appended to the label (`pkey1`, `pkey2`, ...) until the name is free in
/// `schema` and not in `taken`.
pub fn choose_relation_name<T: Transaction>(
    txn: &mut T,
    schema: &str,
    name1: &str,
    name2: Option<&str>,
    label: &str,
    taken: &[&str],
) -> Result<String> {
    let mut name = make_object_name(name1, name2, label);
    let mut n = 0;
    while taken.contains(&name.as_str()) || catalog::relation_exists(txn, schema, &name)? {
        n += 1;
        name = make_object_name(name1, name2, &format!("{label}{n}"));
    }
    Ok(name)
}

fn name_of(n: &ast::ObjectName) -> Result<String> {
    table_name(n)
}

/// A column definition: the column, and `Some(constraint name)` when it is
/// declared PRIMARY KEY.
pub fn column_desc(c: &ast::ColumnDef) -> Result<(ColumnDesc, Option<Option<String>>)> {
    column_desc_full(c, None).map(|(d, pk, _)| (d, pk))
}

/// A column, its PRIMARY KEY constraint name and its UNIQUE constraint name
/// (each `Some(optional name)` when declared).
pub type ColumnParts = (ColumnDesc, Option<Option<String>>, Option<Option<String>>);

/// How a column's values are generated from a sequence.
#[derive(Debug, Clone)]
pub enum Generator {
    /// `serial`, `bigserial`, `smallserial`: a DEFAULT of `nextval` on a
    /// sequence the column owns.
    Serial,
    /// `GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY [(options)]`.
    Identity {
        /// ALWAYS (else BY DEFAULT).
        always: bool,
        /// The sequence options.
        options: SeqOptions,
    },
}

/// The integer type a serial type name stands for.
pub(crate) fn serial_type(ty: &ast::DataType) -> Option<SqlType> {
    let ast::DataType::Custom(name, args) = ty else {
        return None;
    };
    if !args.is_empty() {
        return None;
    }
    match name.to_string().to_ascii_lowercase().as_str() {
        "serial" | "serial4" => Some(SqlType::Int4),
        "bigserial" | "serial8" => Some(SqlType::Int8),
        "smallserial" | "serial2" => Some(SqlType::Int2),
        _ => None,
    }
}

/// The sequence options sqlparser parsed for an identity column.
pub fn identity_options(opts: &[ast::SequenceOptions]) -> SeqOptions {
    let mut o = SeqOptions::default();
    let num = |e: &ast::Expr| -> Option<i64> { e.to_string().parse().ok() };
    for opt in opts {
        match opt {
            ast::SequenceOptions::IncrementBy(e, _) => o.increment = num(e),
            ast::SequenceOptions::MinValue(e) => o.min = Some(e.as_ref().and_then(num)),
            ast::SequenceOptions::MaxValue(e) => o.max = Some(e.as_ref().and_then(num)),
            ast::SequenceOptions::StartWith(e, _) => o.start = num(e),
            ast::SequenceOptions::Cache(e) => o.cache = num(e),
            ast::SequenceOptions::Cycle(no) => o.cycle = Some(!no),
        }
    }
    o
}

/// The generator of column `c` (serial type or identity), if any.
pub fn column_generator(c: &ast::ColumnDef, table: &str) -> Result<Option<Generator>> {
    let cname = ident_name(&c.name);
    let mut generator = serial_type(&c.data_type).map(|_| Generator::Serial);
    let mut has_default = false;
    let mut has_generation = false;
    let both = |what: &str| {
        EngineError::new(
            SqlState::SyntaxError,
            format!(
                "both {what} and generation expression specified for column \"{cname}\" of table \"{table}\""
            ),
        )
    };
    let mut sequence_name = None;
    for opt in &c.options {
        if let Some(parts) = crate::sql::sequence::carried_sequence_name(opt) {
            sequence_name = Some(parts);
            continue;
        }
        match &opt.option {
            ColumnOption::Default(_) if has_generation => return Err(both("default")),
            ColumnOption::Default(_) => has_default = true,
            ColumnOption::Generated {
                generation_expr: Some(_),
                generated_as: ast::GeneratedAs::ExpStored,
                generated_keyword: true,
                ..
            } => {
                if has_generation {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        format!(
                            "multiple generation clauses specified for column \"{cname}\" of table \"{table}\""
                        ),
                    ));
                }
                if has_default {
                    return Err(both("default"));
                }
                if matches!(generator, Some(Generator::Identity { .. })) {
                    return Err(both("identity"));
                }
                if matches!(generator, Some(Generator::Serial)) {
                    return Err(both("default"));
                }
                has_generation = true;
            }
            ColumnOption::Generated {
                generated_as,
                sequence_options,
                generation_expr: None,
                ..
            } => {
                if has_generation {
                    return Err(both("identity"));
                }
                if generator.is_some() {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        format!("multiple identity specifications for column \"{cname}\""),
                    ));
                }
                let always = match generated_as {
                    ast::GeneratedAs::Always => true,
                    ast::GeneratedAs::ByDefault => false,
                    ast::GeneratedAs::ExpStored => {
                        return Err(EngineError::internal(
                            "a stored generation without expression",
                        ))
                    }
                };
                let options = identity_options(sequence_options.as_deref().unwrap_or_default());
                generator = Some(Generator::Identity { always, options });
            }
            _ => {}
        }
    }
    if let Some(Generator::Identity { options, .. }) = &mut generator {
        options.sequence_name = sequence_name;
    }
    if has_default {
        match generator {
            Some(Generator::Serial) => {
                return Err(EngineError::new(
                    SqlState::SyntaxError,
                    format!(
                        "multiple default values specified for column \"{cname}\" of table \"{table}\""
                    ),
                ))
            }
            Some(Generator::Identity { .. }) => {
                return Err(EngineError::new(
                    SqlState::SyntaxError,
                    format!(
                        "both default and identity specified for column \"{cname}\" of table \"{table}\""
                    ),
                ))
            }
            None => {}
        }
    }
    Ok(generator)
}

/// Creates the sequence of a serial or identity column `col` of the new
/// table `table` (named `<table>_<column>_seq`, numbered if taken, as
/// PostgreSQL names it) and makes the column use it.
pub fn create_column_sequence<T: Transaction>(
    txn: &mut T,
    table: &mut TableDesc,
    col: usize,
    generator: &Generator,
) -> Result<()> {
    let column = &table.columns[col];
    let (options, identity) = match generator {
        Generator::Serial => (SeqOptions::default(), None),
        Generator::Identity { always, options } => {
            if !matches!(column.ty, SqlType::Int2 | SqlType::Int4 | SqlType::Int8) {
                return Err(EngineError::new(
                    SqlState::InvalidParameterValue,
                    "identity column type must be smallint, integer, or bigint",
                ));
            }
            (options.clone(), Some(*always))
        }
    };
    let mut options = options;
    if options.as_type.is_none() {
        options.as_type = Some(column.ty.display_name());
    }
    let (params, _) = SeqParams::define(&options, None, column.ty)?;
    let name = match options.sequence_name.as_deref() {
        // `SEQUENCE NAME` (what pg_dump writes).
        Some([n]) => n.clone(),
        Some([s, n])
            if *s == table.schema || (s == "pg_temp" && temp::is_temp_schema(&table.schema)) =>
        {
            n.clone()
        }
        Some([_, _]) => {
            return Err(EngineError::unsupported(
                "an identity sequence in another schema than its table",
            ))
        }
        Some(_) => {
            return Err(EngineError::new(
                SqlState::SyntaxError,
                "improper qualified name (too many dotted names)",
            ))
        }
        None => choose_relation_name(
            txn,
            &table.schema,
            &table.name,
            Some(&column.name),
            "seq",
            &[],
        )?,
    };
    let oid = catalog::allocate_id(txn)?;
    sequence::create_sequence(
        txn,
        &SequenceDesc {
            oid,
            schema: table.schema.clone(),
            name: name.clone(),
            params,
            owner: Some(Owner {
                table: table.id,
                column: col as u32,
                identity: identity.is_some(),
            }),
        },
    )?;
    let column = &mut table.columns[col];
    column.not_null = true;
    match identity {
        Some(always) => {
            column.identity = Some(Identity {
                always,
                sequence: oid,
            })
        }
        None => {
            column.default = Some(serial_default(&table.schema, &name));
        }
    }
    Ok(())
}

/// The DEFAULT of a serial column whose sequence is `schema.name`: the
/// name is qualified outside `public`, as PostgreSQL prints a regclass
/// not visible on the default path.
pub fn serial_default(schema: &str, name: &str) -> String {
    let qualified = if schema == DEFAULT_SCHEMA || temp::is_temp_schema(schema) {
        quote_ident(name)
    } else {
        format!("{}.{}", quote_ident(schema), quote_ident(name))
    };
    format!("nextval('{}'::regclass)", qualified.replace('\'', "''"))
}

/// Like [`column_desc`], also returning `Some(constraint name)` for UNIQUE.
/// A serial type is its integer type here, and an identity specification
/// is left to [`column_generator`]. `user_type` is the column's type when
/// it names a user-defined type (see
/// [`crate::catalog::user_type::column_user_type`]).
pub fn column_desc_full(c: &ast::ColumnDef, user_type: Option<SqlType>) -> Result<ColumnParts> {
    let cname = ident_name(&c.name);
    let ty = match (serial_type(&c.data_type), user_type) {
        (Some(t), _) | (None, Some(t)) => t,
        (None, None) => column_type(&cname, &c.data_type)?,
    };
    let mut desc = ColumnDesc {
        name: cname,
        ty,
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
    let mut pk = None;
    let mut unique = None;
    for opt in &c.options {
        if crate::sql::sequence::carried_sequence_name(opt).is_some() {
            // Identity: see `column_generator`.
            continue;
        }
        match &opt.option {
            ColumnOption::Null => desc.not_null = false,
            ColumnOption::NotNull => desc.not_null = true,
            ColumnOption::Default(e) => desc.default = Some(e.to_string()),
            ColumnOption::PrimaryKey(p) => {
                check_primary_key(p)?;
                pk = Some(opt.name.as_ref().map(ident_name));
            }
            ColumnOption::Unique(u) => {
                check_unique(u)?;
                unique = Some(opt.name.as_ref().map(ident_name));
            }
            // Identity: see `column_generator`.
            ColumnOption::Generated {
                generation_expr: None,
                generated_as: ast::GeneratedAs::Always | ast::GeneratedAs::ByDefault,
                ..
            } => {}
            // Checked by `column_generator`.
            ColumnOption::Generated {
                generation_expr: Some(e),
                generated_as: ast::GeneratedAs::ExpStored,
                generated_keyword: true,
                ..
            } => {
                desc.default = Some(e.to_string());
                desc.generated = true;
            }
            other => {
                return Err(EngineError::unsupported(format!(
                    "column option {other} (being built)"
                )))
            }
        }
    }
    Ok((desc, pk, unique))
}

/// The type of column `column` declared as `ty`, refusing the types whose
/// values the engine cannot store as PostgreSQL does: `unknown` and
/// `record` (42P16, as PostgreSQL), and with 0A000 the `reg*` aliases (kept as names, where
/// PostgreSQL stores OIDs), `int2vector`, `oidvector` and `pg_node_tree`
/// (which the engine only knows as catalog-column stand-ins).
pub fn column_type(column: &str, ty: &ast::DataType) -> Result<SqlType> {
    if let ast::DataType::Custom(name, _) = ty {
        let full = name.to_string().to_ascii_lowercase();
        let base = full.strip_prefix("pg_catalog.").unwrap_or(&full);
        if matches!(base, "int2vector" | "oidvector" | "pg_node_tree") {
            return Err(EngineError::unsupported(format!("columns of type {base}")));
        }
    }
    let sql = SqlType::from_ast(ty)?;
    refuse_pseudo_type(column, sql)?;
    match sql.element().unwrap_or(sql) {
        SqlType::Unknown => Err(EngineError::new(
            SqlState::InvalidTableDefinition,
            format!("column \"{column}\" has pseudo-type unknown"),
        )),
        SqlType::Reg(k) => Err(EngineError::unsupported(format!(
            "columns of type {}{}",
            k.name(),
            if sql.element().is_some() { "[]" } else { "" }
        ))),
        _ => Ok(sql),
    }
}

/// Refuses, with PostgreSQL's 42P16 "column ... has pseudo-type record",
/// an output column of a view or of `CREATE TABLE AS` whose type is an
/// anonymous record or an array of them (`ROW(1, 2)`, a `SEARCH` or
/// `CYCLE` column): neither can be stored in a catalog row, as in
/// PostgreSQL. A named composite type is fine.
pub fn refuse_pseudo_type(column: &str, ty: SqlType) -> Result<()> {
    let anonymous = |t: SqlType| match t {
        SqlType::Record => true,
        SqlType::Composite(def) => def.oid == SqlType::Record.oid(),
        _ => false,
    };
    let shown = match ty.element() {
        Some(e) if anonymous(e) => "record[]",
        None if anonymous(ty) => "record",
        _ => return Ok(()),
    };
    Err(EngineError::new(
        SqlState::InvalidTableDefinition,
        format!("column \"{column}\" has pseudo-type {shown}"),
    ))
}

/// Refuses (0A000) the parts of a PRIMARY KEY or UNIQUE constraint the
/// engine does not implement: NOT ENFORCED, index options (`USING INDEX
/// TABLESPACE`, `WITH (...)`), operator classes and per-column ordering.
/// (DEFERRABLE and INCLUDE are the caller's: see
/// [`crate::exec::deferred_unique::deferral`] and
/// [`crate::exec::primary_key_ddl::include_positions`].)
pub fn check_key_constraint(
    index_options: &[ast::IndexOption],
    characteristics: &Option<ast::ConstraintCharacteristics>,
    columns: &[ast::IndexColumn],
) -> Result<()> {
    crate::exec::deferred_unique::deferral(characteristics)?;
    if !index_options.is_empty() {
        return Err(EngineError::unsupported("index options of constraints"));
    }
    for c in columns {
        if c.operator_class.is_some()
            || c.column.options.sort.is_some()
            || c.column.options.nulls_first.is_some()
        {
            return Err(EngineError::unsupported(format!(
                "key column options in constraints ({})",
                c.column
            )));
        }
    }
    Ok(())
}

/// Checks a PRIMARY KEY constraint with [`check_key_constraint`].
pub fn check_primary_key(p: &ast::PrimaryKeyConstraint) -> Result<()> {
    if p.index_name.is_some() || p.index_type.is_some() {
        return Err(EngineError::unsupported(
            "index name or type in PRIMARY KEY",
        ));
    }
    check_key_constraint(&p.index_options, &p.characteristics, &p.columns)
}

/// Column `c`'s UNIQUE option's (DEFERRABLE, INITIALLY DEFERRED).
fn unique_deferral(c: &ast::ColumnDef) -> Result<(bool, bool)> {
    for o in &c.options {
        if let ColumnOption::Unique(u) = &o.option {
            return crate::exec::deferred_unique::deferral(&u.characteristics);
        }
    }
    Ok((false, false))
}

/// Whether column `c`'s UNIQUE option says NULLS NOT DISTINCT.
fn unique_nulls_not_distinct(c: &ast::ColumnDef) -> bool {
    c.options.iter().any(|o| {
        matches!(&o.option, ColumnOption::Unique(u)
            if u.nulls_distinct == ast::NullsDistinctOption::NotDistinct)
    })
}

/// Checks a UNIQUE constraint with [`check_key_constraint`] (NULLS NOT
/// DISTINCT is the caller's to record).
pub fn check_unique(u: &ast::UniqueConstraint) -> Result<()> {
    if u.index_name.is_some() || u.index_type.is_some() {
        return Err(EngineError::unsupported("index name or type in UNIQUE"));
    }
    check_key_constraint(&u.index_options, &u.characteristics, &u.columns)
}

/// Refuses an index key on a column PostgreSQL cannot index with a B-tree
/// (`json`: 42704, it has no B-tree operator class), and (0A000) the keys
/// we cannot order as PostgreSQL does: anonymous `record` values, and
/// arrays or rows holding `json` (PostgreSQL builds such an index and
/// fails when it must compare two `json` values). Arrays, `interval`,
/// unbounded `bpchar`, `jsonb` and composite rows get nested keys in
/// PostgreSQL's order ([`crate::exec::typed_key`]).
pub fn check_key_column(col: &ColumnDesc) -> Result<()> {
    check_key_type(col.ty)
}

/// [`check_key_column`] for a key of type `ty` (a column or an index
/// expression).
pub fn check_key_type(ty: SqlType) -> Result<()> {
    if matches!(ty, SqlType::Json | SqlType::JsonPath) {
        return Err(EngineError::new(
            SqlState::UndefinedObject,
            format!(
                "data type {} has no default operator class for access method \"btree\"",
                ty.display_name()
            ),
        )
        .with_hint("You must specify an operator class for the index or define a default operator class for the data type."));
    }
    if !orderable(&ty) {
        return Err(EngineError::unsupported(format!(
            "indexes on columns of type {}",
            ty.display_name()
        )));
    }
    Ok(())
}

/// Whether values of `ty` have a key in PostgreSQL's B-tree order.
fn orderable(ty: &SqlType) -> bool {
    match ty {
        SqlType::Json | SqlType::JsonPath | SqlType::Record => false,
        SqlType::Array(elem) => orderable(elem),
        SqlType::Composite(def) => def.attrs.iter().all(|a| orderable(&a.ty)),
        _ => true,
    }
}

fn multiple_pk(table: &str) -> EngineError {
    EngineError::new(
        SqlState::InvalidTableDefinition,
        format!("multiple primary keys for table \"{table}\" are not allowed"),
    )
}

/// The schema and name of existing table `name` (see
/// [`temp::existing_schema`]); another session's temp table fails with
/// 0A000, "cannot `verb` temporary tables of other sessions".
pub fn existing_table<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    name: &ast::ObjectName,
    verb: &str,
) -> Result<(String, String)> {
    temp::existing_schema(txn, path, name, Some(verb), |txn, s, n| {
        Ok(other_relation(txn, s, n)?.is_some())
    })
}

/// What kind of relation `schema.name` is: `None` when there is none,
/// `Some(None)` for a table, `Some(Some(kind))` for a sequence, view or
/// index. (A statement on a table finds the relation whatever its kind,
/// as PostgreSQL's name lookup does, and then refuses the wrong kind with
/// 42809: [`not_a_table`].)
pub fn other_relation<T: Transaction>(
    txn: &mut T,
    schema: &str,
    name: &str,
) -> Result<Option<Option<RelationKind>>> {
    if catalog::lookup_table(txn, schema, name)?.is_some() {
        return Ok(Some(None));
    }
    Ok(
        if catalog::sequence::lookup_sequence(txn, schema, name)?.is_some() {
            Some(Some(RelationKind::Sequence))
        } else if catalog::lookup_view(txn, schema, name)?.is_some() {
            Some(Some(RelationKind::View))
        } else if catalog::index_owner(txn, schema, name)?.is_some() {
            Some(Some(RelationKind::Index))
        } else {
            None
        },
    )
}

/// A relation that is not a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    /// A sequence.
    Sequence,
    /// A view.
    View,
    /// An index.
    Index,
}

impl RelationKind {
    /// The plural PostgreSQL's DETAIL uses ("sequences").
    pub fn plural(self) -> &'static str {
        match self {
            RelationKind::Sequence => "sequences",
            RelationKind::View => "views",
            RelationKind::Index => "indexes",
        }
    }

    /// The HINT of DROP TABLE on it.
    pub fn drop_hint(self) -> &'static str {
        match self {
            RelationKind::Sequence => "Use DROP SEQUENCE to remove a sequence.",
            RelationKind::View => "Use DROP VIEW to remove a view.",
            RelationKind::Index => "Use DROP INDEX to remove an index.",
        }
    }
}

/// 42809 `"name" is not a table`.
pub fn not_a_table(name: &str) -> EngineError {
    EngineError::new(
        SqlState::WrongObjectType,
        format!("\"{name}\" is not a table"),
    )
}

/// DROP TABLE [IF EXISTS] a, b, ... [CASCADE]; returns notices.
pub fn drop_tables<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    names: &[ast::ObjectName],
    if_exists: bool,
    cascade: bool,
) -> Result<Vec<String>> {
    let mut missing = Vec::new();
    let mut missing_schemas = Vec::new();
    let mut found = Vec::new();
    for n in names {
        // Another session's temp table may be dropped, as in PostgreSQL.
        let resolved = temp::existing_schema(txn, path, n, None, |txn, s, n| {
            Ok(other_relation(txn, s, n)?.is_some())
        });
        let (schema, name) = match resolved {
            Err(e) if if_exists && e.state == SqlState::InvalidSchemaName => {
                let (schema, _) = temp::name_parts(n)?;
                missing_schemas.push(schema.unwrap_or_default());
                continue;
            }
            r => r?,
        };
        if let Some(Some(kind)) = other_relation(txn, &schema, &name)? {
            return Err(not_a_table(&name).with_hint(kind.drop_hint()));
        }
        match catalog::lock::lock_named(txn, &schema, &name, LockMode::AccessExclusive)? {
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
    let mut notices: Vec<String> = missing_schemas
        .into_iter()
        .map(|s| format!("schema \"{s}\" does not exist, skipping"))
        .chain(
            missing
                .into_iter()
                .map(|m| format!("table \"{m}\" does not exist, skipping")),
        )
        .collect();
    notices.extend(crate::exec::foreign_key_ddl::drop_tables_fks(
        txn, &found, cascade,
    )?);
    let visible = path.entries(txn)?;
    for desc in &found {
        // (Only temporary views read a temp table.)
        {
            notices.extend(crate::exec::views::drop_dependents(
                txn,
                &visible,
                "table",
                &desc.schema,
                &desc.name,
                cascade,
            )?);
            // Its serial and identity sequences go with it.
            for q in catalog::sequence::owned_by_table(txn, desc.id)? {
                notices.extend(crate::exec::views::drop_dependents(
                    txn, &visible, "sequence", &q.schema, &q.name, cascade,
                )?);
            }
        }
        notices.extend(crate::exec::row_type_deps::drop_table_users(
            txn, desc, &found, cascade,
        )?);
        catalog::drop_table(txn, desc)?;
    }
    Ok(notices)
}
