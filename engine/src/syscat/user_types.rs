//! `pg_type` and `pg_enum` rows of the user-defined (enum) types: the
//! enum type itself (`typtype` `e`, category `E`) and its array type
//! `_name` (category `A`), as PostgreSQL 15 shows them.

use super::{CatalogRows, RowBuilder, Snapshot};
use crate::catalog::system::{SysRel, USER_OID};
use crate::types::Value;

/// The rows of the enum types and their array types.
pub(crate) fn pg_type(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    let proc = |s: &str| Value::Text(s.to_string());
    for d in &snap.enums {
        let mut r = RowBuilder::new(rel);
        r.oid("oid", d.oid)
            .text("typname", d.name.clone())
            .oid("typnamespace", snap.schema_oid(&d.schema))
            .oid("typowner", USER_OID)
            .int2("typlen", 4)
            .bool("typbyval", true)
            .text("typtype", "e")
            .text("typcategory", "E")
            .bool("typisdefined", true)
            .text("typdelim", ",")
            .set("typsubscript", proc("-"))
            .oid("typarray", d.array_oid)
            .set("typinput", proc("enum_in"))
            .set("typoutput", proc("enum_out"))
            .set("typreceive", proc("enum_recv"))
            .set("typsend", proc("enum_send"))
            .set("typmodin", proc("-"))
            .set("typmodout", proc("-"))
            .set("typanalyze", proc("-"))
            .text("typalign", "i")
            .text("typstorage", "p")
            .int4("typtypmod", -1);
        out.push(r.finish());
        let mut a = array_type_row(rel, snap, &d.name, &d.schema, d.oid, d.array_oid);
        a.text("typalign", "i");
        out.push(a.finish());
    }
}

/// The `pg_type` row of the array type `_name` of user-defined type
/// `oid` (in `schema`), but for `typalign` and `typcollation`, which
/// depend on the element type.
pub(super) fn array_type_row(
    rel: &'static SysRel,
    snap: &Snapshot,
    name: &str,
    schema: &str,
    oid: u32,
    array_oid: u32,
) -> RowBuilder {
    let proc = |s: &str| Value::Text(s.to_string());
    let mut a = RowBuilder::new(rel);
    a.oid("oid", array_oid)
        .text("typname", format!("_{name}"))
        .oid("typnamespace", snap.schema_oid(schema))
        .oid("typowner", USER_OID)
        .int2("typlen", -1)
        .text("typtype", "b")
        .text("typcategory", "A")
        .bool("typisdefined", true)
        .text("typdelim", ",")
        .set("typsubscript", proc("array_subscript_handler"))
        .oid("typelem", oid)
        .set("typinput", proc("array_in"))
        .set("typoutput", proc("array_out"))
        .set("typreceive", proc("array_recv"))
        .set("typsend", proc("array_send"))
        .set("typmodin", proc("-"))
        .set("typmodout", proc("-"))
        .set("typanalyze", proc("array_typanalyze"))
        .text("typstorage", "x")
        .int4("typtypmod", -1);
    a
}

impl Snapshot {
    /// The name of user-defined type `oid` as `format_type` prints it
    /// (`mood`, `mood[]` for its array type).
    pub(crate) fn user_type_name(&self, oid: u32) -> Option<String> {
        if let Some(n) = self
            .domain_type_name(oid)
            .or_else(|| self.composite_type_name(oid))
            .or_else(|| self.table_row_type_name(oid))
        {
            return Some(n);
        }
        self.enums.iter().find_map(|d| {
            if d.oid == oid {
                Some(self.type_name_in(&d.schema, &d.name))
            } else if d.array_oid == oid {
                Some(format!("{}[]", self.type_name_in(&d.schema, &d.name)))
            } else {
                None
            }
        })
    }
}

impl Snapshot {
    /// The OIDs of user-defined type `name` (in `schema`, else the first
    /// on the search path) and of its array type.
    pub(crate) fn user_type_oids(&self, schema: Option<&str>, name: &str) -> Option<(u32, u32)> {
        let found = |s: &str| {
            self.enums
                .iter()
                .find(|d| d.schema == s && d.name == name)
                .map(|d| (d.oid, d.array_oid))
                .or_else(|| {
                    self.domains
                        .iter()
                        .find(|d| d.schema == s && d.name == name)
                        .map(|d| (d.oid, d.array_oid))
                })
                .or_else(|| self.composite_type_oids(s, name))
                .or_else(|| self.table_row_type_oids(s, name))
        };
        match schema {
            Some(s) => found(s),
            None => self.search_path.iter().find_map(|(s, _)| found(s)),
        }
    }
}

/// One row per label of every enum type.
pub(crate) fn pg_enum(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    for d in &snap.enums {
        for l in &d.labels {
            let mut r = RowBuilder::new(rel);
            r.oid("oid", l.oid)
                .oid("enumtypid", d.oid)
                .set("enumsortorder", Value::Float4(l.sort))
                .text("enumlabel", l.name.clone());
            out.push(r.finish());
        }
    }
}
