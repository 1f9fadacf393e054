//! View definitions: the query text, the output column names, the
//! relations the query reads (so DROP TABLE can refuse or cascade) and the
//! schema each unqualified relation name of it denoted.
//!
//! A view stores its query as text and binds it again when a query reads
//! the view. PostgreSQL binds a view once, by object id; to keep the names
//! a view reads fixed, the view records the schema each unqualified name
//! resolved to when it was created ([`ViewDesc::bindings`]) and its body
//! looks the name up there, whatever the reading session's `search_path`
//! and whatever was created since. The
//! relations it reads are recorded by [`dep_key`] (`name` in `public`,
//! `schema.name` elsewhere), so the DDL that would change what a name
//! denotes (DROP, RENAME, SET SCHEMA) finds the views that read it.

use sqlparser::ast;

use crate::error::{EngineError, Result, SqlState};

/// A view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewDesc {
    /// Schema name.
    pub schema: String,
    /// View name.
    pub name: String,
    /// The defining query (SQL text).
    pub sql: String,
    /// Output column names.
    pub columns: Vec<String>,
    /// Relations the query reads, as [`dep_key`]s.
    pub depends_on: Vec<String>,
    /// (unqualified relation name, the schema it denoted at CREATE VIEW)
    /// for each such name the query reads; `None` for views stored before
    /// bindings were recorded, which resolve in `pg_catalog` and `public`.
    pub bindings: Option<Vec<(String, String)>>,
    /// The view's object id (`pg_class.oid`); views stored before OIDs
    /// existed get one derived from their name.
    pub oid: u32,
}

/// How the view dependencies name relation `schema.name`: the bare name
/// in `public` (as views stored before schemas recorded it), else
/// `schema.name`.
pub fn dep_key(schema: &str, name: &str) -> String {
    if schema == super::DEFAULT_SCHEMA {
        name.to_string()
    } else {
        format!("{schema}.{name}")
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn get_str(r: &mut &[u8]) -> Result<String> {
    let corrupt = || EngineError::new(SqlState::DataCorrupted, "truncated view descriptor");
    if r.len() < 4 {
        return Err(corrupt());
    }
    let n = u32::from_be_bytes([r[0], r[1], r[2], r[3]]) as usize;
    if r.len() < 4 + n {
        return Err(corrupt());
    }
    let s = String::from_utf8(r[4..4 + n].to_vec()).map_err(|_| corrupt())?;
    *r = &r[4 + n..];
    Ok(s)
}

impl ViewDesc {
    /// Serializes the view.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.clear();
        out.push(if self.bindings.is_some() { 3 } else { 2 });
        put_str(out, &self.schema);
        put_str(out, &self.name);
        put_str(out, &self.sql);
        for list in [&self.columns, &self.depends_on] {
            out.extend_from_slice(&(list.len() as u32).to_be_bytes());
            for s in list {
                put_str(out, s);
            }
        }
        out.extend_from_slice(&self.oid.to_be_bytes());
        if let Some(bindings) = &self.bindings {
            out.extend_from_slice(&(bindings.len() as u32).to_be_bytes());
            for (name, schema) in bindings {
                put_str(out, name);
                put_str(out, schema);
            }
        }
    }

    /// The relation `(schema, name)` this view means by `parts` (a name
    /// it reads, split at its dots): a bare name in the schema recorded
    /// for it at CREATE VIEW ([`ViewDesc::bindings`]; `None` if none was),
    /// or in `public` for a view stored before bindings were recorded; a
    /// qualified name its last two parts.
    pub fn resolve_name(&self, parts: &[String]) -> Option<(String, String)> {
        match parts {
            [n] => match &self.bindings {
                Some(b) => b
                    .iter()
                    .find(|(x, _)| x == n)
                    .map(|(_, s)| (s.clone(), n.clone())),
                None => Some((super::DEFAULT_SCHEMA.to_string(), n.clone())),
            },
            [.., s, n] => Some((s.clone(), n.clone())),
            [] => None,
        }
    }

    /// This view's [`dep_key`].
    pub fn dep_key(&self) -> String {
        dep_key(&self.schema, &self.name)
    }

    /// Deserializes a view written by [`ViewDesc::encode`].
    pub fn decode(mut input: &[u8]) -> Result<ViewDesc> {
        let r = &mut input;
        let version = r.first().copied();
        if !matches!(version, Some(1..=3)) {
            return Err(EngineError::new(
                SqlState::DataCorrupted,
                "unknown view format",
            ));
        }
        *r = &r[1..];
        let schema = get_str(r)?;
        let name = get_str(r)?;
        let sql = get_str(r)?;
        let mut lists = Vec::new();
        for _ in 0..2 {
            if r.len() < 4 {
                return Err(EngineError::new(SqlState::DataCorrupted, "truncated view"));
            }
            let n = u32::from_be_bytes([r[0], r[1], r[2], r[3]]) as usize;
            *r = &r[4..];
            let mut list = Vec::new();
            for _ in 0..n {
                list.push(get_str(r)?);
            }
            lists.push(list);
        }
        let depends_on = lists.pop().unwrap_or_default();
        let columns = lists.pop().unwrap_or_default();
        let oid = match (version, *r) {
            (Some(2 | 3), [a, b, c, d, ..]) => {
                *r = &r[4..];
                u32::from_be_bytes([*a, *b, *c, *d])
            }
            (Some(2 | 3), _) => {
                return Err(EngineError::new(SqlState::DataCorrupted, "truncated view"));
            }
            _ => {
                // FNV-1a of the name, in a range the id counter does not
                // reach in practice.
                let mut h: u32 = 0x811c_9dc5;
                for b in name.bytes() {
                    h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
                }
                0x6000_0000 | (h & 0x0FFF_FFFF)
            }
        };
        let mut bindings = None;
        if version == Some(3) {
            let mut list = Vec::new();
            let [a, b, c, d, ..] = **r else {
                return Err(EngineError::new(SqlState::DataCorrupted, "truncated view"));
            };
            *r = &r[4..];
            for _ in 0..u32::from_be_bytes([a, b, c, d]) {
                let name = get_str(r)?;
                list.push((name, get_str(r)?));
            }
            bindings = Some(list);
        }
        Ok(ViewDesc {
            bindings,
            oid,
            schema,
            name,
            sql,
            columns,
            depends_on,
        })
    }
}

/// The view's query, parsed; `None` when the text is not one query.
pub fn parse_view(v: &ViewDesc) -> Option<ast::Query> {
    let parsed = crate::sql::parse(&v.sql).ok()?;
    let [crate::sql::Parsed::Statement(stmt)] = parsed.as_slice() else {
        return None;
    };
    match stmt.as_ref() {
        ast::Statement::Query(q) => Some((**q).clone()),
        _ => None,
    }
}
