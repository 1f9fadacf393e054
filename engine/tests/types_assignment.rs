//! Assignment-context behaviour (`INSERT` into typed columns), typmods and
//! storage round trips, checked against PostgreSQL 15.
//!
//! Expected values come from, in psql:
//!   create temp table t (v varchar(3), c char(4), n numeric(4,2), i int2);
//!   insert into t(v) values ('abcd');        -- ERROR 22001 value too long for type character varying(3)
//!   insert into t(v) values ('ab   ');       -- ok, stored 'ab ' (excess spaces cut)
//!   insert into t(c) values ('abcde');       -- ERROR 22001 value too long for type character(4)
//!   insert into t(c) values ('ab');          -- stored 'ab  '
//!   insert into t(n) values (12.345);        -- stored 12.35
//!   insert into t(n) values (999.9);         -- ERROR 22003 numeric field overflow
//!   insert into t(i) values (40000);         -- ERROR 22003 smallint out of range
//!   insert into t(i) values (2.5);           -- stored 3 (numeric rounds half away from zero)
//!   insert into t(v) values ('ééé');         -- ok: lengths count characters
//!   select c || '|' from t;                  -- 'ab|': char(n) loses its padding as text

mod types_common;

use rocksgres_engine::types::CastKind::Assignment;
use rocksgres_engine::types::{cast, cast_from, Interval, Numeric, SqlType, Value};
use types_common::ty;

fn assign(v: Value, to: &str) -> Result<String, (String, String)> {
    cast(v, &ty(to), Assignment)
        .map(|v| v.to_text().unwrap_or_default())
        .map_err(|e| (e.code().to_owned(), e.message))
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

#[test]
fn string_assignment() {
    assert_eq!(
        assign(text("abcd"), "varchar(3)"),
        Err((
            "22001".into(),
            "value too long for type character varying(3)".into()
        ))
    );
    assert_eq!(assign(text("ab   "), "varchar(3)"), Ok("ab ".into()));
    assert_eq!(
        assign(text("abcde"), "char(4)"),
        Err((
            "22001".into(),
            "value too long for type character(4)".into()
        ))
    );
    assert_eq!(assign(text("ab"), "char(4)"), Ok("ab  ".into()));
    // Multibyte characters count as one: select 'ééé'::varchar(3) -> ééé
    assert_eq!(assign(text("ééé"), "varchar(3)"), Ok("ééé".into()));
}

#[test]
fn numeric_assignment() {
    let n = |s: &str| Value::Numeric(Numeric::parse(s).unwrap());
    assert_eq!(assign(n("12.345"), "numeric(4,2)"), Ok("12.35".into()));
    let e = cast(n("999.9"), &ty("numeric(4,2)"), Assignment).unwrap_err();
    assert_eq!(e.code(), "22003");
    assert_eq!(e.message, "numeric field overflow");
    assert_eq!(
        e.detail.as_deref(),
        Some("A field with precision 4, scale 2 must round to an absolute value less than 10^2.")
    );
    assert_eq!(
        assign(Value::Int4(40000), "int2"),
        Err(("22003".into(), "smallint out of range".into()))
    );
    assert_eq!(assign(n("2.5"), "int2"), Ok("3".into()));
}

#[test]
fn storage_round_trip_keeps_type_information() {
    let cases = [
        (Value::Timestamptz(1_000_000), "timestamptz"),
        (Value::Timestamp(-5), "timestamp"),
        (
            Value::Interval(Interval::new(14, -3, 4_000_000)),
            "interval",
        ),
        (Value::Text("ab  ".into()), "char(4)"),
        (
            Value::Numeric(Numeric::parse("-1.50").unwrap()),
            "numeric(5,2)",
        ),
        (Value::Date(i32::MAX), "date"),
    ];
    for (v, t) in cases {
        let t = ty(t);
        let datum = v.to_datum().into_owned();
        assert_eq!(datum.data_type(), Some(t.storage_type()));
        let back = Value::from_datum(datum, &t).unwrap();
        assert_eq!(back.to_text(), v.to_text());
    }
}

#[test]
fn char_to_text_drops_padding() {
    // psql: select 'ab'::char(4)::text || '|'  -> ab|
    let v = cast_from(
        text("ab  "),
        &SqlType::Char(Some(4)),
        &SqlType::Text,
        Assignment,
    )
    .unwrap();
    assert_eq!(v, text("ab"));
}
