//! Catalog rows of the tables' row types: as in PostgreSQL, every table
//! `p` has a `pg_type` row `p` (`typtype` `c`, `typrelid` its `pg_class`
//! row, which names it in `reltype`) and an array type `_p`. Rocksgres
//! gives the row type the table's own OID and the array type the OID
//! [`crate::catalog::row_type::row_array_oid`] derives from it (see
//! [`crate::plan::table_row`]). `pg_depend` links them as PostgreSQL does.

use super::{CatalogRows, RowBuilder, Snapshot};
use crate::catalog::row_type::row_array_oid;
use crate::catalog::system::SysRel;
use crate::types::SqlType;

/// The `pg_type` rows of the tables' row types and their array types.
pub(crate) fn pg_type(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    for t in &snap.tables {
        super::composite_rows::type_rows(
            rel,
            snap,
            t.id,
            row_array_oid(t.id),
            t.id,
            &t.schema,
            &t.name,
            out,
        );
    }
}

impl Snapshot {
    /// The name of the row type `oid` of a table (or of its array type)
    /// as `format_type` prints it.
    pub(crate) fn table_row_type_name(&self, oid: u32) -> Option<String> {
        self.tables.iter().find_map(|t| {
            if t.id == oid {
                Some(self.row_type_name_in(&t.schema, &t.name))
            } else if row_array_oid(t.id) == oid {
                Some(format!("{}[]", self.row_type_name_in(&t.schema, &t.name)))
            } else {
                None
            }
        })
    }

    /// `name` (a table's row type in `schema`), qualified unless it is
    /// the first type of that name on the search path.
    fn row_type_name_in(&self, schema: &str, name: &str) -> String {
        let first = self
            .search_path
            .iter()
            .find(|(s, _)| self.user_type_oids(Some(s), name).is_some());
        match first {
            Some((s, _)) if s == schema => name.to_string(),
            _ => format!("{schema}.{name}"),
        }
    }

    /// The OIDs of the row type of table `name` in schema `s` and of its
    /// array type.
    pub(crate) fn table_row_type_oids(&self, s: &str, name: &str) -> Option<(u32, u32)> {
        self.tables
            .iter()
            .find(|t| t.schema == s && t.name == name)
            .map(|t| (t.id, row_array_oid(t.id)))
    }
}

/// The `pg_depend` rows of the tables' row types, as PostgreSQL records
/// them: the row type on its table and the array type on the row type
/// (internal), and each column of a row type (or of its array type) on
/// that type (normal).
pub(crate) fn pg_depend(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    const PG_TYPE: u32 = 1247;
    const PG_CLASS: u32 = 1259;
    let mut dep =
        |classid: u32, objid: u32, objsubid: i32, refclassid: u32, refobjid: u32, deptype: &str| {
            let mut r = RowBuilder::new(rel);
            r.oid("classid", classid)
                .oid("objid", objid)
                .int4("objsubid", objsubid)
                .oid("refclassid", refclassid)
                .oid("refobjid", refobjid)
                .int4("refobjsubid", 0)
                .text("deptype", deptype);
            out.push(r.finish());
        };
    for t in &snap.tables {
        dep(PG_TYPE, row_array_oid(t.id), 0, PG_TYPE, t.id, "i");
        dep(PG_TYPE, t.id, 0, PG_CLASS, t.id, "i");
        for (i, c) in t.columns.iter().enumerate() {
            if c.dropped || c.domain.is_some() {
                continue;
            }
            let refobjid = match c.ty {
                SqlType::Composite(d) if d.array_oid == row_array_oid(d.oid) => d.oid,
                SqlType::Array(SqlType::Composite(d)) if d.array_oid == row_array_oid(d.oid) => {
                    d.array_oid
                }
                _ => continue,
            };
            let attnum = i32::try_from(i + 1).unwrap_or(i32::MAX);
            dep(PG_CLASS, t.id, attnum, PG_TYPE, refobjid, "n");
        }
    }
}
