//! The catalog rows of domains: `pg_type` (`typtype` `d`, with
//! `typbasetype`, `typtypmod`, `typnotnull`, `typdefault`) and its array
//! type `_name`, and a `pg_constraint` row (`contypid`) per CHECK, as
//! PostgreSQL 15 shows them. A domain's storage properties are its base
//! type's (copied from the base type's row, as `DefineDomain` does).

use super::{CatalogRows, RowBuilder, Snapshot};
use crate::catalog::system::{SysRel, USER_OID};
use crate::types::domain::DomainDef;
use crate::types::{SqlType, Value};

/// Sets `r`'s columns from the static `pg_type` row of type `oid`;
/// false when there is none.
fn copy_static(rel: &'static SysRel, r: &mut RowBuilder, oid: u32) -> bool {
    let key = oid.to_string();
    let Some(row) = super::static_rows::PG_TYPE
        .iter()
        .find(|row| row.first().copied().flatten() == Some(key.as_str()))
    else {
        return false;
    };
    for ((name, ty), text) in rel.columns.iter().zip(row.iter()) {
        if let Some(t) = text {
            if let Ok(v) = Value::parse_text_base(t, ty) {
                r.set(name, v);
            }
        }
    }
    true
}

/// The `pg_type` rows of every domain and its array type.
pub(crate) fn pg_type(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    let proc = |s: &str| Value::Text(s.to_string());
    for d in &snap.domains {
        let mut r = RowBuilder::new(rel);
        if !copy_static(rel, &mut r, d.base.oid()) {
            // An enum (or enum array) base.
            let array = matches!(d.base, SqlType::Array(_));
            r.int2("typlen", if array { -1 } else { 4 })
                .bool("typbyval", !array)
                .text("typcategory", if array { "A" } else { "E" })
                .set(
                    "typoutput",
                    proc(if array { "array_out" } else { "enum_out" }),
                )
                .set(
                    "typsend",
                    proc(if array { "array_send" } else { "enum_send" }),
                )
                .text("typalign", "i")
                .text("typstorage", if array { "x" } else { "p" });
        }
        r.oid("oid", d.oid)
            .text("typname", d.name.clone())
            .oid("typnamespace", snap.schema_oid(&d.schema))
            .oid("typowner", USER_OID)
            .text("typtype", "d")
            .bool("typispreferred", false)
            .oid("typarray", d.array_oid)
            .set("typinput", proc("domain_in"))
            .set("typreceive", proc("domain_recv"))
            .set("typmodin", proc("-"))
            .set("typmodout", proc("-"))
            .bool("typnotnull", d.not_null)
            .oid("typbasetype", d.base_oid())
            .int4(
                "typtypmod",
                if d.parent.is_some() {
                    -1
                } else {
                    d.base.typmod()
                },
            )
            .int4("typndims", i32::from(matches!(d.base, SqlType::Array(_))))
            .oid("typcollation", super::rows::collation(&d.base))
            .set(
                "typdefault",
                match &d.default {
                    Some(e) => Value::Text(super::functions::deparse_default(e, &d.base)),
                    None => Value::Null,
                },
            );
        out.push(r.finish());
        let mut a =
            super::user_types::array_type_row(rel, snap, &d.name, &d.schema, d.oid, d.array_oid);
        a.text("typalign", if d.base.type_len() == 8 { "d" } else { "i" })
            .oid("typcollation", super::rows::collation(&d.base));
        out.push(a.finish());
    }
}

/// A domain check as `pg_get_constraintdef` prints it:
/// `CHECK (VALUE > 0)` (pretty) or `CHECK ((VALUE > 0))`.
pub(crate) fn check_def(d: &DomainDef, expr: &str, validated: bool, pretty: bool) -> String {
    let mut s = format!(
        "CHECK ({})",
        super::deparse::value_expr_def(d.base, expr, pretty)
    );
    if !validated {
        s.push_str(" NOT VALID");
    }
    s
}

/// One `pg_constraint` row per domain CHECK.
pub(crate) fn pg_constraint(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    for d in &snap.domains {
        for c in &d.checks {
            let def = check_def(d, &c.expr, true, false);
            let body = def
                .strip_prefix("CHECK (")
                .and_then(|x| x.strip_suffix(')'))
                .unwrap_or(&def)
                .to_string();
            let mut r = RowBuilder::new(rel);
            r.oid("oid", c.oid)
                .text("conname", &c.name)
                .oid("connamespace", snap.schema_oid(&d.schema))
                .text("contype", "c")
                .bool("convalidated", c.validated)
                .oid("contypid", d.oid)
                .text("confupdtype", " ")
                .text("confdeltype", " ")
                .text("confmatchtype", " ")
                .bool("conislocal", true)
                .text("conbin", body);
            out.push(r.finish());
        }
    }
}

/// The rows of `information_schema.domains` and
/// `information_schema.domain_constraints`.
pub(crate) fn info_schema(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    for d in &snap.domains {
        if rel.name == "domain_constraints" {
            for c in &d.checks {
                let mut r = RowBuilder::new(rel);
                r.text("constraint_catalog", &snap.database)
                    .text("constraint_schema", &d.schema)
                    .text("constraint_name", &c.name)
                    .text("domain_catalog", &snap.database)
                    .text("domain_schema", &d.schema)
                    .text("domain_name", &d.name)
                    .text("is_deferrable", "NO")
                    .text("initially_deferred", "NO");
                out.push(r.finish());
            }
            continue;
        }
        let mut r = RowBuilder::new(rel);
        // The base type: a built-in one (described as in `columns`,
        // named by format_type without its modifier), else a domain or
        // an enum type (USER-DEFINED).
        let enum_base = match d.base.element().unwrap_or(d.base) {
            SqlType::Enum(e) => Some(e),
            _ => None,
        };
        let (udt_schema, udt_name) = match (d.parent, enum_base) {
            (Some(p), _) => (p.schema.clone(), p.name.clone()),
            (None, Some(e)) => (
                e.schema.clone(),
                if matches!(d.base, SqlType::Array(_)) {
                    format!("_{}", e.name)
                } else {
                    e.name.clone()
                },
            ),
            (None, None) => ("pg_catalog".to_string(), d.base.type_name().to_string()),
        };
        if d.parent.is_none() && enum_base.is_none() {
            super::info_schema::type_columns(&mut r, &d.base);
            r.text(
                "data_type",
                super::functions::type_name_of(d.base.oid()).unwrap_or_default(),
            );
        } else {
            r.text("data_type", "USER-DEFINED");
        }
        r.text("domain_catalog", &snap.database)
            .text("domain_schema", &d.schema)
            .text("domain_name", &d.name)
            .text("udt_catalog", &snap.database)
            .text("udt_schema", udt_schema)
            .text("udt_name", udt_name)
            .text("dtd_identifier", "1");
        if let Some(e) = &d.default {
            r.text(
                "domain_default",
                super::functions::deparse_default(e, &d.base),
            );
        }
        out.push(r.finish());
    }
}

impl Snapshot {
    /// The name of domain `oid` (or its array type) as `format_type`
    /// prints it.
    pub(crate) fn domain_type_name(&self, oid: u32) -> Option<String> {
        self.domains.iter().find_map(|d| {
            if d.oid == oid {
                Some(self.type_name_in(&d.schema, &d.name))
            } else if d.array_oid == oid {
                Some(format!("{}[]", self.type_name_in(&d.schema, &d.name)))
            } else {
                None
            }
        })
    }

    /// User-defined type `schema.name` as `format_type` names it:
    /// qualified unless its unqualified name finds it on the search path
    /// (`pg_type_is_visible`).
    pub(crate) fn type_name_in(&self, schema: &str, name: &str) -> String {
        let first = self.search_path.iter().find(|(s, _)| {
            self.enums.iter().any(|e| &e.schema == s && e.name == name)
                || self
                    .domains
                    .iter()
                    .any(|d| &d.schema == s && d.name == name)
        });
        match first {
            Some((s, _)) if s == schema => name.to_string(),
            _ => format!("{schema}.{name}"),
        }
    }

    /// `pg_get_constraintdef` of a domain check.
    pub(crate) fn domain_constraint_def(&self, oid: u32, pretty: bool) -> Option<String> {
        self.domains.iter().find_map(|d| {
            d.checks
                .iter()
                .find(|c| c.oid == oid)
                .map(|c| check_def(d, &c.expr, c.validated, pretty))
        })
    }
}
