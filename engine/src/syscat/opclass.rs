//! `pg_opclass` and the operator-class and collation vectors of
//! `pg_index` (`indclass`, `indcollation`, `indoption`).
//!
//! Every index here is a B-tree over each key column's default
//! ordering, so its operator classes are PostgreSQL's default B-tree
//! classes for the key types; `pg_opclass` lists those classes with
//! PostgreSQL 15's OIDs so that catalog joins (drivers, ORMs, `pg_dump`)
//! find them.

use super::{CatalogRows, RowBuilder};
use crate::catalog::system::{SysRel, BTREE_AM_OID, USER_OID};
use crate::catalog::{IndexDesc, TableDesc};
use crate::plan::bind::Binder;
use crate::types::{vector, SqlType};

/// PostgreSQL 15's default B-tree operator classes of the types the
/// engine has: (oid, name, family, input type OID).
const BTREE_DEFAULTS: &[(u32, &str, u32, u32)] = &[
    (10003, "bool_ops", 424, 16),
    (10006, "bytea_ops", 428, 17),
    (10007, "char_ops", 429, 18),
    (10028, "name_ops", 1994, 19),
    (3124, "int8_ops", 1976, 20),
    (1979, "int2_ops", 1976, 21),
    (1978, "int4_ops", 1976, 23),
    (3126, "text_ops", 1994, 25),
    (1981, "oid_ops", 1989, 26),
    (10032, "oidvector_ops", 1991, 30),
    (10012, "float4_ops", 1970, 700),
    (3123, "float8_ops", 1970, 701),
    (10026, "macaddr8_ops", 3371, 774),
    (10024, "macaddr_ops", 1984, 829),
    (10015, "inet_ops", 1974, 869),
    (10004, "bpchar_ops", 426, 1042),
    (3122, "date_ops", 434, 1082),
    (10038, "time_ops", 1996, 1083),
    (3128, "timestamp_ops", 434, 1114),
    (3127, "timestamptz_ops", 434, 1184),
    (10022, "interval_ops", 1982, 1186),
    (10041, "timetz_ops", 2000, 1266),
    (10002, "bit_ops", 423, 1560),
    (10043, "varbit_ops", 2002, 1562),
    (3125, "numeric_ops", 1988, 1700),
    (10034, "record_ops", 2994, 2249),
    (10000, "array_ops", 397, 2277),
    (10065, "uuid_ops", 2968, 2950),
    (10069, "enum_ops", 3522, 3500),
    (10088, "jsonb_ops", 4033, 3802),
];

/// The OID of the default B-tree operator class for values of `ty`
/// (`varchar` uses `text_ops`, `cidr` `inet_ops`, as in PostgreSQL);
/// 0 for a type without one.
pub fn default_btree_opclass(ty: &SqlType) -> u32 {
    let input = match ty {
        SqlType::Varchar(_) | SqlType::Text => 25,
        SqlType::Cidr => 869,
        SqlType::Array(_) => 2277,
        SqlType::Enum(_) => 3500,
        SqlType::Composite(_) => 2249,
        SqlType::Reg(_) => 26,
        other => other.oid(),
    };
    BTREE_DEFAULTS
        .iter()
        .find(|c| c.3 == input)
        .map_or(0, |c| c.0)
}

/// The rows of `pg_opclass`.
pub(super) fn pg_opclass(rel: &'static SysRel, out: &mut CatalogRows<'_>) {
    for (oid, name, family, input) in BTREE_DEFAULTS {
        let mut r = RowBuilder::new(rel);
        r.oid("oid", *oid)
            .oid("opcmethod", BTREE_AM_OID)
            .text("opcname", *name)
            .oid("opcnamespace", 11)
            .oid("opcowner", USER_OID)
            .oid("opcfamily", *family)
            .oid("opcintype", *input)
            .bool("opcdefault", true)
            .oid("opckeytype", 0);
        out.push(r.finish());
    }
}

/// The types of `ix`'s key columns (expressions bound over the table;
/// one that cannot be bound counts as `text`).
fn key_types(t: &TableDesc, ix: &IndexDesc) -> Vec<SqlType> {
    let mut lookup = |name: &sqlparser::ast::ObjectName, _: bool| {
        Err(crate::error::EngineError::unsupported(format!(
            "relation {name} in an index expression"
        )))
    };
    let mut binder = Binder::new(Vec::new(), &mut lookup);
    match crate::plan::bound_index::bind_index(t, ix, &mut binder) {
        Ok(b) => b.keys.iter().map(|k| k.ty()).collect(),
        Err(_) => ix
            .columns
            .iter()
            .map(|ic| match ic.expr {
                None => t.columns[ic.column].ty,
                Some(_) => SqlType::Text,
            })
            .collect(),
    }
}

/// `pg_index`'s `indclass`, `indcollation` and `indoption` vectors
/// (key columns only, as PostgreSQL keeps them).
pub(super) fn index_vectors(t: &TableDesc, ix: &IndexDesc) -> [String; 3] {
    let types = key_types(t, ix);
    let class = vector::format(types.iter().map(|ty| i64::from(default_btree_opclass(ty))));
    let coll = vector::format(types.iter().map(|ty| i64::from(super::rows::collation(ty))));
    let option = vector::format(
        ix.columns
            .iter()
            .map(|ic| i64::from(ic.descending) | i64::from(ic.nulls_first) << 1),
    );
    [class, coll, option]
}
