//! What depends on a user-defined type (an enum, composite type or a domain), for
//! `DROP TYPE` and `DROP DOMAIN`: the domains over it, the columns
//! declared with it, and, through its array type, the columns and
//! domains of arrays of it; each in turn with what depends on it.
//!
//! PostgreSQL's `findDependentObjects` walks these depth first, visiting
//! an object's dependents in descending OID order (a table's columns in
//! ascending column order) and recording each object after its
//! dependents; `reportDependentObjects` reports that list backwards.
//! [`dependents`] builds the same order, so the 2BP01 DETAIL and the
//! CASCADE NOTICE list the objects as PostgreSQL does. The array type
//! itself goes silently with its element type (an internal dependency),
//! but the columns of the array name it (`type mood[]`).

use rocksgres_storage::Transaction;

use crate::catalog::{self, user_type, TableDesc};
use crate::error::Result;
use crate::types::domain::DomainDef;
use crate::types::SqlType;

/// The type a DROP removes.
#[derive(Debug, Clone, Copy)]
pub struct DroppedType<'a> {
    /// Its OID.
    pub oid: u32,
    /// The OID of its array type.
    pub array_oid: u32,
    /// Its name.
    pub name: &'a str,
    /// Whether it is a domain (else an enum or composite type).
    pub domain: bool,
}

/// One object that depends (directly or not) on the dropped type.
#[derive(Debug, Clone)]
pub enum Dependent {
    /// A domain over it.
    Domain(DomainDef),
    /// Column `pos` of the table with id `table`.
    Column {
        /// The table's id.
        table: u32,
        /// The column's position.
        pos: usize,
    },
}

/// A dependent with its descriptions.
#[derive(Debug, Clone)]
pub struct Found {
    /// The object.
    pub what: Dependent,
    /// How PostgreSQL names it ("column a of table t", "type d").
    pub name: String,
    /// The type it depends on, as named in the DETAIL ("type d[]").
    pub on: String,
}

/// A node of the walk: a type or the array type of one.
#[derive(Clone, Copy)]
struct TypeRef<'a> {
    oid: u32,
    array_oid: u32,
    name: &'a str,
    domain: bool,
    array: bool,
}

struct World {
    tables: Vec<TableDesc>,
    domains: Vec<DomainDef>,
}

enum Child<'a> {
    Object(Found, Option<TypeRef<'a>>),
    Array(TypeRef<'a>),
}

/// Whether `ty` is the enum or composite type `oid` (or, with `array`,
/// an array of it).
fn is_enum(ty: &SqlType, oid: u32, array: bool) -> bool {
    match ty {
        SqlType::Enum(e) => !array && e.oid == oid,
        SqlType::Composite(c) => !array && c.oid == oid,
        SqlType::Array(SqlType::Enum(e)) => array && e.oid == oid,
        SqlType::Array(SqlType::Composite(c)) => array && c.oid == oid,
        _ => false,
    }
}

impl World {
    fn children<'a>(&'a self, t: TypeRef<'a>) -> Vec<((u32, u32), Child<'a>)> {
        let on = if t.array {
            format!("type {}[]", t.name)
        } else {
            format!("type {}", t.name)
        };
        let mut out = Vec::new();
        for d in &self.domains {
            let over = if t.domain {
                !t.array && d.parent.is_some_and(|p| p.oid == t.oid)
            } else {
                d.parent.is_none() && is_enum(&d.base, t.oid, t.array)
            };
            if over {
                let next = TypeRef {
                    oid: d.oid,
                    array_oid: d.array_oid,
                    name: &d.name,
                    domain: true,
                    array: false,
                };
                let found = Found {
                    what: Dependent::Domain(d.clone()),
                    name: format!("type {}", d.name),
                    on: on.clone(),
                };
                out.push(((d.oid, 0), Child::Object(found, Some(next))));
            }
        }
        for table in &self.tables {
            for (pos, c) in table.visible_columns() {
                let uses = if t.domain {
                    c.domain
                        .is_some_and(|d| d.oid == t.oid && (c.ty != d.base) == t.array)
                } else {
                    c.domain.is_none() && is_enum(&c.ty, t.oid, t.array)
                };
                if uses {
                    let found = Found {
                        what: Dependent::Column {
                            table: table.id,
                            pos,
                        },
                        name: format!("column {} of table {}", c.name, table.name),
                        on: on.clone(),
                    };
                    out.push(((table.id, pos as u32 + 1), Child::Object(found, None)));
                }
            }
        }
        if !t.array {
            // A table's row type's array type is PostgreSQL's second OID
            // of the table, below any later object's: sort it so.
            let key = if t.array_oid == crate::catalog::row_type::row_array_oid(t.oid) {
                t.oid
            } else {
                t.array_oid
            };
            out.push(((key, 0), Child::Array(TypeRef { array: true, ..t })));
        }
        // Descending OID, then ascending column number.
        out.sort_by(|a, b| b.0 .0.cmp(&a.0 .0).then(a.0 .1.cmp(&b.0 .1)));
        out
    }

    /// Appends the dependents of `t` after their own (post-order).
    fn walk<'a>(&'a self, t: TypeRef<'a>, out: &mut Vec<Found>) {
        for (_, child) in self.children(t) {
            match child {
                Child::Array(a) => self.walk(a, out),
                Child::Object(found, next) => {
                    if let Some(n) = next {
                        self.walk(n, out);
                    }
                    out.push(found);
                }
            }
        }
    }
}

/// What depends on `ty`, in PostgreSQL's report order.
pub fn dependents<T: Transaction>(txn: &mut T, ty: DroppedType<'_>) -> Result<Vec<Found>> {
    let world = World {
        tables: catalog::all_tables(txn)?,
        domains: user_type::all_domains(txn)?,
    };
    let mut out = Vec::new();
    world.walk(
        TypeRef {
            oid: ty.oid,
            array_oid: ty.array_oid,
            name: ty.name,
            domain: ty.domain,
            array: false,
        },
        &mut out,
    );
    out.reverse();
    Ok(out)
}

/// Checks what depends on `ty` before it is dropped: 2BP01 without
/// `cascade`; with it, drops the dependents (columns, domains) and
/// returns the NOTICE lines.
pub fn drop_dependents<T: Transaction>(
    txn: &mut T,
    ty: DroppedType<'_>,
    cascade: bool,
) -> Result<Vec<String>> {
    let found = dependents(txn, ty)?;
    drop_found(txn, &found, &format!("type {}", ty.name), cascade)
}

/// Drops the dependents `found` of the object `what` ("type mood",
/// "table p") that a DROP removes: 2BP01 without `cascade`; with it,
/// drops them and returns the NOTICE lines.
pub fn drop_found<T: Transaction>(
    txn: &mut T,
    found: &[Found],
    what: &str,
    cascade: bool,
) -> Result<Vec<String>> {
    if found.is_empty() {
        return Ok(Vec::new());
    }
    if !cascade {
        let lines: Vec<String> = found
            .iter()
            .map(|f| format!("{} depends on {}", f.name, f.on))
            .collect();
        return Err(crate::exec::dependents::still_exist(what, &lines));
    }
    let names: Vec<String> = found.iter().map(|f| f.name.clone()).collect();
    let mut notices: Vec<String> = crate::exec::dependents::cascade_notice(&names)
        .into_iter()
        .collect();
    // The columns first (grouped by table), then the domains.
    let mut tables: Vec<(u32, Vec<usize>)> = Vec::new();
    for f in found {
        if let Dependent::Column { table, pos } = f.what {
            match tables.iter_mut().find(|(t, _)| *t == table) {
                Some((_, cols)) => cols.push(pos),
                None => tables.push((table, vec![pos])),
            }
        }
    }
    for (id, cols) in tables {
        let Some(mut table) = catalog::foreign_key::table_by_id(txn, id)? else {
            continue;
        };
        for pos in cols {
            notices.extend(crate::exec::alter::drop_column_at(
                txn, &mut table, pos, true,
            )?);
        }
        catalog::update_table(txn, &table)?;
    }
    for f in found {
        if let Dependent::Domain(d) = &f.what {
            user_type::drop_domain(txn, d)?;
        }
    }
    Ok(notices)
}
