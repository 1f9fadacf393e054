//! Catalog rows of the composite types: the type (`typtype` `c`,
//! category `C`, `typrelid` pointing at its `pg_class` row), its array
//! type `_name`, the `pg_class` row of relkind `c` and one
//! `pg_attribute` row per attribute, as PostgreSQL 15 shows them.

use super::rows::{align, attribute_row, class_row};
use super::user_types::array_type_row;
use super::{CatalogRows, RowBuilder, Snapshot};
use crate::catalog::system::{SysRel, USER_OID};
use crate::types::{SqlType, Value};

/// The `pg_type` rows of the composite types and their array types.
pub(crate) fn pg_type(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    for d in &snap.composites {
        type_rows(
            rel,
            snap,
            d.oid,
            d.array_oid,
            d.relid,
            &d.schema,
            &d.name,
            out,
        );
    }
}

/// The `pg_type` rows of one composite type (a `CREATE TYPE` composite
/// or a table's row type) and of its array type.
#[allow(clippy::too_many_arguments)]
pub(super) fn type_rows(
    rel: &'static SysRel,
    snap: &Snapshot,
    oid: u32,
    array_oid: u32,
    relid: u32,
    schema: &str,
    name: &str,
    out: &mut CatalogRows<'_>,
) {
    let proc = |s: &str| Value::Text(s.to_string());
    let mut r = RowBuilder::new(rel);
    r.oid("oid", oid)
        .text("typname", name.to_string())
        .oid("typnamespace", snap.schema_oid(schema))
        .oid("typowner", USER_OID)
        .int2("typlen", -1)
        .bool("typbyval", false)
        .text("typtype", "c")
        .text("typcategory", "C")
        .bool("typisdefined", true)
        .text("typdelim", ",")
        .oid("typrelid", relid)
        .set("typsubscript", proc("-"))
        .oid("typarray", array_oid)
        .set("typinput", proc("record_in"))
        .set("typoutput", proc("record_out"))
        .set("typreceive", proc("record_recv"))
        .set("typsend", proc("record_send"))
        .set("typmodin", proc("-"))
        .set("typmodout", proc("-"))
        .set("typanalyze", proc("-"))
        .text("typalign", align(&SqlType::Record))
        .text("typstorage", "x")
        .int4("typtypmod", -1);
    out.push(r.finish());
    let mut a = array_type_row(rel, snap, name, schema, oid, array_oid);
    a.text("typalign", "d");
    out.push(a.finish());
}

/// The `pg_class` rows (relkind `c`) of the composite types.
pub(crate) fn pg_class(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    for d in &snap.composites {
        let mut r = class_row(rel, &d.schema);
        r.oid("oid", d.relid)
            .text("relname", &d.name)
            .oid("relnamespace", snap.schema_oid(&d.schema))
            .oid("reltype", d.oid)
            .text("relkind", "c")
            .text("relreplident", "n")
            .int2("relnatts", d.attrs.len() as i16);
        out.push(r.finish());
    }
}

/// The `pg_attribute` rows of the composite types' attributes.
pub(crate) fn pg_attribute(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    for d in &snap.composites {
        for (i, a) in d.attrs.iter().enumerate() {
            out.push(
                attribute_row(
                    rel,
                    d.relid,
                    &a.name,
                    &a.ty,
                    i as i16 + 1,
                    false,
                    false,
                    false,
                )
                .finish(),
            );
        }
    }
}

impl Snapshot {
    /// The name of composite type `oid` (or of its array type) as
    /// `format_type` prints it.
    pub(crate) fn composite_type_name(&self, oid: u32) -> Option<String> {
        self.composites.iter().find_map(|d| {
            if d.oid == oid {
                Some(d.name.clone())
            } else if d.array_oid == oid {
                Some(format!("{}[]", d.name))
            } else {
                None
            }
        })
    }

    /// Whether the `pg_class` row `oid` of a composite type is visible
    /// (`pg_table_is_visible`): no relation or composite type of its name
    /// comes earlier on the search path. `None` when `oid` is no
    /// composite type's.
    pub(crate) fn composite_rel_visible(&self, oid: u32) -> Option<bool> {
        let d = self.composites.iter().find(|d| d.relid == oid)?;
        let first = self.search_path.iter().find(|(s, _)| {
            self.relation_in(s, &d.name).is_some()
                || self
                    .composites
                    .iter()
                    .any(|c| &c.schema == s && c.name == d.name)
        });
        Some(first.is_some_and(|(s, _)| *s == d.schema))
    }

    /// The OIDs of composite type `name` in schema `s` and of its array
    /// type.
    pub(crate) fn composite_type_oids(&self, s: &str, name: &str) -> Option<(u32, u32)> {
        self.composites
            .iter()
            .find(|d| d.schema == s && d.name == name)
            .map(|d| (d.oid, d.array_oid))
    }
}
