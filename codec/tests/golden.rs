//! Golden files pin the on-disk formats: a fixed list of values is rendered
//! with its exact key and row encodings and compared with the checked-in
//! text under `tests/golden/`. A change to any byte is a format change and
//! needs a deliberate update (and a migration story for existing data):
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test -p rocksgres-codec --test golden
//! ```

use std::fmt::Write as _;
use std::path::PathBuf;

use rocksgres_codec::{
    encode_index_prefix, encode_key_column, encode_row, prefix_successor, Datum, Numeric, RowRef,
    SortOrder,
};

fn hex(bytes: &[u8]) -> String {
    let mut s = String::new();
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        write!(s, "{b:02x}").unwrap();
    }
    s
}

fn num(s: &str) -> Datum<'static> {
    Datum::Numeric(s.parse::<Numeric>().unwrap())
}

/// A readable, unambiguous rendering of a value.
fn show(d: &Datum<'_>) -> String {
    match d {
        Datum::Null => "NULL".into(),
        Datum::Bool(v) => format!("bool {v}"),
        Datum::Int2(v) => format!("int2 {v}"),
        Datum::Int4(v) => format!("int4 {v}"),
        Datum::Int8(v) => format!("int8 {v}"),
        Datum::Float4(v) => format!("float4 {v:?} (bits {:08x})", v.to_bits()),
        Datum::Float8(v) => format!("float8 {v:?} (bits {:016x})", v.to_bits()),
        Datum::Numeric(n) => format!("numeric {n}"),
        Datum::Text(t) => format!("text {t:?}"),
        Datum::Bytea(b) => format!("bytea '\\x{}'", hex(b).replace(' ', "")),
        Datum::Date(v) => format!("date {v}"),
        Datum::Timestamp(v) => format!("timestamp {v}"),
    }
}

fn golden_values() -> Vec<Datum<'static>> {
    vec![
        Datum::Null,
        Datum::Bool(false),
        Datum::Bool(true),
        Datum::Int2(i16::MIN),
        Datum::Int2(-1),
        Datum::Int2(0),
        Datum::Int2(1),
        Datum::Int2(i16::MAX),
        Datum::Int4(i32::MIN),
        Datum::Int4(-129),
        Datum::Int4(-1),
        Datum::Int4(0),
        Datum::Int4(127),
        Datum::Int4(128),
        Datum::Int4(100_000),
        Datum::Int4(i32::MAX),
        Datum::Int8(i64::MIN),
        Datum::Int8(-1),
        Datum::Int8(0),
        Datum::Int8(1 << 40),
        Datum::Int8(i64::MAX),
        Datum::Float4(f32::NEG_INFINITY),
        Datum::Float4(-1.5),
        Datum::Float4(-0.0),
        Datum::Float4(0.0),
        Datum::Float4(1.5),
        Datum::Float4(f32::INFINITY),
        Datum::Float4(f32::NAN),
        Datum::Float8(f64::NEG_INFINITY),
        Datum::Float8(-1.5),
        Datum::Float8(-0.0),
        Datum::Float8(0.0),
        Datum::Float8(f64::from_bits(1)),
        Datum::Float8(1.5),
        Datum::Float8(f64::INFINITY),
        Datum::Float8(f64::NAN),
        num("-Infinity"),
        num("-1000"),
        num("-1.50"),
        num("-0.001"),
        num("0"),
        num("0.00"),
        num("0.001"),
        num("1"),
        num("1.5"),
        num("1.50"),
        num("10"),
        num("12.345"),
        num("123456789012345678901234567890.123456789"),
        num("1e100"),
        num("Infinity"),
        num("NaN"),
        Datum::text(""),
        Datum::text("a"),
        Datum::text("ab"),
        Datum::text("héllo ✓"),
        Datum::bytea(b""),
        Datum::bytea(b"\x00"),
        Datum::bytea(b"\x00\x01\xff"),
        Datum::bytea(b"ab"),
        Datum::Date(Datum::DATE_NEG_INFINITY),
        Datum::Date(-1),
        Datum::Date(0),
        Datum::Date(8766),
        Datum::Date(Datum::DATE_INFINITY),
        Datum::Timestamp(Datum::TIMESTAMP_NEG_INFINITY),
        Datum::Timestamp(0),
        Datum::Timestamp(757_382_400_000_000),
        Datum::Timestamp(Datum::TIMESTAMP_INFINITY),
    ]
}

fn render_keys() -> String {
    let mut out = String::from(
        "# Key encodings (rocksgres-codec key format).\n\
         # value | asc nulls first | desc nulls last\n",
    );
    for v in golden_values() {
        let mut asc = Vec::new();
        let mut desc = Vec::new();
        encode_key_column(&mut asc, &v, SortOrder::new(false, true)).unwrap();
        encode_key_column(&mut desc, &v, SortOrder::new(true, false)).unwrap();
        writeln!(out, "{} | {} | {}", show(&v), hex(&asc), hex(&desc)).unwrap();
    }
    out.push_str(
        "\n# Composite key: index prefix (keyspace 1, table 42, index 1), int4 7, text 'abc'\n",
    );
    let mut key = Vec::new();
    encode_index_prefix(&mut key, 1, 42, 1);
    encode_key_column(&mut key, &Datum::Int4(7), SortOrder::ASC).unwrap();
    encode_key_column(&mut key, &Datum::text("abc"), SortOrder::ASC).unwrap();
    writeln!(out, "{}", hex(&key)).unwrap();
    let mut upper = Vec::new();
    prefix_successor(&key[..9], &mut upper);
    writeln!(out, "# upper bound of that index: {}", hex(&upper)).unwrap();
    out
}

fn render_rows() -> String {
    let mut out = String::from("# Row encodings (rocksgres-codec row format).\n");
    // Every value alone in a one-column row.
    out.push_str("\n# One-column rows: value | row bytes\n");
    for v in golden_values() {
        let mut buf = Vec::new();
        encode_row(&mut buf, std::slice::from_ref(&v));
        writeln!(out, "{} | {}", show(&v), hex(&buf)).unwrap();
    }
    // Some multi-column rows.
    out.push_str("\n# Multi-column rows: values | row bytes\n");
    let filler = " ".repeat(84);
    let long = "x".repeat(300);
    let rows: Vec<Vec<Datum>> = vec![
        vec![],
        vec![Datum::Null],
        vec![Datum::Int4(1), Datum::Null, Datum::text("abc")],
        vec![
            Datum::Int4(100_000),
            Datum::Int4(1),
            Datum::Int4(0),
            Datum::text(&filler),
        ],
        vec![
            Datum::Null,
            Datum::Null,
            Datum::Null,
            Datum::Null,
            Datum::Null,
            Datum::Null,
            Datum::Null,
            Datum::Null,
            Datum::Int2(-2),
        ],
        vec![Datum::Int8(-1), Datum::text(&long), num("-12.340")],
    ];
    for values in rows {
        let mut buf = Vec::new();
        encode_row(&mut buf, &values);
        // Check it decodes before pinning it.
        let row = RowRef::new(&buf).unwrap();
        assert_eq!(row.column_count(), values.len());
        let shown: Vec<String> = values
            .iter()
            .map(|v| {
                let s = show(v);
                if s.len() > 40 {
                    let head: String = s.chars().take(20).collect();
                    format!("{head}…({} chars)", s.chars().count())
                } else {
                    s
                }
            })
            .collect();
        writeln!(out, "[{}] | {}", shown.join(", "), hex(&buf)).unwrap();
    }
    out
}

fn check_golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
            if e != a {
                panic!(
                    "{name} differs at line {}:\n  golden: {e}\n  actual: {a}\n\
                     (UPDATE_GOLDEN=1 rewrites the file if the format change is intended)",
                    i + 1
                );
            }
        }
        panic!(
            "{name}: line counts differ ({} golden, {} actual)",
            expected.lines().count(),
            actual.lines().count()
        );
    }
}

#[test]
fn key_encodings_match_golden_file() {
    check_golden("keys.txt", &render_keys());
}

#[test]
fn row_encodings_match_golden_file() {
    check_golden("rows.txt", &render_rows());
}
