//! Differential cases for the `time [without time zone]` type of
//! `engine::types`, each verified against a real PostgreSQL 15 (DateStyle
//! ISO, MDY; TimeZone UTC; extra_float_digits 1). The expected text is the
//! output of the query in each comment under `psql -At -P null=<NULL>`
//! with `\set VERBOSITY verbose` (for the SQLSTATE of errors).

mod types_common;
use rocksgres_engine::types::{SqlType, Value};
use types_common::*;

/// `select $$input$$::time`.
const IO_CASES: &[IoCase] = &[
    // psql: select $$12:34:56$$::time
    ("time", "12:34:56", Ok("12:34:56")),
    // psql: select $$12:34$$::time
    ("time", "12:34", Ok("12:34:00")),
    // psql: select $$12:34:56.789$$::time
    ("time", "12:34:56.789", Ok("12:34:56.789")),
    // psql: select $$1:2:3$$::time
    ("time", "1:2:3", Ok("01:02:03")),
    // psql: select $$allballs$$::time
    ("time", "allballs", Ok("00:00:00")),
    // psql: select $$  Allballs $$::time
    ("time", "  Allballs ", Ok("00:00:00")),
    // psql: select $$24:00:00$$::time
    ("time", "24:00:00", Ok("24:00:00")),
    // psql: select $$24:00$$::time
    ("time", "24:00", Ok("24:00:00")),
    // psql: select $$00:00:00$$::time
    ("time", "00:00:00", Ok("00:00:00")),
    // psql: select $$23:59:59.999999$$::time
    ("time", "23:59:59.999999", Ok("23:59:59.999999")),
    // psql: select $$23:59:59.9999999$$::time
    ("time", "23:59:59.9999999", Ok("24:00:00")),
    // psql: select $$23:59:60$$::time
    ("time", "23:59:60", Ok("24:00:00")),
    // psql: select $$12:34:60$$::time
    ("time", "12:34:60", Ok("12:35:00")),
    // psql: select $$12:34:56.1234567$$::time
    ("time", "12:34:56.1234567", Ok("12:34:56.123457")),
    // psql: select $$01:02:03.0000005$$::time
    ("time", "01:02:03.0000005", Ok("01:02:03")),
    // psql: select $$12:34:56.000$$::time
    ("time", "12:34:56.000", Ok("12:34:56")),
    // psql: select $$12:34.5$$::time
    ("time", "12:34.5", Ok("00:12:34.5")),
    // psql: select $$12:$$::time
    ("time", "12:", Ok("12:00:00")),
    // psql: select $$1:2:3.$$::time
    ("time", "1:2:3.", Ok("01:02:03")),
    // psql: select $$T12:34:56$$::time
    ("time", "T12:34:56", Ok("12:34:56")),
    // psql: select $$040506$$::time
    ("time", "040506", Ok("04:05:06")),
    // psql: select $$040506.5$$::time
    ("time", "040506.5", Ok("04:05:06.5")),
    // psql: select $$0405$$::time
    ("time", "0405", Ok("04:05:00")),
    // psql: select $$2400$$::time
    ("time", "2400", Ok("24:00:00")),
    // psql: select $$240000$$::time
    ("time", "240000", Ok("24:00:00")),
    // psql: select $$12:34 pm$$::time
    ("time", "12:34 pm", Ok("12:34:00")),
    // psql: select $$12:34 am$$::time
    ("time", "12:34 am", Ok("00:34:00")),
    // psql: select $$12:00 am$$::time
    ("time", "12:00 am", Ok("00:00:00")),
    // psql: select $$00:00 pm$$::time
    ("time", "00:00 pm", Ok("12:00:00")),
    // psql: select $$12:34:56z$$::time
    ("time", "12:34:56z", Ok("12:34:56")),
    // psql: select $$12:34:56 utc$$::time
    ("time", "12:34:56 utc", Ok("12:34:56")),
    // psql: select $$12:34:56+05:30$$::time
    ("time", "12:34:56+05:30", Ok("12:34:56")),
    // psql: select $$12:34:56-0800$$::time
    ("time", "12:34:56-0800", Ok("12:34:56")),
    // psql: select $$12:34:56 UTC+3$$::time
    ("time", "12:34:56 UTC+3", Ok("12:34:56")),
    // psql: select $$2000-01-01 12:34:56$$::time
    ("time", "2000-01-01 12:34:56", Ok("12:34:56")),
    // psql: select $$2000-01-01 24:00$$::time
    ("time", "2000-01-01 24:00", Ok("24:00:00")),
    // psql: select $$24:00:00.1$$::time
    (
        "time",
        "24:00:00.1",
        Err((
            "22008",
            "date/time field value out of range: \"24:00:00.1\"",
        )),
    ),
    // psql: select $$24:00:01$$::time
    (
        "time",
        "24:00:01",
        Err(("22008", "date/time field value out of range: \"24:00:01\"")),
    ),
    // psql: select $$25:00$$::time
    (
        "time",
        "25:00",
        Err(("22008", "date/time field value out of range: \"25:00\"")),
    ),
    // psql: select $$120:00$$::time
    (
        "time",
        "120:00",
        Err(("22008", "date/time field value out of range: \"120:00\"")),
    ),
    // psql: select $$12:60$$::time
    (
        "time",
        "12:60",
        Err(("22008", "date/time field value out of range: \"12:60\"")),
    ),
    // psql: select $$12:34:61$$::time
    (
        "time",
        "12:34:61",
        Err(("22008", "date/time field value out of range: \"12:34:61\"")),
    ),
    // psql: select $$23:59:60.5$$::time
    (
        "time",
        "23:59:60.5",
        Err((
            "22008",
            "date/time field value out of range: \"23:59:60.5\"",
        )),
    ),
    // psql: select $$13:00 pm$$::time
    (
        "time",
        "13:00 pm",
        Err(("22008", "date/time field value out of range: \"13:00 pm\"")),
    ),
    // psql: select $$2000-13-01 12:00$$::time
    (
        "time",
        "2000-13-01 12:00",
        Err((
            "22008",
            "date/time field value out of range: \"2000-13-01 12:00\"",
        )),
    ),
    // psql: select $$12:34 +16$$::time
    (
        "time",
        "12:34 +16",
        Err((
            "22009",
            "time zone displacement out of range: \"12:34 +16\"",
        )),
    ),
    // psql: select $$abc$$::time
    (
        "time",
        "abc",
        Err(("22007", "invalid input syntax for type time: \"abc\"")),
    ),
    // psql: select $$$$::time
    (
        "time",
        "",
        Err(("22007", "invalid input syntax for type time: \"\"")),
    ),
    // psql: select $$12$$::time
    (
        "time",
        "12",
        Err(("22007", "invalid input syntax for type time: \"12\"")),
    ),
    // psql: select $$12.5$$::time
    (
        "time",
        "12.5",
        Err(("22007", "invalid input syntax for type time: \"12.5\"")),
    ),
    // psql: select $$-1:00$$::time
    (
        "time",
        "-1:00",
        Err(("22007", "invalid input syntax for type time: \"-1:00\"")),
    ),
    // psql: select $$12:34:56T$$::time
    (
        "time",
        "12:34:56T",
        Err(("22007", "invalid input syntax for type time: \"12:34:56T\"")),
    ),
    // psql: select $$12:34:56:78$$::time
    (
        "time",
        "12:34:56:78",
        Err((
            "22007",
            "invalid input syntax for type time: \"12:34:56:78\"",
        )),
    ),
    // psql: select $$01:02:03.4.5$$::time
    (
        "time",
        "01:02:03.4.5",
        Err((
            "22007",
            "invalid input syntax for type time: \"01:02:03.4.5\"",
        )),
    ),
    // psql: select $$12:34 pm pm$$::time
    (
        "time",
        "12:34 pm pm",
        Err((
            "22007",
            "invalid input syntax for type time: \"12:34 pm pm\"",
        )),
    ),
    // psql: select $$12:34 xyz$$::time
    (
        "time",
        "12:34 xyz",
        Err(("22007", "invalid input syntax for type time: \"12:34 xyz\"")),
    ),
    // psql: select $$2000-01-01$$::time
    (
        "time",
        "2000-01-01",
        Err((
            "22007",
            "invalid input syntax for type time: \"2000-01-01\"",
        )),
    ),
    // psql: select $$12 :34$$::time
    (
        "time",
        "12 :34",
        Err(("22007", "invalid input syntax for type time: \"12 :34\"")),
    ),
    // psql: select $$25:00 xyz$$::time
    (
        "time",
        "25:00 xyz",
        Err(("22007", "invalid input syntax for type time: \"25:00 xyz\"")),
    ),
    // psql: select $$12:60 xyz$$::time
    (
        "time",
        "12:60 xyz",
        Err(("22008", "date/time field value out of range: \"12:60 xyz\"")),
    ),
];

/// `select $$input$$::from::to`.
const CAST_CASES: &[CastCase] = &[
    // psql: select $$12:34:56.5$$::time::text
    ("time", "12:34:56.5", "text", Ok("12:34:56.5")),
    // psql: select $$24:00$$::time::text
    ("time", "24:00", "text", Ok("24:00:00")),
    // psql: select $$12:34:56.5$$::time::interval
    ("time", "12:34:56.5", "interval", Ok("12:34:56.5")),
    // psql: select $$24:00$$::time::interval
    ("time", "24:00", "interval", Ok("24:00:00")),
    // psql: select $$1 day -3 hours 2 mons$$::interval::time
    ("interval", "1 day -3 hours 2 mons", "time", Ok("21:00:00")),
    // psql: select $$-1 hours$$::interval::time
    ("interval", "-1 hours", "time", Ok("23:00:00")),
    // psql: select $$24 hours$$::interval::time
    ("interval", "24 hours", "time", Ok("00:00:00")),
    // psql: select $$-25:30:00.5$$::interval::time
    ("interval", "-25:30:00.5", "time", Ok("22:29:59.5")),
    // psql: select $$2000-01-01 12:34:56.7$$::timestamp::time
    (
        "timestamp",
        "2000-01-01 12:34:56.7",
        "time",
        Ok("12:34:56.7"),
    ),
    // psql: select $$1999-12-31 23:59:59.999999$$::timestamp::time
    (
        "timestamp",
        "1999-12-31 23:59:59.999999",
        "time",
        Ok("23:59:59.999999"),
    ),
    // psql: select $$infinity$$::timestamp::time
    ("timestamp", "infinity", "time", Ok("<NULL>")),
    // psql: select $$2000-01-01 12:34:56.7+03$$::timestamptz::time
    (
        "timestamptz",
        "2000-01-01 12:34:56.7+03",
        "time",
        Ok("09:34:56.7"),
    ),
    // psql: select $$13:14$$::text::time
    ("text", "13:14", "time", Ok("13:14:00")),
    // psql: select $$1:2$$::varchar::time
    ("varchar", "1:2", "time", Ok("01:02:00")),
    // psql: select $$12:00$$::time::time
    ("time", "12:00", "time", Ok("12:00:00")),
    // psql: select $$2000-01-01$$::date::time
    (
        "date",
        "2000-01-01",
        "time",
        Err(("42846", "cannot cast type date to time without time zone")),
    ),
    // psql: select $$12:00$$::time::timestamp
    (
        "time",
        "12:00",
        "timestamp",
        Err((
            "42846",
            "cannot cast type time without time zone to timestamp without time zone",
        )),
    ),
    // psql: select $$12:00$$::time::date
    (
        "time",
        "12:00",
        "date",
        Err(("42846", "cannot cast type time without time zone to date")),
    ),
    // psql: select $$12:00$$::time::int4
    (
        "time",
        "12:00",
        "int4",
        Err((
            "42846",
            "cannot cast type time without time zone to integer",
        )),
    ),
];

/// `select l op r, pg_typeof(l op r)`.
const OP_CASES: &[OpCase] = &[
    // psql: select $$12:00$$::time - $$13:30:00.5$$::time, pg_typeof($$12:00$$::time - $$13:30:00.5$$::time)
    (
        "time",
        "12:00",
        "-",
        "time",
        "13:30:00.5",
        Ok(("interval", "-01:30:00.5")),
    ),
    // psql: select $$24:00$$::time - $$00:00$$::time, pg_typeof($$24:00$$::time - $$00:00$$::time)
    (
        "time",
        "24:00",
        "-",
        "time",
        "00:00",
        Ok(("interval", "24:00:00")),
    ),
    // psql: select $$23:00$$::time + $$2 hours$$::interval, pg_typeof($$23:00$$::time + $$2 hours$$::interval)
    (
        "time",
        "23:00",
        "+",
        "interval",
        "2 hours",
        Ok(("time without time zone", "01:00:00")),
    ),
    // psql: select $$01:00$$::time - $$2 hours$$::interval, pg_typeof($$01:00$$::time - $$2 hours$$::interval)
    (
        "time",
        "01:00",
        "-",
        "interval",
        "2 hours",
        Ok(("time without time zone", "23:00:00")),
    ),
    // psql: select $$01:00$$::time + $$1 day 3 mons 1 hour$$::interval, pg_typeof($$01:00$$::time + $$1 day 3 mons 1 hour$$::interval)
    (
        "time",
        "01:00",
        "+",
        "interval",
        "1 day 3 mons 1 hour",
        Ok(("time without time zone", "02:00:00")),
    ),
    // psql: select $$-25 hours$$::interval + $$01:00$$::time, pg_typeof($$-25 hours$$::interval + $$01:00$$::time)
    (
        "interval",
        "-25 hours",
        "+",
        "time",
        "01:00",
        Ok(("time without time zone", "00:00:00")),
    ),
    // psql: select $$24:00$$::time + $$0$$::interval, pg_typeof($$24:00$$::time + $$0$$::interval)
    (
        "time",
        "24:00",
        "+",
        "interval",
        "0",
        Ok(("time without time zone", "00:00:00")),
    ),
    // psql: select $$24:00$$::time - $$0$$::interval, pg_typeof($$24:00$$::time - $$0$$::interval)
    (
        "time",
        "24:00",
        "-",
        "interval",
        "0",
        Ok(("time without time zone", "00:00:00")),
    ),
    // psql: select $$12:00$$::time - $$1 day$$::interval, pg_typeof($$12:00$$::time - $$1 day$$::interval)
    (
        "time",
        "12:00",
        "-",
        "interval",
        "1 day",
        Ok(("time without time zone", "12:00:00")),
    ),
    // psql: select $$12:00$$::time + $$1 hour$$, pg_typeof($$12:00$$::time + $$1 hour$$)
    (
        "time",
        "12:00",
        "+",
        "unknown",
        "1 hour",
        Ok(("time without time zone", "13:00:00")),
    ),
    // psql: select $$1 hour$$ + $$12:00$$::time, pg_typeof($$1 hour$$ + $$12:00$$::time)
    (
        "unknown",
        "1 hour",
        "+",
        "time",
        "12:00",
        Ok(("time without time zone", "13:00:00")),
    ),
    // psql: select $$12:00$$::time - $$11:00$$, pg_typeof($$12:00$$::time - $$11:00$$)
    (
        "time",
        "12:00",
        "-",
        "unknown",
        "11:00",
        Ok(("interval", "01:00:00")),
    ),
    // psql: select $$13:00$$ - $$12:00$$::time, pg_typeof($$13:00$$ - $$12:00$$::time)
    (
        "unknown",
        "13:00",
        "-",
        "time",
        "12:00",
        Ok(("interval", "01:00:00")),
    ),
    // psql: select $$12:00$$::time - $$1 hour$$, pg_typeof($$12:00$$::time - $$1 hour$$)
    (
        "time",
        "12:00",
        "-",
        "unknown",
        "1 hour",
        Err(("22007", "invalid input syntax for type time: \"1 hour\"")),
    ),
    // psql: select $$2000-01-01$$::date + $$12:34:56.5$$::time, pg_typeof($$2000-01-01$$::date + $$12:34:56.5$$::time)
    (
        "date",
        "2000-01-01",
        "+",
        "time",
        "12:34:56.5",
        Ok(("timestamp without time zone", "2000-01-01 12:34:56.5")),
    ),
    // psql: select $$24:00$$::time + $$2000-01-01$$::date, pg_typeof($$24:00$$::time + $$2000-01-01$$::date)
    (
        "time",
        "24:00",
        "+",
        "date",
        "2000-01-01",
        Ok(("timestamp without time zone", "2000-01-02 00:00:00")),
    ),
    // psql: select $$infinity$$::date + $$12:00$$::time, pg_typeof($$infinity$$::date + $$12:00$$::time)
    (
        "date",
        "infinity",
        "+",
        "time",
        "12:00",
        Ok(("timestamp without time zone", "infinity")),
    ),
    // psql: select $$2000-01-01$$::date - $$01:00$$::time, pg_typeof($$2000-01-01$$::date - $$01:00$$::time)
    (
        "date",
        "2000-01-01",
        "-",
        "time",
        "01:00",
        Ok(("timestamp without time zone", "1999-12-31 23:00:00")),
    ),
    // psql: select $$2000-01-01$$::timestamp + $$01:00$$::time, pg_typeof($$2000-01-01$$::timestamp + $$01:00$$::time)
    (
        "timestamp",
        "2000-01-01",
        "+",
        "time",
        "01:00",
        Ok(("timestamp without time zone", "2000-01-01 01:00:00")),
    ),
    // psql: select $$2000-01-01$$::timestamp - $$01:00$$::time, pg_typeof($$2000-01-01$$::timestamp - $$01:00$$::time)
    (
        "timestamp",
        "2000-01-01",
        "-",
        "time",
        "01:00",
        Ok(("timestamp without time zone", "1999-12-31 23:00:00")),
    ),
    // psql: select $$01:00$$::time + $$2000-01-01$$::timestamp, pg_typeof($$01:00$$::time + $$2000-01-01$$::timestamp)
    (
        "time",
        "01:00",
        "+",
        "timestamp",
        "2000-01-01",
        Ok(("timestamp without time zone", "2000-01-01 01:00:00")),
    ),
    // psql: select $$2000-01-01$$::timestamptz + $$01:00$$::time, pg_typeof($$2000-01-01$$::timestamptz + $$01:00$$::time)
    (
        "timestamptz",
        "2000-01-01",
        "+",
        "time",
        "01:00",
        Ok(("timestamp with time zone", "2000-01-01 01:00:00+00")),
    ),
    // psql: select $$1 day$$::interval - $$01:00$$::time, pg_typeof($$1 day$$::interval - $$01:00$$::time)
    (
        "interval",
        "1 day",
        "-",
        "time",
        "01:00",
        Ok(("interval", "1 day -01:00:00")),
    ),
    // psql: select $$12:00$$::time / $$2$$::int4, pg_typeof($$12:00$$::time / $$2$$::int4)
    (
        "time",
        "12:00",
        "/",
        "int4",
        "2",
        Ok(("interval", "06:00:00")),
    ),
    // psql: select $$2$$::int4 * $$12:00$$::time, pg_typeof($$2$$::int4 * $$12:00$$::time)
    (
        "int4",
        "2",
        "*",
        "time",
        "12:00",
        Ok(("interval", "24:00:00")),
    ),
    // psql: select $$12:00$$::time + $$01:00$$::time, pg_typeof($$12:00$$::time + $$01:00$$::time)
    (
        "time",
        "12:00",
        "+",
        "time",
        "01:00",
        Err((
            "42725",
            "operator is not unique: time without time zone + time without time zone",
        )),
    ),
    // psql: select $$12:00$$::time - $$2000-01-01$$::date, pg_typeof($$12:00$$::time - $$2000-01-01$$::date)
    (
        "time",
        "12:00",
        "-",
        "date",
        "2000-01-01",
        Err((
            "42883",
            "operator does not exist: time without time zone - date",
        )),
    ),
    // psql: select $$12:00$$::time < $$13:00$$::time, pg_typeof($$12:00$$::time < $$13:00$$::time)
    (
        "time",
        "12:00",
        "<",
        "time",
        "13:00",
        Ok(("boolean", "true")),
    ),
    // psql: select $$24:00$$::time > $$23:59:59.999999$$::time, pg_typeof($$24:00$$::time > $$23:59:59.999999$$::time)
    (
        "time",
        "24:00",
        ">",
        "time",
        "23:59:59.999999",
        Ok(("boolean", "true")),
    ),
    // psql: select $$12:00$$::time = $$12:00:00$$, pg_typeof($$12:00$$::time = $$12:00:00$$)
    (
        "time",
        "12:00",
        "=",
        "unknown",
        "12:00:00",
        Ok(("boolean", "true")),
    ),
    // psql: select $$12:00$$::time <> $$12:00:00.000001$$::time, pg_typeof($$12:00$$::time <> $$12:00:00.000001$$::time)
    (
        "time",
        "12:00",
        "<>",
        "time",
        "12:00:00.000001",
        Ok(("boolean", "true")),
    ),
    // psql: select $$12:00$$::time >= $$12:00$$::time, pg_typeof($$12:00$$::time >= $$12:00$$::time)
    (
        "time",
        "12:00",
        ">=",
        "time",
        "12:00",
        Ok(("boolean", "true")),
    ),
    // psql: select $$12:00$$::time < $$13:00$$::interval, pg_typeof($$12:00$$::time < $$13:00$$::interval)
    (
        "time",
        "12:00",
        "<",
        "interval",
        "13:00",
        Ok(("boolean", "true")),
    ),
    // psql: select $$12:00$$::time = $$2000-01-01$$::date, pg_typeof($$12:00$$::time = $$2000-01-01$$::date)
    (
        "time",
        "12:00",
        "=",
        "date",
        "2000-01-01",
        Err((
            "42883",
            "operator does not exist: time without time zone = date",
        )),
    ),
    // psql: select $$12:00$$::time < $$2000-01-01$$::timestamp, pg_typeof($$12:00$$::time < $$2000-01-01$$::timestamp)
    (
        "time",
        "12:00",
        "<",
        "timestamp",
        "2000-01-01",
        Err((
            "42883",
            "operator does not exist: time without time zone < timestamp without time zone",
        )),
    ),
    // psql: select $$12:00$$::time || $$x$$, pg_typeof($$12:00$$::time || $$x$$)
    (
        "time",
        "12:00",
        "||",
        "unknown",
        "x",
        Ok(("text", "12:00:00x")),
    ),
];

/// `select f(args), pg_typeof(f(args))`.
const FUNC_CASES: &[FuncCase] = &[
    // psql: select extract(hour from $$13:45:56.789012$$::time), pg_typeof(extract(hour from $$13:45:56.789012$$::time))
    (
        "extract",
        &[("text", "hour"), ("time", "13:45:56.789012")],
        Ok(("numeric", "13")),
    ),
    // psql: select extract(minute from $$13:45:56.789012$$::time), pg_typeof(extract(minute from $$13:45:56.789012$$::time))
    (
        "extract",
        &[("text", "minute"), ("time", "13:45:56.789012")],
        Ok(("numeric", "45")),
    ),
    // psql: select extract(second from $$13:45:56.789012$$::time), pg_typeof(extract(second from $$13:45:56.789012$$::time))
    (
        "extract",
        &[("text", "second"), ("time", "13:45:56.789012")],
        Ok(("numeric", "56.789012")),
    ),
    // psql: select extract(microseconds from $$13:45:56.789012$$::time), pg_typeof(extract(microseconds from $$13:45:56.789012$$::time))
    (
        "extract",
        &[("text", "microseconds"), ("time", "13:45:56.789012")],
        Ok(("numeric", "56789012")),
    ),
    // psql: select extract(milliseconds from $$13:45:56.789012$$::time), pg_typeof(extract(milliseconds from $$13:45:56.789012$$::time))
    (
        "extract",
        &[("text", "milliseconds"), ("time", "13:45:56.789012")],
        Ok(("numeric", "56789.012")),
    ),
    // psql: select extract(epoch from $$13:45:56.789012$$::time), pg_typeof(extract(epoch from $$13:45:56.789012$$::time))
    (
        "extract",
        &[("text", "epoch"), ("time", "13:45:56.789012")],
        Ok(("numeric", "49556.789012")),
    ),
    // psql: select extract(day from $$13:45:56.789012$$::time), pg_typeof(extract(day from $$13:45:56.789012$$::time))
    (
        "extract",
        &[("text", "day"), ("time", "13:45:56.789012")],
        Err((
            "0A000",
            "unit \"day\" not supported for type time without time zone",
        )),
    ),
    // psql: select extract(foo from $$13:45:56.789012$$::time), pg_typeof(extract(foo from $$13:45:56.789012$$::time))
    (
        "extract",
        &[("text", "foo"), ("time", "13:45:56.789012")],
        Err((
            "22023",
            "unit \"foo\" not recognized for type time without time zone",
        )),
    ),
    // psql: select date_part($$hour$$::text, $$13:45:56.789012$$::time), pg_typeof(date_part($$hour$$::text, $$13:45:56.789012$$::time))
    (
        "date_part",
        &[("text", "hour"), ("time", "13:45:56.789012")],
        Ok(("double precision", "13")),
    ),
    // psql: select date_part($$minute$$::text, $$13:45:56.789012$$::time), pg_typeof(date_part($$minute$$::text, $$13:45:56.789012$$::time))
    (
        "date_part",
        &[("text", "minute"), ("time", "13:45:56.789012")],
        Ok(("double precision", "45")),
    ),
    // psql: select date_part($$second$$::text, $$13:45:56.789012$$::time), pg_typeof(date_part($$second$$::text, $$13:45:56.789012$$::time))
    (
        "date_part",
        &[("text", "second"), ("time", "13:45:56.789012")],
        Ok(("double precision", "56.789012")),
    ),
    // psql: select date_part($$microseconds$$::text, $$13:45:56.789012$$::time), pg_typeof(date_part($$microseconds$$::text, $$13:45:56.789012$$::time))
    (
        "date_part",
        &[("text", "microseconds"), ("time", "13:45:56.789012")],
        Ok(("double precision", "56789012")),
    ),
    // psql: select date_part($$milliseconds$$::text, $$13:45:56.789012$$::time), pg_typeof(date_part($$milliseconds$$::text, $$13:45:56.789012$$::time))
    (
        "date_part",
        &[("text", "milliseconds"), ("time", "13:45:56.789012")],
        Ok(("double precision", "56789.012")),
    ),
    // psql: select date_part($$epoch$$::text, $$13:45:56.789012$$::time), pg_typeof(date_part($$epoch$$::text, $$13:45:56.789012$$::time))
    (
        "date_part",
        &[("text", "epoch"), ("time", "13:45:56.789012")],
        Ok(("double precision", "49556.789012")),
    ),
    // psql: select date_part($$day$$::text, $$13:45:56.789012$$::time), pg_typeof(date_part($$day$$::text, $$13:45:56.789012$$::time))
    (
        "date_part",
        &[("text", "day"), ("time", "13:45:56.789012")],
        Err((
            "0A000",
            "unit \"day\" not supported for type time without time zone",
        )),
    ),
    // psql: select date_part($$foo$$::text, $$13:45:56.789012$$::time), pg_typeof(date_part($$foo$$::text, $$13:45:56.789012$$::time))
    (
        "date_part",
        &[("text", "foo"), ("time", "13:45:56.789012")],
        Err((
            "22023",
            "unit \"foo\" not recognized for type time without time zone",
        )),
    ),
    // psql: select extract(epoch from $$24:00$$::time), pg_typeof(extract(epoch from $$24:00$$::time))
    (
        "extract",
        &[("text", "epoch"), ("time", "24:00")],
        Ok(("numeric", "86400.000000")),
    ),
    // psql: select extract(hour from $$24:00$$::time), pg_typeof(extract(hour from $$24:00$$::time))
    (
        "extract",
        &[("text", "hour"), ("time", "24:00")],
        Ok(("numeric", "24")),
    ),
    // psql: select date_part($$SECONDS$$::text, $$00:00:01$$::time), pg_typeof(date_part($$SECONDS$$::text, $$00:00:01$$::time))
    (
        "date_part",
        &[("text", "SECONDS"), ("time", "00:00:01")],
        Ok(("double precision", "1")),
    ),
    // psql: select date_trunc($$hour$$::text, $$12:34$$::time), pg_typeof(date_trunc($$hour$$::text, $$12:34$$::time))
    (
        "date_trunc",
        &[("text", "hour"), ("time", "12:34")],
        Ok(("interval", "12:00:00")),
    ),
    // psql: select greatest($$12:00$$::time, $$13:00$$::time), pg_typeof(greatest($$12:00$$::time, $$13:00$$::time))
    (
        "greatest",
        &[("time", "12:00"), ("time", "13:00")],
        Ok(("time without time zone", "13:00:00")),
    ),
];

#[test]
fn time_io_matches_postgres() {
    check_io(IO_CASES);
}

#[test]
fn time_casts_match_postgres() {
    check_casts(CAST_CASES);
}

#[test]
fn time_ops_match_postgres() {
    check_ops(OP_CASES);
}

#[test]
fn time_funcs_match_postgres() {
    check_funcs(FUNC_CASES);
}

#[test]
fn time_type_identity() {
    // psql: select oid, typlen, typname, format_type(oid, null) from pg_type where oid = 'time'::regtype
    //   -> 1083|8|time|time without time zone
    for name in ["time", "time without time zone"] {
        let t = ty(name);
        assert_eq!(t, SqlType::Time(None));
        assert_eq!(t.oid(), 1083);
        assert_eq!(t.type_len(), 8);
        assert_eq!(t.type_name(), "time");
        assert_eq!(t.display_name(), "time without time zone");
    }
    assert_eq!(SqlType::from_oid(1083), Some(SqlType::Time(None)));
    assert_eq!(
        SqlType::Time(None).storage_type(),
        rocksgres_codec::DataType::Int8
    );
}

#[test]
fn time_storage_round_trip_and_order() {
    let times = [
        "00:00",
        "00:00:00.000001",
        "12:34:56.789",
        "23:59:59.999999",
        "24:00",
    ];
    let values: Vec<Value> = times
        .iter()
        .map(|t| Value::parse_text(t, &SqlType::Time(None)).unwrap())
        .collect();
    for v in &values {
        let back = Value::from_datum(v.to_datum().into_owned(), &SqlType::Time(None)).unwrap();
        assert_eq!(&back, v);
    }
    // Microseconds since midnight: the int8 order is the time order.
    for pair in values.windows(2) {
        let (Value::Time(a), Value::Time(b)) = (&pair[0], &pair[1]) else {
            panic!("not times: {pair:?}");
        };
        assert!(a < b);
    }
}

fn texts(r: &rocksgres_engine::QueryResult) -> Vec<String> {
    r.rows
        .iter()
        .map(|row| {
            row.values()
                .iter()
                .map(|v| v.to_text().unwrap_or_else(|| "NULL".to_owned()))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

#[test]
fn time_columns_through_a_session() {
    let db = rocksgres_engine::Database::open_in_memory();
    let mut s = db.session();
    let mut q = |sql: &str| texts(&s.query(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}")));
    q("CREATE TABLE tt (id int PRIMARY KEY, t time)");
    q("INSERT INTO tt VALUES (1, '12:34:56.5'), (2, '24:00'), (3, '00:00:01'), (4, NULL)");
    // psql: select t, t + interval '1 hour', extract(hour from t) from tt
    //   where t > '00:00' order by t
    assert_eq!(
        q("SELECT t, t + interval '1 hour', extract(hour from t) FROM tt WHERE t > '00:00' ORDER BY t"),
        [
            "00:00:01|01:00:01|0",
            "12:34:56.5|13:34:56.5|12",
            "24:00:00|01:00:00|24"
        ]
    );
    // A time primary key: keys sort in time order.
    q("CREATE TABLE tk (t time PRIMARY KEY)");
    q("INSERT INTO tk VALUES ('23:00'), ('01:00'), ('24:00'), ('12:00')");
    // psql: select * from tk where t >= '12:00' order by t
    assert_eq!(
        q("SELECT * FROM tk WHERE t >= '12:00' ORDER BY t"),
        ["12:00:00", "23:00:00", "24:00:00"]
    );
    // psql: select time '12:34:56'  -> 12:34:56
    assert_eq!(q("SELECT TIME '12:34:56'"), ["12:34:56"]);
}

/// A datetime precision above 6 is reduced to 6 with PostgreSQL's
/// WARNING, on the simple and the extended path (psql, VERBOSITY verbose:
/// `WARNING:  22023: TIMESTAMP(7) precision reduced to maximum allowed, 6`
/// for each type below).
#[test]
fn precision_above_six_is_reduced_with_a_warning() {
    let db = rocksgres_engine::Database::open_in_memory();
    let mut s = db.session();
    let sql = "SELECT '2000-01-01 00:00:00.1234567'::timestamp(7), \
               '1:00:00.1234567+01'::time(8) with time zone, '1.1234567 sec'::interval(9)";
    let want = [
        "TIMESTAMP(7) precision reduced to maximum allowed, 6",
        "TIME(8) WITH TIME ZONE precision reduced to maximum allowed, 6",
        "INTERVAL(9) precision reduced to maximum allowed, 6",
    ];
    let r = s.query(sql, &[]).unwrap();
    assert_eq!(r.notices, want);
    let mut simple = s.simple_query(sql);
    let r = simple.remove(0).unwrap();
    assert_eq!(r.notices, want);
    let r = s
        .query(
            "SELECT '1 sec'::interval(6), '2000-01-01'::timestamp(6)",
            &[],
        )
        .unwrap();
    assert!(r.notices.is_empty(), "{:?}", r.notices);
}
