//! Views follow the renames of what they read.
//!
//! A view stores its query as SQL text (see [`crate::catalog::view`]), so
//! renaming a relation it reads (ALTER TABLE|VIEW ... RENAME TO, SET
//! SCHEMA), a column it reads (RENAME COLUMN) or a schema it names (ALTER
//! SCHEMA ... RENAME TO) rewrites that text, as PostgreSQL's views, bound
//! by object id, follow such renames.
//!
//! The rewrite parses the stored text, changes the names that denote the
//! renamed object and stores the text printed again:
//!
//! * a relation: the `FROM` items that resolve to it (through the schema
//!   the view recorded for an unqualified name, see [`ViewDesc::bindings`],
//!   or through their qualification; CTE names are never it), the
//!   qualifiers `t.c` / `s.t.c` / `t.*` naming it where such an item has no
//!   alias, the recorded binding and the view's dependency key;
//! * a column: `r.c` where `r` names an item that is the relation, and an
//!   unqualified `c` in a `SELECT` whose `FROM` holds the relation and
//!   whose other items are relations known to have no column `c` (the
//!   select-list item keeps its output name through an alias);
//! * a schema: the qualifications naming it, the recorded bindings and
//!   dependency keys, and the views it holds.
//!
//! Whenever a name cannot be told to denote the renamed object or not (a
//! qualifier some other item shares, an unqualified column in a subquery
//! below the relation's `SELECT`, `USING`/`NATURAL` joins on the column,
//! a whole-row reference), the rename fails with 0A000 naming the view:
//! a view is never rewritten to mean something else.

use std::collections::HashMap;
use std::ops::ControlFlow;

use rocksgres_storage::Transaction;
use sqlparser::ast::{self, Visit, VisitMut, Visitor, VisitorMut};

use crate::catalog::temp::SearchPath;
use crate::catalog::view::parse_view;
use crate::catalog::{self, TableDesc, ViewDesc};
use crate::error::{EngineError, Result};
use crate::exec::dependents::{cascade_notice, still_exist};
use crate::exec::schema_ddl::rel_name;
use crate::exec::views::{collect_dependents, Dependent};
use crate::sql::identifiers::{ident, ident_name};

/// The object being renamed.
#[derive(Debug, Clone, Copy)]
pub enum Rename<'a> {
    /// Relation `schema.name` becomes `to_schema.to_name`.
    Relation {
        /// Its schema.
        schema: &'a str,
        /// Its name.
        name: &'a str,
        /// The schema it moves to (its own for RENAME TO).
        to_schema: &'a str,
        /// Its new name (its own for SET SCHEMA).
        to_name: &'a str,
    },
    /// Column `old` of relation `schema.relation` becomes `new`.
    Column {
        /// The relation's schema.
        schema: &'a str,
        /// The relation.
        relation: &'a str,
        /// The column's name.
        old: &'a str,
        /// Its new name.
        new: &'a str,
    },
    /// Schema `old` becomes `new`.
    Schema {
        /// The schema's name.
        old: &'a str,
        /// Its new name.
        new: &'a str,
    },
}

/// Rewrites every view that reads or holds the renamed object so that it
/// names it by its new name; 0A000 (nothing changed) when a view cannot be
/// rewritten safely. Call before the object itself is renamed.
pub fn follow<T: Transaction>(txn: &mut T, rename: Rename<'_>) -> Result<()> {
    let mut changed = Vec::new();
    for v in catalog::all_views(txn)? {
        if let Some(new) = rewrite_view(txn, &v, rename)? {
            changed.push((v, new));
        }
    }
    for (old, new) in changed {
        catalog::drop_view(txn, &old)?;
        catalog::put_view(txn, &new)?;
    }
    Ok(())
}

/// Whether view `v` reads column `column` of relation `schema.relation`
/// (through a name or a `*`); a reference that cannot be told apart counts.
pub fn reads_column<T: Transaction>(
    txn: &mut T,
    v: &ViewDesc,
    schema: &str,
    relation: &str,
    column: &str,
) -> Result<bool> {
    if !v
        .depends_on
        .contains(&catalog::view::dep_key(schema, relation))
    {
        return Ok(false);
    }
    let Some(mut q) = parse_view(v) else {
        return Ok(true);
    };
    let target = (schema.to_string(), relation.to_string());
    let ctx = Ctx::new(v, &q);
    let mut cols = HashMap::new();
    ctx.relation_columns(txn, &q, &mut cols)?;
    let mut w = ColumnRewriter::new(&ctx, &q, target, column, column, cols, true);
    if w.conflict {
        return Ok(true);
    }
    let broke = VisitMut::visit(&mut q, &mut w).is_break();
    Ok(broke || w.touched)
}

/// Handles the views that read column `column` of `table` before it is
/// dropped: 2BP01 listing them (and the views reading those) without
/// CASCADE, else drops them and returns the NOTICE.
pub fn drop_column_views<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    table: &TableDesc,
    column: &str,
    cascade: bool,
) -> Result<Vec<String>> {
    let key = catalog::view::dep_key(&table.schema, &table.name);
    let mut direct = Vec::new();
    for v in crate::exec::views::dependents(txn, &key)? {
        if reads_column(txn, &v, &table.schema, &table.name, column)? {
            direct.push(v);
        }
    }
    if direct.is_empty() {
        return Ok(Vec::new());
    }
    let visible = path.entries(txn)?;
    let on = format!(
        "column {column} of table {}",
        rel_name(&visible, &table.schema, &table.name)
    );
    let mut skip: Vec<String> = direct.iter().map(ViewDesc::dep_key).collect();
    skip.push(key);
    let mut deps = Vec::new();
    for v in direct {
        let (schema, name) = (v.schema.clone(), v.name.clone());
        deps.push(Dependent {
            what: format!("view {}", rel_name(&visible, &schema, &name)),
            on: on.clone(),
            view: v,
        });
        collect_dependents(txn, &visible, "view", &schema, &name, &mut skip, &mut deps)?;
    }
    if !cascade {
        let lines: Vec<String> = deps
            .iter()
            .map(|d| format!("{} depends on {}", d.what, d.on))
            .collect();
        return Err(still_exist(&on, &lines));
    }
    for d in &deps {
        catalog::drop_view(txn, &d.view)?;
    }
    let lines: Vec<String> = deps.into_iter().map(|d| d.what).collect();
    Ok(cascade_notice(&lines).into_iter().collect())
}

fn refuse(v: &ViewDesc, why: &str) -> EngineError {
    EngineError::unsupported(format!(
        "renaming an object view \"{}\" reads where {why}",
        v.name
    ))
}

/// `v` rewritten for `rename`; `None` when it is not affected.
fn rewrite_view<T: Transaction>(
    txn: &mut T,
    v: &ViewDesc,
    rename: Rename<'_>,
) -> Result<Option<ViewDesc>> {
    match rename {
        Rename::Relation {
            schema,
            name,
            to_schema,
            to_name,
        } => {
            let key = catalog::view::dep_key(schema, name);
            if !v.depends_on.contains(&key) {
                return Ok(None);
            }
            let Some(mut q) = parse_view(v) else {
                return Err(refuse(v, "its text cannot be read again"));
            };
            let ctx = Ctx::new(v, &q);
            let target = (schema.to_string(), name.to_string());
            let mut bindings = v.bindings.clone();
            // An unqualified new name must denote the moved relation.
            let clash = bindings.as_ref().is_some_and(|b| {
                b.iter()
                    .any(|(n, s)| n == to_name && (n != name || s != schema) && s != to_schema)
            }) || ctx.ctes.iter().any(|c| c == to_name)
                || (bindings.is_none() && to_schema != crate::catalog::DEFAULT_SCHEMA);
            // A sequence named in `nextval('s')` and the like.
            let (literals, bare_literal) = crate::exec::view_sequences::rewrite(
                &mut q,
                v,
                (schema, name),
                (to_schema, to_name),
                schema == to_schema && !clash,
            );
            let mut scan = FactorScan::default();
            let _ = Visit::visit(&q, &mut scan);
            let mut found = false;
            let mut bare = false;
            let mut unqualified = bare_literal;
            let mut others: Vec<String> = ctx.ctes.clone();
            for f in &scan.factors {
                match f.parts.as_ref().and_then(|p| ctx.resolve(p)) {
                    Some(r) if r == target => {
                        found = true;
                        bare |= f.alias.is_none();
                        unqualified |= f.parts.as_ref().is_some_and(|p| p.len() == 1);
                    }
                    _ => others.extend(f.refname()),
                }
            }
            if !found && literals == 0 {
                return Err(refuse(v, "it names the relation other than in FROM"));
            }
            let requalify = bare && name != to_name;
            if requalify
                && (others.iter().any(|o| o == name || o == to_name) || scan.unknown_factor)
            {
                return Err(refuse(
                    v,
                    &format!("another item of its FROM is called \"{name}\" or \"{to_name}\""),
                ));
            }
            if unqualified {
                if let Some(b) = bindings.as_mut() {
                    b.retain(|(n, s)| !(n == name && s == schema));
                    if !clash && !b.iter().any(|(n, _)| n == to_name) {
                        b.push((to_name.to_string(), to_schema.to_string()));
                    }
                }
            }
            if found {
                let mut w = RelationRewriter {
                    ctx: &ctx,
                    target,
                    to_schema,
                    to_name,
                    requalify,
                    qualify_new: clash,
                };
                if let ControlFlow::Break(why) = VisitMut::visit(&mut q, &mut w) {
                    return Err(refuse(v, &why));
                }
            }
            let mut out = v.clone();
            out.sql = q.to_string();
            out.bindings = bindings;
            let new_key = catalog::view::dep_key(to_schema, to_name);
            for d in &mut out.depends_on {
                if *d == key {
                    *d = new_key.clone();
                }
            }
            out.depends_on.sort();
            out.depends_on.dedup();
            Ok(Some(out))
        }
        Rename::Column {
            schema,
            relation,
            old,
            new,
        } => {
            if !v
                .depends_on
                .contains(&catalog::view::dep_key(schema, relation))
            {
                return Ok(None);
            }
            let Some(mut q) = parse_view(v) else {
                return Err(refuse(v, "its text cannot be read again"));
            };
            let ctx = Ctx::new(v, &q);
            let mut cols = HashMap::new();
            ctx.relation_columns(txn, &q, &mut cols)?;
            let target = (schema.to_string(), relation.to_string());
            let mut w = ColumnRewriter::new(&ctx, &q, target, old, new, cols, false);
            if w.conflict {
                return Err(refuse(
                    v,
                    "another item of its FROM shares the relation's name",
                ));
            }
            if let ControlFlow::Break(why) = VisitMut::visit(&mut q, &mut w) {
                return Err(refuse(v, &why));
            }
            if !w.touched {
                return Ok(None);
            }
            let mut out = v.clone();
            out.sql = q.to_string();
            Ok(Some(out))
        }
        Rename::Schema { old, new } => {
            let prefix = format!("{old}.");
            let reads = v.depends_on.iter().any(|d| d.starts_with(&prefix))
                || v.bindings.iter().flatten().any(|(_, s)| s == old);
            if v.schema != old && !reads {
                return Ok(None);
            }
            let mut out = v.clone();
            if v.schema == old {
                out.schema = new.to_string();
            }
            if !reads {
                return Ok(Some(out));
            }
            let Some(mut q) = parse_view(v) else {
                return Err(refuse(v, "its text cannot be read again"));
            };
            let mut w = SchemaRewriter { old, new };
            if let ControlFlow::Break(why) = VisitMut::visit(&mut q, &mut w) {
                return Err(refuse(v, &why));
            }
            crate::exec::view_sequences::rename_schema(&mut q, old, new);
            out.sql = q.to_string();
            if names_schema(&out.sql, old) {
                return Err(refuse(
                    v,
                    &format!("it names schema \"{old}\" where it cannot be rewritten"),
                ));
            }
            for (_, s) in out.bindings.iter_mut().flatten() {
                if s == old {
                    *s = new.to_string();
                }
            }
            for d in &mut out.depends_on {
                if let Some(rest) = d.strip_prefix(&prefix) {
                    *d = catalog::view::dep_key(new, rest);
                }
            }
            out.depends_on.sort();
            out.depends_on.dedup();
            Ok(Some(out))
        }
    }
}

/// Whether `sql` still qualifies a name with schema `schema` (`schema.`).
fn names_schema(sql: &str, schema: &str) -> bool {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let Ok(tokens) = Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, sql).tokenize()
    else {
        return true;
    };
    let words: Vec<&Token> = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    words.windows(2).any(|w| match (w[0], w[1]) {
        (Token::Word(word), Token::Period) => {
            let n = if word.quote_style.is_some() {
                word.value.clone()
            } else {
                word.value.to_lowercase()
            };
            n == schema
        }
        _ => false,
    })
}

/// A name in a view as the catalog knows it (case folded).
fn parts(n: &ast::ObjectName) -> Option<Vec<String>> {
    n.0.iter().map(|p| p.as_ident().map(ident_name)).collect()
}

/// How names resolve inside one view.
struct Ctx<'v> {
    view: &'v ViewDesc,
    /// Every CTE name the view defines.
    ctes: Vec<String>,
}

impl<'v> Ctx<'v> {
    fn new(v: &'v ViewDesc, q: &ast::Query) -> Ctx<'v> {
        let mut scan = FactorScan::default();
        let _ = Visit::visit(q, &mut scan);
        Ctx {
            view: v,
            ctes: scan.ctes,
        }
    }

    /// The relation `(schema, name)` a `FROM` item named `parts` denotes
    /// (`None`: a CTE, or unknown).
    fn resolve(&self, parts: &[String]) -> Option<(String, String)> {
        match parts {
            [n] if self.ctes.contains(n) => None,
            _ => self.view.resolve_name(parts),
        }
    }

    fn relation_columns<T: Transaction>(
        &self,
        txn: &mut T,
        q: &ast::Query,
        out: &mut HashMap<(String, String), Vec<String>>,
    ) -> Result<()> {
        let mut scan = FactorScan::default();
        let _ = Visit::visit(q, &mut scan);
        for f in &scan.factors {
            let Some(key) = f.parts.as_ref().and_then(|p| self.resolve(p)) else {
                continue;
            };
            if out.contains_key(&key) {
                continue;
            }
            let cols = if let Some(t) = catalog::lookup_table(txn, &key.0, &key.1)? {
                t.columns
                    .iter()
                    .filter(|c| !c.dropped)
                    .map(|c| c.name.clone())
                    .collect()
            } else if let Some(v) = catalog::lookup_view(txn, &key.0, &key.1)? {
                v.columns
            } else {
                continue;
            };
            out.insert(key, cols);
        }
        Ok(())
    }
}

/// One `FROM` item of a view.
struct Factor {
    /// The relation name of a plain relation item.
    parts: Option<Vec<String>>,
    /// Its alias.
    alias: Option<String>,
}

impl Factor {
    /// The name its columns are qualified with.
    fn refname(&self) -> Option<String> {
        self.alias
            .clone()
            .or_else(|| self.parts.as_ref().and_then(|p| p.last().cloned()))
    }
}

/// Collects the `FROM` items and CTE names of a query.
#[derive(Default)]
struct FactorScan {
    factors: Vec<Factor>,
    ctes: Vec<String>,
    /// An item kind whose name is not known here.
    unknown_factor: bool,
}

fn factor_alias(f: &ast::TableFactor) -> Option<Option<&ast::TableAlias>> {
    Some(match f {
        ast::TableFactor::Table { alias, .. }
        | ast::TableFactor::Derived { alias, .. }
        | ast::TableFactor::NestedJoin { alias, .. }
        | ast::TableFactor::Function { alias, .. }
        | ast::TableFactor::UNNEST { alias, .. } => alias.as_ref(),
        _ => return None,
    })
}

impl Visitor for FactorScan {
    type Break = ();

    fn pre_visit_query(&mut self, q: &ast::Query) -> ControlFlow<()> {
        if let Some(w) = &q.with {
            self.ctes
                .extend(w.cte_tables.iter().map(|c| ident_name(&c.alias.name)));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, f: &ast::TableFactor) -> ControlFlow<()> {
        let Some(alias) = factor_alias(f) else {
            self.unknown_factor = true;
            return ControlFlow::Continue(());
        };
        let parts = match f {
            ast::TableFactor::Table { name, args, .. } if args.is_none() => parts(name),
            _ => None,
        };
        self.factors.push(Factor {
            parts,
            alias: alias.map(|a| ident_name(&a.name)),
        });
        ControlFlow::Continue(())
    }
}

/// Rewrites the names of one relation (see the module docs).
struct RelationRewriter<'c, 'v> {
    ctx: &'c Ctx<'v>,
    target: (String, String),
    to_schema: &'c str,
    to_name: &'c str,
    /// Qualifiers `t.` name the relation and change.
    requalify: bool,
    /// Its unqualified items are written `to_schema.to_name`.
    qualify_new: bool,
}

impl RelationRewriter<'_, '_> {
    /// The qualifier at the front of `ids` (`t`, `s.t`), renamed when it
    /// names the relation; `rest` names follow it (1 for a column).
    fn qualifier(&self, ids: &mut [ast::Ident], rest: usize) {
        let names: Vec<String> = ids.iter().map(ident_name).collect();
        let (schema, name) = (&self.target.0, &self.target.1);
        if names.len() >= 2 + rest && names[0] == *schema && names[1] == *name {
            ids[0] = ident(self.to_schema);
            ids[1] = ident(self.to_name);
        } else if names.len() > rest && self.requalify && names[0] == *name {
            ids[0] = ident(self.to_name);
        }
    }

    /// The qualifier of a `*` (`t.*`, `s.t.*`), renamed.
    fn object_name(&self, n: &mut ast::ObjectName) {
        let mut ids: Vec<ast::Ident> = n.0.iter().filter_map(|p| p.as_ident().cloned()).collect();
        if ids.len() != n.0.len() {
            return;
        }
        self.qualifier(&mut ids, 0);
        *n = ast::ObjectName::from(ids);
    }
}

impl VisitorMut for RelationRewriter<'_, '_> {
    type Break = String;

    fn pre_visit_table_factor(&mut self, f: &mut ast::TableFactor) -> ControlFlow<String> {
        let ast::TableFactor::Table { name, args, .. } = f else {
            return ControlFlow::Continue(());
        };
        if args.is_some() {
            return ControlFlow::Continue(());
        }
        let Some(p) = parts(name) else {
            return ControlFlow::Continue(());
        };
        if self.ctx.resolve(&p).as_ref() != Some(&self.target) {
            return ControlFlow::Continue(());
        }
        let mut ids: Vec<ast::Ident> = name
            .0
            .iter()
            .filter_map(|p| p.as_ident().cloned())
            .collect();
        let n = ids.len();
        if n == 1 {
            if self.qualify_new {
                ids = vec![ident(self.to_schema), ident(self.to_name)];
            } else {
                ids[0] = ident(self.to_name);
            }
        } else {
            ids[n - 2] = ident(self.to_schema);
            ids[n - 1] = ident(self.to_name);
        }
        *name = ast::ObjectName::from(ids);
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, s: &mut ast::Select) -> ControlFlow<String> {
        for item in &mut s.projection {
            if let ast::SelectItem::QualifiedWildcard(
                ast::SelectItemQualifiedWildcardKind::ObjectName(n),
                _,
            ) = item
            {
                self.object_name(n);
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &mut ast::Expr) -> ControlFlow<String> {
        match e {
            ast::Expr::CompoundIdentifier(ids) => self.qualifier(ids, 1),
            ast::Expr::Identifier(id) if self.requalify && ident_name(id) == self.target.1 => {
                return ControlFlow::Break(format!("it names \"{}\" as a value", self.target.1));
            }
            ast::Expr::Function(f) => {
                if let ast::FunctionArguments::List(list) = &mut f.args {
                    for a in &mut list.args {
                        if let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::QualifiedWildcard(
                            n,
                        )) = a
                        {
                            self.object_name(n);
                        }
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// Rewrites the qualifications naming one schema.
struct SchemaRewriter<'a> {
    old: &'a str,
    new: &'a str,
}

impl VisitorMut for SchemaRewriter<'_> {
    type Break = String;

    fn pre_visit_table_factor(&mut self, f: &mut ast::TableFactor) -> ControlFlow<String> {
        if let ast::TableFactor::Table { name, .. } = f {
            let n = name.0.len();
            if n >= 2 {
                if let Some(id) = name.0[n - 2].as_ident() {
                    if ident_name(id) == self.old {
                        name.0[n - 2] = ast::ObjectNamePart::Identifier(ident(self.new));
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, s: &mut ast::Select) -> ControlFlow<String> {
        for item in &mut s.projection {
            if let ast::SelectItem::QualifiedWildcard(
                ast::SelectItemQualifiedWildcardKind::ObjectName(n),
                _,
            ) = item
            {
                if n.0.len() == 2 && n.0[0].as_ident().map(ident_name).as_deref() == Some(self.old)
                {
                    n.0[0] = ast::ObjectNamePart::Identifier(ident(self.new));
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &mut ast::Expr) -> ControlFlow<String> {
        if let ast::Expr::CompoundIdentifier(ids) = e {
            if ids.len() == 3 && ident_name(&ids[0]) == self.old {
                ids[0] = ident(self.new);
            }
        }
        ControlFlow::Continue(())
    }
}

/// What a `SELECT` (or the `ORDER BY` of a query) knows about the column.
#[derive(Clone, Default)]
struct Frame {
    /// Its `FROM` holds the relation.
    has_target: bool,
    /// Every other item of its `FROM` is a relation without the column.
    safe: bool,
    /// Another item of its `FROM` is a relation with a column of that name
    /// (an unqualified reference there is that item's).
    local: bool,
    /// A query's tail (`ORDER BY`, `LIMIT`): the output names.
    tail: Option<Vec<String>>,
}

/// Rewrites the references to one column (see the module docs).
struct ColumnRewriter<'c, 'v> {
    ctx: &'c Ctx<'v>,
    target: (String, String),
    old: String,
    new: String,
    /// The names the relation's items are qualified with.
    refnames: Vec<String>,
    columns: HashMap<(String, String), Vec<String>>,
    frames: Vec<Frame>,
    /// A reference (or a `*` over the relation) was found.
    touched: bool,
    /// Only finding references (DROP COLUMN): `*` counts.
    detect: bool,
    /// Another item shares a name the relation's items are qualified with.
    conflict: bool,
}

impl<'c, 'v> ColumnRewriter<'c, 'v> {
    fn new(
        ctx: &'c Ctx<'v>,
        q: &ast::Query,
        target: (String, String),
        old: &str,
        new: &str,
        columns: HashMap<(String, String), Vec<String>>,
        detect: bool,
    ) -> Self {
        let mut scan = FactorScan::default();
        let _ = Visit::visit(q, &mut scan);
        let is_target =
            |f: &Factor| f.parts.as_ref().and_then(|p| ctx.resolve(p)).as_ref() == Some(&target);
        let refnames: Vec<String> = scan
            .factors
            .iter()
            .filter(|f| is_target(f))
            .filter_map(Factor::refname)
            .collect();
        let conflict = scan.unknown_factor
            || scan
                .factors
                .iter()
                .filter(|f| !is_target(f))
                .filter_map(Factor::refname)
                .chain(ctx.ctes.iter().cloned())
                .any(|r| refnames.contains(&r));
        ColumnRewriter {
            ctx,
            target,
            old: old.to_string(),
            new: new.to_string(),
            refnames,
            columns,
            frames: Vec::new(),
            touched: false,
            detect,
            conflict,
        }
    }

    fn factor_frame(&self, f: &ast::TableFactor, frame: &mut Frame) {
        match f {
            ast::TableFactor::Table { name, args, .. } if args.is_none() => {
                let key = parts(name).and_then(|p| self.ctx.resolve(&p));
                if key.as_ref() == Some(&self.target) {
                    frame.has_target = true;
                } else {
                    match key.and_then(|k| self.columns.get(&k)) {
                        Some(cols) if !cols.contains(&self.old) => {}
                        Some(_) => {
                            frame.safe = false;
                            frame.local = true;
                        }
                        None => frame.safe = false,
                    }
                }
            }
            ast::TableFactor::NestedJoin {
                table_with_joins, ..
            } => {
                self.factor_frame(&table_with_joins.relation, frame);
                for j in &table_with_joins.joins {
                    self.factor_frame(&j.relation, frame);
                }
            }
            _ => frame.safe = false,
        }
    }

    fn select_frame(&self, s: &ast::Select) -> ControlFlow<String, Frame> {
        let mut frame = Frame {
            safe: true,
            ..Frame::default()
        };
        let mut joins = Vec::new();
        for twj in &s.from {
            self.factor_frame(&twj.relation, &mut frame);
            for j in &twj.joins {
                self.factor_frame(&j.relation, &mut frame);
                joins.push(&j.join_operator);
            }
        }
        if frame.has_target {
            for op in joins {
                let c = match op {
                    ast::JoinOperator::Join(c)
                    | ast::JoinOperator::Inner(c)
                    | ast::JoinOperator::Left(c)
                    | ast::JoinOperator::LeftOuter(c)
                    | ast::JoinOperator::Right(c)
                    | ast::JoinOperator::RightOuter(c)
                    | ast::JoinOperator::FullOuter(c)
                    | ast::JoinOperator::CrossJoin(c) => c,
                    _ => return ControlFlow::Break("it joins it in a way not known here".into()),
                };
                match c {
                    ast::JoinConstraint::Natural => {
                        return ControlFlow::Break("it joins the relation NATURAL".into())
                    }
                    ast::JoinConstraint::Using(names)
                        if names
                            .iter()
                            .any(|n| parts(n).is_some_and(|p| p.last() == Some(&self.old))) =>
                    {
                        return ControlFlow::Break(format!(
                            "it joins USING column \"{}\"",
                            self.old
                        ));
                    }
                    _ => {}
                }
            }
        }
        ControlFlow::Continue(frame)
    }

    /// Whether an enclosing `SELECT` reads the relation.
    fn below_target(&self) -> bool {
        self.frames.iter().any(|f| f.has_target)
    }

    /// An unqualified reference to a name spelled like the column.
    fn bare(&mut self, id: &mut ast::Ident) -> ControlFlow<String> {
        let Some(top) = self.frames.last().cloned() else {
            return ControlFlow::Continue(());
        };
        let rewrite = match &top.tail {
            Some(outputs) if top.has_target && !outputs.contains(&self.old) => top.safe,
            Some(_) if top.has_target => return ControlFlow::Continue(()),
            _ if top.has_target => top.safe,
            _ if top.local || !self.below_target() => return ControlFlow::Continue(()),
            // A reference to an enclosing query's column: the nearest
            // enclosing `SELECT` with such a column is the one.
            _ if !top.safe => false,
            _ => {
                let mut rewrite = false;
                for f in self.frames.iter().rev().skip(1) {
                    if f.has_target {
                        rewrite = f.safe;
                        break;
                    }
                    if f.local {
                        return ControlFlow::Continue(());
                    }
                    if !f.safe {
                        break;
                    }
                }
                rewrite
            }
        };
        if !rewrite {
            return ControlFlow::Break(format!(
                "it names a column \"{}\" that may or may not be the renamed one",
                self.old
            ));
        }
        self.touched = true;
        *id = ident(&self.new);
        ControlFlow::Continue(())
    }
}

impl VisitorMut for ColumnRewriter<'_, '_> {
    type Break = String;

    fn pre_visit_query(&mut self, q: &mut ast::Query) -> ControlFlow<String> {
        let frame = match q.body.as_ref() {
            ast::SetExpr::Select(s) => {
                let mut f = self.select_frame(s)?;
                f.tail = Some(
                    s.projection
                        .iter()
                        .filter_map(|i| match i {
                            ast::SelectItem::ExprWithAlias { alias, .. } => Some(ident_name(alias)),
                            ast::SelectItem::UnnamedExpr(ast::Expr::Identifier(id)) => {
                                Some(ident_name(id))
                            }
                            ast::SelectItem::UnnamedExpr(ast::Expr::CompoundIdentifier(ids)) => {
                                ids.last().map(ident_name)
                            }
                            _ => None,
                        })
                        .collect(),
                );
                f
            }
            // ORDER BY over a set operation names its output columns.
            _ => Frame {
                tail: Some(vec![self.old.clone()]),
                ..Frame::default()
            },
        };
        self.frames.push(frame);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &mut ast::Query) -> ControlFlow<String> {
        self.frames.pop();
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, s: &mut ast::Select) -> ControlFlow<String> {
        let frame = self.select_frame(s)?;
        if frame.has_target {
            for item in &mut s.projection {
                let name = match item {
                    ast::SelectItem::UnnamedExpr(ast::Expr::Identifier(id)) => Some(ident_name(id)),
                    ast::SelectItem::UnnamedExpr(ast::Expr::CompoundIdentifier(ids))
                        if ids.len() >= 2 =>
                    {
                        let q = ident_name(&ids[ids.len() - 2]);
                        let c = ident_name(&ids[ids.len() - 1]);
                        (self.refnames.contains(&q) || q == self.target.1).then_some(c)
                    }
                    ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                        if self.detect {
                            self.touched = true;
                        }
                        None
                    }
                    _ => None,
                };
                if name.as_deref() == Some(self.old.as_str()) && !self.detect {
                    let ast::SelectItem::UnnamedExpr(expr) = item else {
                        continue;
                    };
                    *item = ast::SelectItem::ExprWithAlias {
                        expr: expr.clone(),
                        alias: ident(&self.old),
                    };
                }
            }
        }
        self.frames.push(frame);
        ControlFlow::Continue(())
    }

    fn post_visit_select(&mut self, _: &mut ast::Select) -> ControlFlow<String> {
        self.frames.pop();
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &mut ast::Expr) -> ControlFlow<String> {
        match e {
            ast::Expr::Identifier(id) if ident_name(id) == self.old => self.bare(id)?,
            ast::Expr::CompoundIdentifier(ids) => {
                let names: Vec<String> = ids.iter().map(ident_name).collect();
                let hit = match names.as_slice() {
                    [r, c] => self.refnames.contains(r) && *c == self.old,
                    [s, t, c] => *s == self.target.0 && *t == self.target.1 && *c == self.old,
                    _ => false,
                };
                if hit {
                    self.touched = true;
                    let n = ids.len();
                    ids[n - 1] = ident(&self.new);
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}
