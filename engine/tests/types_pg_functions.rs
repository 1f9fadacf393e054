//! Differential cases for the math, string, bytea and `to_char` functions
//! and the bitwise / `^` operators of `engine::types`, each verified against
//! a real PostgreSQL 15 (UTF8, C.UTF-8 locale; TimeZone UTC). The query in
//! each comment was run with `psql -At -P null=<NULL>` and
//! `\set VERBOSITY verbose` (for the SQLSTATE of errors).

mod types_common;
use rocksgres_engine::types::{cast_from, eval_unary, unary_op_type, CastKind, SqlType, UnaryOp};
use types_common::*;

/// `(function, [(arg type, arg)], expected)`.
const FUNC_CASES: &[FuncCase] = &[
    // psql: select (sign($$-3.5$$::numeric))::text, pg_typeof(sign($$-3.5$$::numeric))
    ("sign", &[("numeric", "-3.5")], Ok(("numeric", "-1"))),
    // psql: select (sign($$0$$::numeric))::text, pg_typeof(sign($$0$$::numeric))
    ("sign", &[("numeric", "0")], Ok(("numeric", "0"))),
    // psql: select (sign($$0.00$$::numeric))::text, pg_typeof(sign($$0.00$$::numeric))
    ("sign", &[("numeric", "0.00")], Ok(("numeric", "0"))),
    // psql: select (sign($$2.5$$::float8))::text, pg_typeof(sign($$2.5$$::float8))
    ("sign", &[("float8", "2.5")], Ok(("double precision", "1"))),
    // psql: select (sign($$5$$::int4))::text, pg_typeof(sign($$5$$::int4))
    ("sign", &[("int4", "5")], Ok(("double precision", "1"))),
    // psql: select (sign($$NaN$$::float8))::text, pg_typeof(sign($$NaN$$::float8))
    ("sign", &[("float8", "NaN")], Ok(("double precision", "0"))),
    // psql: select (sign($$NaN$$::numeric))::text, pg_typeof(sign($$NaN$$::numeric))
    ("sign", &[("numeric", "NaN")], Ok(("numeric", "NaN"))),
    // psql: select (sign($$-Infinity$$::numeric))::text, pg_typeof(sign($$-Infinity$$::numeric))
    ("sign", &[("numeric", "-Infinity")], Ok(("numeric", "-1"))),
    // psql: select (sign($$-0$$::float8))::text, pg_typeof(sign($$-0$$::float8))
    ("sign", &[("float8", "-0")], Ok(("double precision", "0"))),
    // psql: select (initcap($$hello wORLD foo-bar_baz 3rd éclair$$::text))::text, pg_typeof(initcap($$hello wORLD foo-bar_baz 3rd éclair$$::text))
    (
        "initcap",
        &[("text", "hello wORLD foo-bar_baz 3rd éclair")],
        Ok(("text", "Hello World Foo-Bar_Baz 3rd Éclair")),
    ),
    // psql: select (initcap($$$$::text))::text, pg_typeof(initcap($$$$::text))
    ("initcap", &[("text", "")], Ok(("text", ""))),
    // psql: select (initcap($$ÀB cD1e f$$::text))::text, pg_typeof(initcap($$ÀB cD1e f$$::text))
    (
        "initcap",
        &[("text", "ÀB cD1e f")],
        Ok(("text", "Àb Cd1e F")),
    ),
    // psql: select (lpad($$hi$$::text, $$5$$::int4))::text, pg_typeof(lpad($$hi$$::text, $$5$$::int4))
    (
        "lpad",
        &[("text", "hi"), ("int4", "5")],
        Ok(("text", "   hi")),
    ),
    // psql: select (lpad($$hi$$::text, $$5$$::int4, $$xy$$::text))::text, pg_typeof(lpad($$hi$$::text, $$5$$::int4, $$xy$$::text))
    (
        "lpad",
        &[("text", "hi"), ("int4", "5"), ("text", "xy")],
        Ok(("text", "xyxhi")),
    ),
    // psql: select (lpad($$hello$$::text, $$2$$::int4))::text, pg_typeof(lpad($$hello$$::text, $$2$$::int4))
    (
        "lpad",
        &[("text", "hello"), ("int4", "2")],
        Ok(("text", "he")),
    ),
    // psql: select (lpad($$hi$$::text, $$-1$$::int4))::text, pg_typeof(lpad($$hi$$::text, $$-1$$::int4))
    ("lpad", &[("text", "hi"), ("int4", "-1")], Ok(("text", ""))),
    // psql: select (lpad($$hi$$::text, $$5$$::int4, $$$$::text))::text, pg_typeof(lpad($$hi$$::text, $$5$$::int4, $$$$::text))
    (
        "lpad",
        &[("text", "hi"), ("int4", "5"), ("text", "")],
        Ok(("text", "hi")),
    ),
    // psql: select (lpad($$é$$::text, $$3$$::int4, $$ü$$::text))::text, pg_typeof(lpad($$é$$::text, $$3$$::int4, $$ü$$::text))
    (
        "lpad",
        &[("text", "é"), ("int4", "3"), ("text", "ü")],
        Ok(("text", "üüé")),
    ),
    // psql: select (rpad($$hi$$::text, $$5$$::int4, $$xy$$::text))::text, pg_typeof(rpad($$hi$$::text, $$5$$::int4, $$xy$$::text))
    (
        "rpad",
        &[("text", "hi"), ("int4", "5"), ("text", "xy")],
        Ok(("text", "hixyx")),
    ),
    // psql: select (rpad($$hello$$::text, $$2$$::int4))::text, pg_typeof(rpad($$hello$$::text, $$2$$::int4))
    (
        "rpad",
        &[("text", "hello"), ("int4", "2")],
        Ok(("text", "he")),
    ),
    // psql: select (rpad($$hi$$::text, $$4$$::int4))::text, pg_typeof(rpad($$hi$$::text, $$4$$::int4))
    (
        "rpad",
        &[("text", "hi"), ("int4", "4")],
        Ok(("text", "hi  ")),
    ),
    // psql: select (rpad($$hi$$::text, $$5$$::int4, $$$$::text))::text, pg_typeof(rpad($$hi$$::text, $$5$$::int4, $$$$::text))
    (
        "rpad",
        &[("text", "hi"), ("int4", "5"), ("text", "")],
        Ok(("text", "hi")),
    ),
    // psql: select (lpad($$7$$, $$3$$::int4, $$0$$))::text, pg_typeof(lpad($$7$$, $$3$$::int4, $$0$$))
    (
        "lpad",
        &[("unknown", "7"), ("int4", "3"), ("unknown", "0")],
        Ok(("text", "007")),
    ),
    // psql: select (split_part($$a,b,c$$::text, $$,$$::text, $$2$$::int4))::text, pg_typeof(split_part($$a,b,c$$::text, $$,$$::text, $$2$$::int4))
    (
        "split_part",
        &[("text", "a,b,c"), ("text", ","), ("int4", "2")],
        Ok(("text", "b")),
    ),
    // psql: select (split_part($$a,b,c$$::text, $$,$$::text, $$-1$$::int4))::text, pg_typeof(split_part($$a,b,c$$::text, $$,$$::text, $$-1$$::int4))
    (
        "split_part",
        &[("text", "a,b,c"), ("text", ","), ("int4", "-1")],
        Ok(("text", "c")),
    ),
    // psql: select (split_part($$a,b,c$$::text, $$,$$::text, $$4$$::int4))::text, pg_typeof(split_part($$a,b,c$$::text, $$,$$::text, $$4$$::int4))
    (
        "split_part",
        &[("text", "a,b,c"), ("text", ","), ("int4", "4")],
        Ok(("text", "")),
    ),
    // psql: select (split_part($$abc$$::text, $$$$::text, $$1$$::int4))::text, pg_typeof(split_part($$abc$$::text, $$$$::text, $$1$$::int4))
    (
        "split_part",
        &[("text", "abc"), ("text", ""), ("int4", "1")],
        Ok(("text", "abc")),
    ),
    // psql: select (split_part($$abc$$::text, $$$$::text, $$2$$::int4))::text, pg_typeof(split_part($$abc$$::text, $$$$::text, $$2$$::int4))
    (
        "split_part",
        &[("text", "abc"), ("text", ""), ("int4", "2")],
        Ok(("text", "")),
    ),
    // psql: select (split_part($$abc$$::text, $$$$::text, $$-1$$::int4))::text, pg_typeof(split_part($$abc$$::text, $$$$::text, $$-1$$::int4))
    (
        "split_part",
        &[("text", "abc"), ("text", ""), ("int4", "-1")],
        Ok(("text", "abc")),
    ),
    // psql: select (split_part($$$$::text, $$,$$::text, $$1$$::int4))::text, pg_typeof(split_part($$$$::text, $$,$$::text, $$1$$::int4))
    (
        "split_part",
        &[("text", ""), ("text", ","), ("int4", "1")],
        Ok(("text", "")),
    ),
    // psql: select (split_part($$a,,b$$::text, $$,$$::text, $$-4$$::int4))::text, pg_typeof(split_part($$a,,b$$::text, $$,$$::text, $$-4$$::int4))
    (
        "split_part",
        &[("text", "a,,b"), ("text", ","), ("int4", "-4")],
        Ok(("text", "")),
    ),
    // psql: select (split_part($$a,,b$$::text, $$,$$::text, $$-3$$::int4))::text, pg_typeof(split_part($$a,,b$$::text, $$,$$::text, $$-3$$::int4))
    (
        "split_part",
        &[("text", "a,,b"), ("text", ","), ("int4", "-3")],
        Ok(("text", "a")),
    ),
    // psql: select (split_part($$a::b::c$$::text, $$::$$::text, $$3$$::int4))::text, pg_typeof(split_part($$a::b::c$$::text, $$::$$::text, $$3$$::int4))
    (
        "split_part",
        &[("text", "a::b::c"), ("text", "::"), ("int4", "3")],
        Ok(("text", "c")),
    ),
    // psql: select (split_part($$a,b$$::text, $$,$$::text, $$0$$::int4))::text, pg_typeof(split_part($$a,b$$::text, $$,$$::text, $$0$$::int4))
    (
        "split_part",
        &[("text", "a,b"), ("text", ","), ("int4", "0")],
        Err(("22023", "field position must not be zero")),
    ),
    // psql: select (starts_with($$hello$$::text, $$he$$::text))::text, pg_typeof(starts_with($$hello$$::text, $$he$$::text))
    (
        "starts_with",
        &[("text", "hello"), ("text", "he")],
        Ok(("boolean", "true")),
    ),
    // psql: select (starts_with($$hello$$::text, $$$$::text))::text, pg_typeof(starts_with($$hello$$::text, $$$$::text))
    (
        "starts_with",
        &[("text", "hello"), ("text", "")],
        Ok(("boolean", "true")),
    ),
    // psql: select (starts_with($$hello$$::text, $$lo$$::text))::text, pg_typeof(starts_with($$hello$$::text, $$lo$$::text))
    (
        "starts_with",
        &[("text", "hello"), ("text", "lo")],
        Ok(("boolean", "false")),
    ),
    // psql: select (translate($$12345$$::text, $$143$$::text, $$ax$$::text))::text, pg_typeof(translate($$12345$$::text, $$143$$::text, $$ax$$::text))
    (
        "translate",
        &[("text", "12345"), ("text", "143"), ("text", "ax")],
        Ok(("text", "a2x5")),
    ),
    // psql: select (translate($$hello$$::text, $$ll$$::text, $$xy$$::text))::text, pg_typeof(translate($$hello$$::text, $$ll$$::text, $$xy$$::text))
    (
        "translate",
        &[("text", "hello"), ("text", "ll"), ("text", "xy")],
        Ok(("text", "hexxo")),
    ),
    // psql: select (translate($$héllo$$::text, $$é$$::text, $$e$$::text))::text, pg_typeof(translate($$héllo$$::text, $$é$$::text, $$e$$::text))
    (
        "translate",
        &[("text", "héllo"), ("text", "é"), ("text", "e")],
        Ok(("text", "hello")),
    ),
    // psql: select (ascii($$A$$::text))::text, pg_typeof(ascii($$A$$::text))
    ("ascii", &[("text", "A")], Ok(("integer", "65"))),
    // psql: select (ascii($$$$::text))::text, pg_typeof(ascii($$$$::text))
    ("ascii", &[("text", "")], Ok(("integer", "0"))),
    // psql: select (ascii($$é$$::text))::text, pg_typeof(ascii($$é$$::text))
    ("ascii", &[("text", "é")], Ok(("integer", "233"))),
    // psql: select (ascii($$xyz$$::text))::text, pg_typeof(ascii($$xyz$$::text))
    ("ascii", &[("text", "xyz")], Ok(("integer", "120"))),
    // psql: select (chr($$65$$::int4))::text, pg_typeof(chr($$65$$::int4))
    ("chr", &[("int4", "65")], Ok(("text", "A"))),
    // psql: select (chr($$233$$::int4))::text, pg_typeof(chr($$233$$::int4))
    ("chr", &[("int4", "233")], Ok(("text", "é"))),
    // psql: select (chr($$128512$$::int4))::text, pg_typeof(chr($$128512$$::int4))
    ("chr", &[("int4", "128512")], Ok(("text", "😀"))),
    // psql: select (chr($$0$$::int4))::text, pg_typeof(chr($$0$$::int4))
    (
        "chr",
        &[("int4", "0")],
        Err(("54000", "null character not permitted")),
    ),
    // psql: select (chr($$-1$$::int4))::text, pg_typeof(chr($$-1$$::int4))
    (
        "chr",
        &[("int4", "-1")],
        Err(("22023", "character number must be positive")),
    ),
    // psql: select (chr($$1114112$$::int4))::text, pg_typeof(chr($$1114112$$::int4))
    (
        "chr",
        &[("int4", "1114112")],
        Err((
            "54000",
            "requested character too large for encoding: 1114112",
        )),
    ),
    // psql: select (chr($$55296$$::int4))::text, pg_typeof(chr($$55296$$::int4))
    (
        "chr",
        &[("int4", "55296")],
        Err(("54000", "requested character not valid for encoding: 55296")),
    ),
    // psql: select (to_hex($$255$$::int4))::text, pg_typeof(to_hex($$255$$::int4))
    ("to_hex", &[("int4", "255")], Ok(("text", "ff"))),
    // psql: select (to_hex($$-1$$::int4))::text, pg_typeof(to_hex($$-1$$::int4))
    ("to_hex", &[("int4", "-1")], Ok(("text", "ffffffff"))),
    // psql: select (to_hex($$-1$$::int8))::text, pg_typeof(to_hex($$-1$$::int8))
    (
        "to_hex",
        &[("int8", "-1")],
        Ok(("text", "ffffffffffffffff")),
    ),
    // psql: select (to_hex($$9223372036854775807$$::int8))::text, pg_typeof(to_hex($$9223372036854775807$$::int8))
    (
        "to_hex",
        &[("int8", "9223372036854775807")],
        Ok(("text", "7fffffffffffffff")),
    ),
    // psql: select (to_hex($$0$$::int4))::text, pg_typeof(to_hex($$0$$::int4))
    ("to_hex", &[("int4", "0")], Ok(("text", "0"))),
    // psql: select (to_hex($$1$$::int2))::text, pg_typeof(to_hex($$1$$::int2))
    (
        "to_hex",
        &[("int2", "1")],
        Err(("42725", "function to_hex(smallint) is not unique")),
    ),
    // psql: select (encode($$\x00ff41$$::bytea, $$hex$$::text))::text, pg_typeof(encode($$\x00ff41$$::bytea, $$hex$$::text))
    (
        "encode",
        &[("bytea", "\\x00ff41"), ("text", "hex")],
        Ok(("text", "00ff41")),
    ),
    // psql: select (encode($$hello$$::bytea, $$base64$$::text))::text, pg_typeof(encode($$hello$$::bytea, $$base64$$::text))
    (
        "encode",
        &[("bytea", "hello"), ("text", "base64")],
        Ok(("text", "aGVsbG8=")),
    ),
    // psql: select (encode($$\x005c41ff0a$$::bytea, $$escape$$::text))::text, pg_typeof(encode($$\x005c41ff0a$$::bytea, $$escape$$::text))
    (
        "encode",
        &[("bytea", "\\x005c41ff0a"), ("text", "escape")],
        Ok(("text", "\\000\\\\A\\377\n")),
    ),
    // psql: select (encode($$$$::bytea, $$base64$$::text))::text, pg_typeof(encode($$$$::bytea, $$base64$$::text))
    (
        "encode",
        &[("bytea", ""), ("text", "base64")],
        Ok(("text", "")),
    ),
    // psql: select (encode($$ab$$::bytea, $$base64$$::text))::text, pg_typeof(encode($$ab$$::bytea, $$base64$$::text))
    (
        "encode",
        &[("bytea", "ab"), ("text", "base64")],
        Ok(("text", "YWI=")),
    ),
    // psql: select (encode($$a$$::bytea, $$base64$$::text))::text, pg_typeof(encode($$a$$::bytea, $$base64$$::text))
    (
        "encode",
        &[("bytea", "a"), ("text", "base64")],
        Ok(("text", "YQ==")),
    ),
    // psql: select (encode($$xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx$$::bytea, $$base64$$::text))::text, pg_typeof(encode($$xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx$$::bytea, $$base64$$::text))
    (
        "encode",
        &[
            (
                "bytea",
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            ),
            ("text", "base64"),
        ],
        Ok((
            "text",
            "eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\neHh4",
        )),
    ),
    // psql: select (encode($$xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx$$::bytea, $$base64$$::text))::text, pg_typeof(encode($$xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx$$::bytea, $$base64$$::text))
    (
        "encode",
        &[
            (
                "bytea",
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            ),
            ("text", "base64"),
        ],
        Ok((
            "text",
            "eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\n",
        )),
    ),
    // psql: select (encode($$x$$::bytea, $$foo$$::text))::text, pg_typeof(encode($$x$$::bytea, $$foo$$::text))
    (
        "encode",
        &[("bytea", "x"), ("text", "foo")],
        Err(("22023", "unrecognized encoding: \"foo\"")),
    ),
    // psql: select (encode($$x$$::bytea, $$HEX$$::text))::text, pg_typeof(encode($$x$$::bytea, $$HEX$$::text))
    (
        "encode",
        &[("bytea", "x"), ("text", "HEX")],
        Ok(("text", "78")),
    ),
    // psql: select (decode($$00ff41$$::text, $$hex$$::text))::text, pg_typeof(decode($$00ff41$$::text, $$hex$$::text))
    (
        "decode",
        &[("text", "00ff41"), ("text", "hex")],
        Ok(("bytea", "\\x00ff41")),
    ),
    // psql: select (decode($$aGVsbG8=$$::text, $$base64$$::text))::text, pg_typeof(decode($$aGVsbG8=$$::text, $$base64$$::text))
    (
        "decode",
        &[("text", "aGVsbG8="), ("text", "base64")],
        Ok(("bytea", "\\x68656c6c6f")),
    ),
    // psql: select (decode($$a\\b\101\000$$::text, $$escape$$::text))::text, pg_typeof(decode($$a\\b\101\000$$::text, $$escape$$::text))
    (
        "decode",
        &[("text", "a\\\\b\\101\\000"), ("text", "escape")],
        Ok(("bytea", "\\x615c624100")),
    ),
    // psql: select (decode($$00 ff$$::text, $$hex$$::text))::text, pg_typeof(decode($$00 ff$$::text, $$hex$$::text))
    (
        "decode",
        &[("text", "00 ff"), ("text", "hex")],
        Ok(("bytea", "\\x00ff")),
    ),
    // psql: select (decode($$aGVs bG8=$$::text, $$base64$$::text))::text, pg_typeof(decode($$aGVs bG8=$$::text, $$base64$$::text))
    (
        "decode",
        &[("text", "aGVs bG8="), ("text", "base64")],
        Ok(("bytea", "\\x68656c6c6f")),
    ),
    // psql: select (decode($$$$::text, $$hex$$::text))::text, pg_typeof(decode($$$$::text, $$hex$$::text))
    (
        "decode",
        &[("text", ""), ("text", "hex")],
        Ok(("bytea", "\\x")),
    ),
    // psql: select (decode($$aGVsbG8$$::text, $$base64$$::text))::text, pg_typeof(decode($$aGVsbG8$$::text, $$base64$$::text))
    (
        "decode",
        &[("text", "aGVsbG8"), ("text", "base64")],
        Err(("22023", "invalid base64 end sequence")),
    ),
    // psql: select (decode($$0g$$::text, $$hex$$::text))::text, pg_typeof(decode($$0g$$::text, $$hex$$::text))
    (
        "decode",
        &[("text", "0g"), ("text", "hex")],
        Err(("22023", "invalid hexadecimal digit: \"g\"")),
    ),
    // psql: select (decode($$0$$::text, $$hex$$::text))::text, pg_typeof(decode($$0$$::text, $$hex$$::text))
    (
        "decode",
        &[("text", "0"), ("text", "hex")],
        Err(("22023", "invalid hexadecimal data: odd number of digits")),
    ),
    // psql: select (decode($$a!$$::text, $$base64$$::text))::text, pg_typeof(decode($$a!$$::text, $$base64$$::text))
    (
        "decode",
        &[("text", "a!"), ("text", "base64")],
        Err((
            "22023",
            "invalid symbol \"!\" found while decoding base64 sequence",
        )),
    ),
    // psql: select (decode($$aGVsbG8==$$::text, $$base64$$::text))::text, pg_typeof(decode($$aGVsbG8==$$::text, $$base64$$::text))
    (
        "decode",
        &[("text", "aGVsbG8=="), ("text", "base64")],
        Err(("22023", "invalid base64 end sequence")),
    ),
    // psql: select (decode($$a$$::text, $$base64$$::text))::text, pg_typeof(decode($$a$$::text, $$base64$$::text))
    (
        "decode",
        &[("text", "a"), ("text", "base64")],
        Err(("22023", "invalid base64 end sequence")),
    ),
    // psql: select (decode($$=abc$$::text, $$base64$$::text))::text, pg_typeof(decode($$=abc$$::text, $$base64$$::text))
    (
        "decode",
        &[("text", "=abc"), ("text", "base64")],
        Err(("22023", "unexpected \"=\" while decoding base64 sequence")),
    ),
    // psql: select (decode($$YQ==YQ==$$::text, $$base64$$::text))::text, pg_typeof(decode($$YQ==YQ==$$::text, $$base64$$::text))
    (
        "decode",
        &[("text", "YQ==YQ=="), ("text", "base64")],
        Ok(("bytea", "\\x6161")),
    ),
    // psql: select (decode($$a\9$$::text, $$escape$$::text))::text, pg_typeof(decode($$a\9$$::text, $$escape$$::text))
    (
        "decode",
        &[("text", "a\\9"), ("text", "escape")],
        Err(("22P02", "invalid input syntax for type bytea")),
    ),
    // psql: select (decode($$x$$::text, $$foo$$::text))::text, pg_typeof(decode($$x$$::text, $$foo$$::text))
    (
        "decode",
        &[("text", "x"), ("text", "foo")],
        Err(("22023", "unrecognized encoding: \"foo\"")),
    ),
    // psql: select (decode($$AbCd$$::text, $$hex$$::text))::text, pg_typeof(decode($$AbCd$$::text, $$hex$$::text))
    (
        "decode",
        &[("text", "AbCd"), ("text", "hex")],
        Ok(("bytea", "\\xabcd")),
    ),
    // psql: select (get_byte($$\x0102ff$$::bytea, $$2$$::int4))::text, pg_typeof(get_byte($$\x0102ff$$::bytea, $$2$$::int4))
    (
        "get_byte",
        &[("bytea", "\\x0102ff"), ("int4", "2")],
        Ok(("integer", "255")),
    ),
    // psql: select (get_byte($$\x0102ff$$::bytea, $$3$$::int4))::text, pg_typeof(get_byte($$\x0102ff$$::bytea, $$3$$::int4))
    (
        "get_byte",
        &[("bytea", "\\x0102ff"), ("int4", "3")],
        Err(("2202E", "index 3 out of valid range, 0..2")),
    ),
    // psql: select (get_byte($$\x0102ff$$::bytea, $$-1$$::int4))::text, pg_typeof(get_byte($$\x0102ff$$::bytea, $$-1$$::int4))
    (
        "get_byte",
        &[("bytea", "\\x0102ff"), ("int4", "-1")],
        Err(("2202E", "index -1 out of valid range, 0..2")),
    ),
    // psql: select (set_byte($$\x0102ff$$::bytea, $$0$$::int4, $$257$$::int4))::text, pg_typeof(set_byte($$\x0102ff$$::bytea, $$0$$::int4, $$257$$::int4))
    (
        "set_byte",
        &[("bytea", "\\x0102ff"), ("int4", "0"), ("int4", "257")],
        Ok(("bytea", "\\x0102ff")),
    ),
    // psql: select (set_byte($$\x01$$::bytea, $$1$$::int4, $$3$$::int4))::text, pg_typeof(set_byte($$\x01$$::bytea, $$1$$::int4, $$3$$::int4))
    (
        "set_byte",
        &[("bytea", "\\x01"), ("int4", "1"), ("int4", "3")],
        Err(("2202E", "index 1 out of valid range, 0..0")),
    ),
    // psql: select (length($$\x0102$$::bytea))::text, pg_typeof(length($$\x0102$$::bytea))
    ("length", &[("bytea", "\\x0102")], Ok(("integer", "2"))),
    // psql: select (ln($$2$$::int4))::text, pg_typeof(ln($$2$$::int4))
    (
        "ln",
        &[("int4", "2")],
        Ok(("double precision", "0.6931471805599453")),
    ),
    // psql: select (ln($$2.0$$::numeric))::text, pg_typeof(ln($$2.0$$::numeric))
    (
        "ln",
        &[("numeric", "2.0")],
        Ok(("numeric", "0.6931471805599453")),
    ),
    // psql: select (ln($$10$$::numeric))::text, pg_typeof(ln($$10$$::numeric))
    (
        "ln",
        &[("numeric", "10")],
        Ok(("numeric", "2.3025850929940457")),
    ),
    // psql: select (ln($$1.0$$::numeric))::text, pg_typeof(ln($$1.0$$::numeric))
    (
        "ln",
        &[("numeric", "1.0")],
        Ok(("numeric", "0.0000000000000000")),
    ),
    // psql: select (ln($$100$$::int4))::text, pg_typeof(ln($$100$$::int4))
    (
        "ln",
        &[("int4", "100")],
        Ok(("double precision", "4.605170185988092")),
    ),
    // psql: select (ln($$0.5$$::numeric))::text, pg_typeof(ln($$0.5$$::numeric))
    (
        "ln",
        &[("numeric", "0.5")],
        Ok(("numeric", "-0.6931471805599453")),
    ),
    // psql: select (ln($$1.05$$::numeric))::text, pg_typeof(ln($$1.05$$::numeric))
    (
        "ln",
        &[("numeric", "1.05")],
        Ok(("numeric", "0.048790164169432003")),
    ),
    // psql: select (ln($$123456789.123$$::numeric))::text, pg_typeof(ln($$123456789.123$$::numeric))
    (
        "ln",
        &[("numeric", "123456789.123")],
        Ok(("numeric", "18.631401767164318")),
    ),
    // psql: select (ln($$1e-10$$::numeric))::text, pg_typeof(ln($$1e-10$$::numeric))
    (
        "ln",
        &[("numeric", "1e-10")],
        Ok(("numeric", "-23.025850929940457")),
    ),
    // psql: select (ln($$0.99$$::numeric))::text, pg_typeof(ln($$0.99$$::numeric))
    (
        "ln",
        &[("numeric", "0.99")],
        Ok(("numeric", "-0.010050335853501441")),
    ),
    // psql: select (ln($$1.0001$$::numeric))::text, pg_typeof(ln($$1.0001$$::numeric))
    (
        "ln",
        &[("numeric", "1.0001")],
        Ok(("numeric", "0.00009999500033330834")),
    ),
    // psql: select (ln($$99999999999999999999$$::numeric))::text, pg_typeof(ln($$99999999999999999999$$::numeric))
    (
        "ln",
        &[("numeric", "99999999999999999999")],
        Ok(("numeric", "46.051701859880914")),
    ),
    // psql: select (ln($$3.14159265358979323846264338327950288$$::numeric))::text, pg_typeof(ln($$3.14159265358979323846264338327950288$$::numeric))
    (
        "ln",
        &[("numeric", "3.14159265358979323846264338327950288")],
        Ok(("numeric", "1.14472988584940017414342735135305871")),
    ),
    // psql: select (ln($$0$$::int4))::text, pg_typeof(ln($$0$$::int4))
    (
        "ln",
        &[("int4", "0")],
        Err(("2201E", "cannot take logarithm of zero")),
    ),
    // psql: select (ln($$-1.0$$::numeric))::text, pg_typeof(ln($$-1.0$$::numeric))
    (
        "ln",
        &[("numeric", "-1.0")],
        Err(("2201E", "cannot take logarithm of a negative number")),
    ),
    // psql: select (ln($$0.0$$::numeric))::text, pg_typeof(ln($$0.0$$::numeric))
    (
        "ln",
        &[("numeric", "0.0")],
        Err(("2201E", "cannot take logarithm of zero")),
    ),
    // psql: select (ln($$NaN$$::numeric))::text, pg_typeof(ln($$NaN$$::numeric))
    ("ln", &[("numeric", "NaN")], Ok(("numeric", "NaN"))),
    // psql: select (ln($$Infinity$$::numeric))::text, pg_typeof(ln($$Infinity$$::numeric))
    (
        "ln",
        &[("numeric", "Infinity")],
        Ok(("numeric", "Infinity")),
    ),
    // psql: select (ln($$-Infinity$$::numeric))::text, pg_typeof(ln($$-Infinity$$::numeric))
    (
        "ln",
        &[("numeric", "-Infinity")],
        Err(("2201E", "cannot take logarithm of a negative number")),
    ),
    // psql: select (ln($$Infinity$$::float8))::text, pg_typeof(ln($$Infinity$$::float8))
    (
        "ln",
        &[("float8", "Infinity")],
        Ok(("double precision", "Infinity")),
    ),
    // psql: select (ln($$-1$$::float8))::text, pg_typeof(ln($$-1$$::float8))
    (
        "ln",
        &[("float8", "-1")],
        Err(("2201E", "cannot take logarithm of a negative number")),
    ),
    // psql: select (ln($$1$$::float8))::text, pg_typeof(ln($$1$$::float8))
    ("ln", &[("float8", "1")], Ok(("double precision", "0"))),
    // psql: select (log($$100$$::int4))::text, pg_typeof(log($$100$$::int4))
    ("log", &[("int4", "100")], Ok(("double precision", "2"))),
    // psql: select (log($$100.0$$::numeric))::text, pg_typeof(log($$100.0$$::numeric))
    (
        "log",
        &[("numeric", "100.0")],
        Ok(("numeric", "2.0000000000000000")),
    ),
    // psql: select (log($$2.0$$::numeric, $$8$$::numeric))::text, pg_typeof(log($$2.0$$::numeric, $$8$$::numeric))
    (
        "log",
        &[("numeric", "2.0"), ("numeric", "8")],
        Ok(("numeric", "3.0000000000000000")),
    ),
    // psql: select (log($$2$$::int4, $$8$$::int4))::text, pg_typeof(log($$2$$::int4, $$8$$::int4))
    (
        "log",
        &[("int4", "2"), ("int4", "8")],
        Ok(("numeric", "3.0000000000000000")),
    ),
    // psql: select (log($$10$$::numeric, $$1000.5$$::numeric))::text, pg_typeof(log($$10$$::numeric, $$1000.5$$::numeric))
    (
        "log",
        &[("numeric", "10"), ("numeric", "1000.5")],
        Ok(("numeric", "3.0002170929722302")),
    ),
    // psql: select (log($$1e-5$$::numeric))::text, pg_typeof(log($$1e-5$$::numeric))
    (
        "log",
        &[("numeric", "1e-5")],
        Ok(("numeric", "-5.000000000000000")),
    ),
    // psql: select (log($$0.001$$::float8))::text, pg_typeof(log($$0.001$$::float8))
    (
        "log",
        &[("float8", "0.001")],
        Ok(("double precision", "-3")),
    ),
    // psql: select (log($$7.0$$::numeric))::text, pg_typeof(log($$7.0$$::numeric))
    (
        "log",
        &[("numeric", "7.0")],
        Ok(("numeric", "0.8450980400142568")),
    ),
    // psql: select (log($$3$$::numeric, $$81$$::numeric))::text, pg_typeof(log($$3$$::numeric, $$81$$::numeric))
    (
        "log",
        &[("numeric", "3"), ("numeric", "81")],
        Ok(("numeric", "4.0000000000000000")),
    ),
    // psql: select (log($$0.5$$::numeric, $$0.125$$::numeric))::text, pg_typeof(log($$0.5$$::numeric, $$0.125$$::numeric))
    (
        "log",
        &[("numeric", "0.5"), ("numeric", "0.125")],
        Ok(("numeric", "3.0000000000000000")),
    ),
    // psql: select (log($$1.5$$::numeric, $$1000000$$::numeric))::text, pg_typeof(log($$1.5$$::numeric, $$1000000$$::numeric))
    (
        "log",
        &[("numeric", "1.5"), ("numeric", "1000000")],
        Ok(("numeric", "34.073241523605437")),
    ),
    // psql: select (log($$0$$::int4))::text, pg_typeof(log($$0$$::int4))
    (
        "log",
        &[("int4", "0")],
        Err(("2201E", "cannot take logarithm of zero")),
    ),
    // psql: select (log($$1$$::numeric, $$10$$::numeric))::text, pg_typeof(log($$1$$::numeric, $$10$$::numeric))
    (
        "log",
        &[("numeric", "1"), ("numeric", "10")],
        Err(("22012", "division by zero")),
    ),
    // psql: select (log($$0$$::numeric, $$10$$::numeric))::text, pg_typeof(log($$0$$::numeric, $$10$$::numeric))
    (
        "log",
        &[("numeric", "0"), ("numeric", "10")],
        Err(("2201E", "cannot take logarithm of zero")),
    ),
    // psql: select (log($$-2.0$$::numeric))::text, pg_typeof(log($$-2.0$$::numeric))
    (
        "log",
        &[("numeric", "-2.0")],
        Err(("2201E", "cannot take logarithm of a negative number")),
    ),
    // psql: select (log($$Infinity$$::numeric, $$2$$::numeric))::text, pg_typeof(log($$Infinity$$::numeric, $$2$$::numeric))
    (
        "log",
        &[("numeric", "Infinity"), ("numeric", "2")],
        Ok(("numeric", "0")),
    ),
    // psql: select (log($$2$$::numeric, $$Infinity$$::numeric))::text, pg_typeof(log($$2$$::numeric, $$Infinity$$::numeric))
    (
        "log",
        &[("numeric", "2"), ("numeric", "Infinity")],
        Ok(("numeric", "Infinity")),
    ),
    // psql: select (log10($$1000$$::numeric))::text, pg_typeof(log10($$1000$$::numeric))
    (
        "log10",
        &[("numeric", "1000")],
        Ok(("numeric", "3.0000000000000000")),
    ),
    // psql: select (log10($$1000$$::float8))::text, pg_typeof(log10($$1000$$::float8))
    (
        "log10",
        &[("float8", "1000")],
        Ok(("double precision", "3")),
    ),
    // psql: select (exp($$1$$::int4))::text, pg_typeof(exp($$1$$::int4))
    (
        "exp",
        &[("int4", "1")],
        Ok(("double precision", "2.718281828459045")),
    ),
    // psql: select (exp($$1.0$$::numeric))::text, pg_typeof(exp($$1.0$$::numeric))
    (
        "exp",
        &[("numeric", "1.0")],
        Ok(("numeric", "2.7182818284590452")),
    ),
    // psql: select (exp($$0.0$$::numeric))::text, pg_typeof(exp($$0.0$$::numeric))
    (
        "exp",
        &[("numeric", "0.0")],
        Ok(("numeric", "1.0000000000000000")),
    ),
    // psql: select (exp($$10$$::numeric))::text, pg_typeof(exp($$10$$::numeric))
    (
        "exp",
        &[("numeric", "10")],
        Ok(("numeric", "22026.465794806717")),
    ),
    // psql: select (exp($$-1.5$$::numeric))::text, pg_typeof(exp($$-1.5$$::numeric))
    (
        "exp",
        &[("numeric", "-1.5")],
        Ok(("numeric", "0.2231301601484298")),
    ),
    // psql: select (exp($$100.0$$::numeric))::text, pg_typeof(exp($$100.0$$::numeric))
    (
        "exp",
        &[("numeric", "100.0")],
        Ok(("numeric", "26881171418161354484126255515800135873611118.8")),
    ),
    // psql: select (exp($$-100.0$$::numeric))::text, pg_typeof(exp($$-100.0$$::numeric))
    (
        "exp",
        &[("numeric", "-100.0")],
        Ok((
            "numeric",
            "0.00000000000000000000000000000000000000000003720075976020836",
        )),
    ),
    // psql: select (exp($$2.5$$::float8))::text, pg_typeof(exp($$2.5$$::float8))
    (
        "exp",
        &[("float8", "2.5")],
        Ok(("double precision", "12.182493960703473")),
    ),
    // psql: select (exp($$0.12345678901234567890$$::numeric))::text, pg_typeof(exp($$0.12345678901234567890$$::numeric))
    (
        "exp",
        &[("numeric", "0.12345678901234567890")],
        Ok(("numeric", "1.13140111452620151867")),
    ),
    // psql: select (exp($$1000$$::float8))::text, pg_typeof(exp($$1000$$::float8))
    (
        "exp",
        &[("float8", "1000")],
        Err(("22003", "value out of range: overflow")),
    ),
    // psql: select (exp($$-1000$$::float8))::text, pg_typeof(exp($$-1000$$::float8))
    (
        "exp",
        &[("float8", "-1000")],
        Err(("22003", "value out of range: underflow")),
    ),
    // psql: select (exp($$-709$$::float8))::text, pg_typeof(exp($$-709$$::float8))
    (
        "exp",
        &[("float8", "-709")],
        Ok(("double precision", "1.216780750623423e-308")),
    ),
    // psql: select (exp($$-700$$::float8))::text, pg_typeof(exp($$-700$$::float8))
    (
        "exp",
        &[("float8", "-700")],
        Ok(("double precision", "9.85967654375977e-305")),
    ),
    // psql: select (exp($$100000.0$$::numeric))::text, pg_typeof(exp($$100000.0$$::numeric))
    (
        "exp",
        &[("numeric", "100000.0")],
        Err(("22003", "value overflows numeric format")),
    ),
    // psql: select (exp($$-Infinity$$::numeric))::text, pg_typeof(exp($$-Infinity$$::numeric))
    ("exp", &[("numeric", "-Infinity")], Ok(("numeric", "0"))),
    // psql: select (exp($$Infinity$$::numeric))::text, pg_typeof(exp($$Infinity$$::numeric))
    (
        "exp",
        &[("numeric", "Infinity")],
        Ok(("numeric", "Infinity")),
    ),
    // psql: select (exp($$-Infinity$$::float8))::text, pg_typeof(exp($$-Infinity$$::float8))
    (
        "exp",
        &[("float8", "-Infinity")],
        Ok(("double precision", "0")),
    ),
    // psql: select (exp($$2.302585092994046$$::numeric))::text, pg_typeof(exp($$2.302585092994046$$::numeric))
    (
        "exp",
        &[("numeric", "2.302585092994046")],
        Ok(("numeric", "10.000000000000003")),
    ),
    // psql: select (exp($$-20$$::numeric))::text, pg_typeof(exp($$-20$$::numeric))
    (
        "exp",
        &[("numeric", "-20")],
        Ok(("numeric", "0.000000002061153622438558")),
    ),
    // psql: select (exp($$50$$::numeric))::text, pg_typeof(exp($$50$$::numeric))
    (
        "exp",
        &[("numeric", "50")],
        Ok(("numeric", "5184705528587072464087")),
    ),
    // psql: select (cbrt($$27$$::int4))::text, pg_typeof(cbrt($$27$$::int4))
    (
        "cbrt",
        &[("int4", "27")],
        Ok(("double precision", "3.0000000000000004")),
    ),
    // psql: select (cbrt($$-8$$::float8))::text, pg_typeof(cbrt($$-8$$::float8))
    ("cbrt", &[("float8", "-8")], Ok(("double precision", "-2"))),
    // psql: select (cbrt($$2$$::float8))::text, pg_typeof(cbrt($$2$$::float8))
    (
        "cbrt",
        &[("float8", "2")],
        Ok(("double precision", "1.2599210498948734")),
    ),
    // psql: select (cbrt($$1000$$::float8))::text, pg_typeof(cbrt($$1000$$::float8))
    (
        "cbrt",
        &[("float8", "1000")],
        Ok(("double precision", "10")),
    ),
    // psql: select (gcd($$12$$::int4, $$18$$::int4))::text, pg_typeof(gcd($$12$$::int4, $$18$$::int4))
    (
        "gcd",
        &[("int4", "12"), ("int4", "18")],
        Ok(("integer", "6")),
    ),
    // psql: select (gcd($$-12$$::int4, $$18$$::int4))::text, pg_typeof(gcd($$-12$$::int4, $$18$$::int4))
    (
        "gcd",
        &[("int4", "-12"), ("int4", "18")],
        Ok(("integer", "6")),
    ),
    // psql: select (gcd($$0$$::int4, $$0$$::int4))::text, pg_typeof(gcd($$0$$::int4, $$0$$::int4))
    ("gcd", &[("int4", "0"), ("int4", "0")], Ok(("integer", "0"))),
    // psql: select (gcd($$12$$::int8, $$-18$$::int8))::text, pg_typeof(gcd($$12$$::int8, $$-18$$::int8))
    (
        "gcd",
        &[("int8", "12"), ("int8", "-18")],
        Ok(("bigint", "6")),
    ),
    // psql: select (gcd($$1.5$$::numeric, $$2.25$$::numeric))::text, pg_typeof(gcd($$1.5$$::numeric, $$2.25$$::numeric))
    (
        "gcd",
        &[("numeric", "1.5"), ("numeric", "2.25")],
        Ok(("numeric", "0.75")),
    ),
    // psql: select (gcd($$12.0$$::numeric, $$18$$::int4))::text, pg_typeof(gcd($$12.0$$::numeric, $$18$$::int4))
    (
        "gcd",
        &[("numeric", "12.0"), ("int4", "18")],
        Ok(("numeric", "6.0")),
    ),
    // psql: select (gcd($$NaN$$::numeric, $$1$$::numeric))::text, pg_typeof(gcd($$NaN$$::numeric, $$1$$::numeric))
    (
        "gcd",
        &[("numeric", "NaN"), ("numeric", "1")],
        Ok(("numeric", "NaN")),
    ),
    // psql: select (gcd($$0.0$$::numeric, $$0.00$$::numeric))::text, pg_typeof(gcd($$0.0$$::numeric, $$0.00$$::numeric))
    (
        "gcd",
        &[("numeric", "0.0"), ("numeric", "0.00")],
        Ok(("numeric", "0.00")),
    ),
    // psql: select (gcd($$-2147483648$$::int4, $$0$$::int4))::text, pg_typeof(gcd($$-2147483648$$::int4, $$0$$::int4))
    (
        "gcd",
        &[("int4", "-2147483648"), ("int4", "0")],
        Err(("22003", "integer out of range")),
    ),
    // psql: select (gcd($$-2147483648$$::int4, $$6$$::int4))::text, pg_typeof(gcd($$-2147483648$$::int4, $$6$$::int4))
    (
        "gcd",
        &[("int4", "-2147483648"), ("int4", "6")],
        Ok(("integer", "2")),
    ),
    // psql: select (gcd($$-2147483648$$::int4, $$-2147483648$$::int4))::text, pg_typeof(gcd($$-2147483648$$::int4, $$-2147483648$$::int4))
    (
        "gcd",
        &[("int4", "-2147483648"), ("int4", "-2147483648")],
        Err(("22003", "integer out of range")),
    ),
    // psql: select (gcd($$-9223372036854775808$$::int8, $$0$$::int8))::text, pg_typeof(gcd($$-9223372036854775808$$::int8, $$0$$::int8))
    (
        "gcd",
        &[("int8", "-9223372036854775808"), ("int8", "0")],
        Err(("22003", "bigint out of range")),
    ),
    // psql: select (gcd($$4$$::int2, $$6$$::int2))::text, pg_typeof(gcd($$4$$::int2, $$6$$::int2))
    (
        "gcd",
        &[("int2", "4"), ("int2", "6")],
        Err(("42725", "function gcd(smallint, smallint) is not unique")),
    ),
    // psql: select (gcd($$-1.5$$::numeric, $$0$$::numeric))::text, pg_typeof(gcd($$-1.5$$::numeric, $$0$$::numeric))
    (
        "gcd",
        &[("numeric", "-1.5"), ("numeric", "0")],
        Ok(("numeric", "1.5")),
    ),
    // psql: select (lcm($$4$$::int4, $$6$$::int4))::text, pg_typeof(lcm($$4$$::int4, $$6$$::int4))
    (
        "lcm",
        &[("int4", "4"), ("int4", "6")],
        Ok(("integer", "12")),
    ),
    // psql: select (lcm($$0$$::int4, $$5$$::int4))::text, pg_typeof(lcm($$0$$::int4, $$5$$::int4))
    ("lcm", &[("int4", "0"), ("int4", "5")], Ok(("integer", "0"))),
    // psql: select (lcm($$-4$$::int4, $$6$$::int4))::text, pg_typeof(lcm($$-4$$::int4, $$6$$::int4))
    (
        "lcm",
        &[("int4", "-4"), ("int4", "6")],
        Ok(("integer", "12")),
    ),
    // psql: select (lcm($$1.5$$::numeric, $$2.25$$::numeric))::text, pg_typeof(lcm($$1.5$$::numeric, $$2.25$$::numeric))
    (
        "lcm",
        &[("numeric", "1.5"), ("numeric", "2.25")],
        Ok(("numeric", "4.50")),
    ),
    // psql: select (lcm($$4.00$$::numeric, $$6$$::int4))::text, pg_typeof(lcm($$4.00$$::numeric, $$6$$::int4))
    (
        "lcm",
        &[("numeric", "4.00"), ("int4", "6")],
        Ok(("numeric", "12.00")),
    ),
    // psql: select (lcm($$0.0$$::numeric, $$1.000$$::numeric))::text, pg_typeof(lcm($$0.0$$::numeric, $$1.000$$::numeric))
    (
        "lcm",
        &[("numeric", "0.0"), ("numeric", "1.000")],
        Ok(("numeric", "0.000")),
    ),
    // psql: select (lcm($$2147483647$$::int4, $$2$$::int4))::text, pg_typeof(lcm($$2147483647$$::int4, $$2$$::int4))
    (
        "lcm",
        &[("int4", "2147483647"), ("int4", "2")],
        Err(("22003", "integer out of range")),
    ),
    // psql: select (lcm($$Infinity$$::numeric, $$1$$::numeric))::text, pg_typeof(lcm($$Infinity$$::numeric, $$1$$::numeric))
    (
        "lcm",
        &[("numeric", "Infinity"), ("numeric", "1")],
        Ok(("numeric", "NaN")),
    ),
    // psql: select (lcm($$-5$$::int8, $$3$$::int8))::text, pg_typeof(lcm($$-5$$::int8, $$3$$::int8))
    (
        "lcm",
        &[("int8", "-5"), ("int8", "3")],
        Ok(("bigint", "15")),
    ),
    // psql: select (lcm($$-1.5$$::numeric, $$-2$$::numeric))::text, pg_typeof(lcm($$-1.5$$::numeric, $$-2$$::numeric))
    (
        "lcm",
        &[("numeric", "-1.5"), ("numeric", "-2")],
        Ok(("numeric", "6.0")),
    ),
    // psql: select (div($$7$$::int4, $$2$$::int4))::text, pg_typeof(div($$7$$::int4, $$2$$::int4))
    ("div", &[("int4", "7"), ("int4", "2")], Ok(("numeric", "3"))),
    // psql: select (div($$-7$$::int4, $$2$$::int4))::text, pg_typeof(div($$-7$$::int4, $$2$$::int4))
    (
        "div",
        &[("int4", "-7"), ("int4", "2")],
        Ok(("numeric", "-3")),
    ),
    // psql: select (div($$7.5$$::numeric, $$2$$::int4))::text, pg_typeof(div($$7.5$$::numeric, $$2$$::int4))
    (
        "div",
        &[("numeric", "7.5"), ("int4", "2")],
        Ok(("numeric", "3")),
    ),
    // psql: select (div($$7.5$$::numeric, $$0.3$$::numeric))::text, pg_typeof(div($$7.5$$::numeric, $$0.3$$::numeric))
    (
        "div",
        &[("numeric", "7.5"), ("numeric", "0.3")],
        Ok(("numeric", "25")),
    ),
    // psql: select (div($$1e20$$::numeric, $$3$$::int4))::text, pg_typeof(div($$1e20$$::numeric, $$3$$::int4))
    (
        "div",
        &[("numeric", "1e20"), ("int4", "3")],
        Ok(("numeric", "33333333333333333333")),
    ),
    // psql: select (div($$1$$::int4, $$0$$::int4))::text, pg_typeof(div($$1$$::int4, $$0$$::int4))
    (
        "div",
        &[("int4", "1"), ("int4", "0")],
        Err(("22012", "division by zero")),
    ),
    // psql: select (div($$NaN$$::numeric, $$1$$::int4))::text, pg_typeof(div($$NaN$$::numeric, $$1$$::int4))
    (
        "div",
        &[("numeric", "NaN"), ("int4", "1")],
        Ok(("numeric", "NaN")),
    ),
    // psql: select (div($$1$$::int4, $$Infinity$$::numeric))::text, pg_typeof(div($$1$$::int4, $$Infinity$$::numeric))
    (
        "div",
        &[("int4", "1"), ("numeric", "Infinity")],
        Ok(("numeric", "0")),
    ),
    // psql: select (to_char($$2020-05-07 14:05:09.123456$$::timestamp, $$YYYY-MM-DD HH24:MI:SS.MS US$$::text))::text, pg_typeof(to_char($$2020-05-07 14:05:09.123456$$::timestamp, $$YYYY-MM-DD HH24:MI:SS.MS US$$::text))
    (
        "to_char",
        &[
            ("timestamp", "2020-05-07 14:05:09.123456"),
            ("text", "YYYY-MM-DD HH24:MI:SS.MS US"),
        ],
        Ok(("text", "2020-05-07 14:05:09.123 123456")),
    ),
    // psql: select (to_char($$2020-05-07 14:05:09.123456$$::timestamp, $$YY Y YYY HH12 HH AM PM am pm A.M. p.m.$$::text))::text, pg_typeof(to_char($$2020-05-07 14:05:09.123456$$::timestamp, $$YY Y YYY HH12 HH AM PM am pm A.M. p.m.$$::text))
    (
        "to_char",
        &[
            ("timestamp", "2020-05-07 14:05:09.123456"),
            ("text", "YY Y YYY HH12 HH AM PM am pm A.M. p.m."),
        ],
        Ok(("text", "20 0 020 02 02 PM PM pm pm P.M. p.m.")),
    ),
    // psql: select (to_char($$2020-05-07 00:05:09$$::timestamp, $$HH12 HH AM$$::text))::text, pg_typeof(to_char($$2020-05-07 00:05:09$$::timestamp, $$HH12 HH AM$$::text))
    (
        "to_char",
        &[("timestamp", "2020-05-07 00:05:09"), ("text", "HH12 HH AM")],
        Ok(("text", "12 12 AM")),
    ),
    // psql: select (to_char($$2020-05-07 12:05:09$$::timestamp, $$HH12 PM$$::text))::text, pg_typeof(to_char($$2020-05-07 12:05:09$$::timestamp, $$HH12 PM$$::text))
    (
        "to_char",
        &[("timestamp", "2020-05-07 12:05:09"), ("text", "HH12 PM")],
        Ok(("text", "12 PM")),
    ),
    // psql: select (to_char($$2020-05-07 14:05:09$$::timestamp, $$Mon MON mon Month MONTH month| Dy DY dy Day DAY day|$$::text))::text, pg_typeof(to_char($$2020-05-07 14:05:09$$::timestamp, $$Mon MON mon Month MONTH month| Dy DY dy Day DAY day|$$::text))
    (
        "to_char",
        &[
            ("timestamp", "2020-05-07 14:05:09"),
            (
                "text",
                "Mon MON mon Month MONTH month| Dy DY dy Day DAY day|",
            ),
        ],
        Ok((
            "text",
            "May MAY may May       MAY       may      | Thu THU thu Thursday  THURSDAY  thursday |",
        )),
    ),
    // psql: select (to_char($$2020-05-07 14:05:09$$::timestamp, $$FMMonth FMDay FMDD FMMM FMHH12 DDD D Q J SSSS CC WW W IW IYYY ID IDDD$$::text))::text, pg_typeof(to_char($$2020-05-07 14:05:09$$::timestamp, $$FMMonth FMDay FMDD FMMM FMHH12 DDD D Q J SSSS CC WW W IW IYYY ID IDDD$$::text))
    (
        "to_char",
        &[
            ("timestamp", "2020-05-07 14:05:09"),
            (
                "text",
                "FMMonth FMDay FMDD FMMM FMHH12 DDD D Q J SSSS CC WW W IW IYYY ID IDDD",
            ),
        ],
        Ok((
            "text",
            "May Thursday 7 5 2 128 5 2 2458977 50709 21 19 1 19 2020 4 130",
        )),
    ),
    // psql: select (to_char($$2021-01-01 00:00:00$$::timestamp, $$IYYY-IW-ID IDDD WW DDD$$::text))::text, pg_typeof(to_char($$2021-01-01 00:00:00$$::timestamp, $$IYYY-IW-ID IDDD WW DDD$$::text))
    (
        "to_char",
        &[
            ("timestamp", "2021-01-01 00:00:00"),
            ("text", "IYYY-IW-ID IDDD WW DDD"),
        ],
        Ok(("text", "2020-53-5 369 01 001")),
    ),
    // psql: select (to_char($$2020-05-07 14:05:09$$::timestamp, $$TZ tz OF$$::text))::text, pg_typeof(to_char($$2020-05-07 14:05:09$$::timestamp, $$TZ tz OF$$::text))
    (
        "to_char",
        &[("timestamp", "2020-05-07 14:05:09"), ("text", "TZ tz OF")],
        Ok(("text", "  +00")),
    ),
    // psql: select (to_char($$2020-05-07 14:05:09+00$$::timestamptz, $$TZ tz OF TZH:TZM$$::text))::text, pg_typeof(to_char($$2020-05-07 14:05:09+00$$::timestamptz, $$TZ tz OF TZH:TZM$$::text))
    (
        "to_char",
        &[
            ("timestamptz", "2020-05-07 14:05:09+00"),
            ("text", "TZ tz OF TZH:TZM"),
        ],
        Ok(("text", "UTC utc +00 +00:00")),
    ),
    // psql: select (to_char($$2020-05-07$$::date, $$YYYY/MM/DD TZ$$::text))::text, pg_typeof(to_char($$2020-05-07$$::date, $$YYYY/MM/DD TZ$$::text))
    (
        "to_char",
        &[("date", "2020-05-07"), ("text", "YYYY/MM/DD TZ")],
        Ok(("text", "2020/05/07 UTC")),
    ),
    // psql: select (to_char($$2020-05-07 14:05:09$$::timestamp, $$"Year" YYYY "quoted MM" \"x\" HH24\\MI$$::text))::text, pg_typeof(to_char($$2020-05-07 14:05:09$$::timestamp, $$"Year" YYYY "quoted MM" \"x\" HH24\\MI$$::text))
    (
        "to_char",
        &[
            ("timestamp", "2020-05-07 14:05:09"),
            ("text", "\"Year\" YYYY \"quoted MM\" \\\"x\\\" HH24\\\\MI"),
        ],
        Ok(("text", "Year 2020 quoted MM \"x\" 14\\\\05")),
    ),
    // psql: select (to_char($$2020-05-07 14:05:09$$::timestamp, $$YYYYMMDDHH24MISS$$::text))::text, pg_typeof(to_char($$2020-05-07 14:05:09$$::timestamp, $$YYYYMMDDHH24MISS$$::text))
    (
        "to_char",
        &[
            ("timestamp", "2020-05-07 14:05:09"),
            ("text", "YYYYMMDDHH24MISS"),
        ],
        Ok(("text", "20200507140509")),
    ),
    // psql: select (to_char($$2020-05-07 14:05:09$$::timestamp, $$yyyy-mm-dd hh24:mi:ss$$::text))::text, pg_typeof(to_char($$2020-05-07 14:05:09$$::timestamp, $$yyyy-mm-dd hh24:mi:ss$$::text))
    (
        "to_char",
        &[
            ("timestamp", "2020-05-07 14:05:09"),
            ("text", "yyyy-mm-dd hh24:mi:ss"),
        ],
        Ok(("text", "2020-05-07 14:05:09")),
    ),
    // psql: select (to_char($$2020-05-07 14:05:09$$::timestamp, $$$$::text))::text, pg_typeof(to_char($$2020-05-07 14:05:09$$::timestamp, $$$$::text))
    (
        "to_char",
        &[("timestamp", "2020-05-07 14:05:09"), ("text", "")],
        Ok(("text", "<NULL>")),
    ),
    // psql: select (to_char($$0044-03-15 BC$$::timestamp, $$YYYY BC AD B.C. bc CC$$::text))::text, pg_typeof(to_char($$0044-03-15 BC$$::timestamp, $$YYYY BC AD B.C. bc CC$$::text))
    (
        "to_char",
        &[
            ("timestamp", "0044-03-15 BC"),
            ("text", "YYYY BC AD B.C. bc CC"),
        ],
        Ok(("text", "0044 BC BC B.C. bc -01")),
    ),
    // psql: select (to_char($$2020-03-15$$::timestamp, $$YYYY BC AD a.d. CC$$::text))::text, pg_typeof(to_char($$2020-03-15$$::timestamp, $$YYYY BC AD a.d. CC$$::text))
    (
        "to_char",
        &[("timestamp", "2020-03-15"), ("text", "YYYY BC AD a.d. CC")],
        Ok(("text", "2020 AD AD a.d. 21")),
    ),
    // psql: select (to_char($$0099-01-01$$::timestamp, $$YYYY YY FMYYYY Y,YYY$$::text))::text, pg_typeof(to_char($$0099-01-01$$::timestamp, $$YYYY YY FMYYYY Y,YYY$$::text))
    (
        "to_char",
        &[
            ("timestamp", "0099-01-01"),
            ("text", "YYYY YY FMYYYY Y,YYY"),
        ],
        Ok(("text", "0099 99 99 0,099")),
    ),
    // psql: select (to_char($$12345-01-01$$::timestamp, $$YYYY Y,YYY$$::text))::text, pg_typeof(to_char($$12345-01-01$$::timestamp, $$YYYY Y,YYY$$::text))
    (
        "to_char",
        &[("timestamp", "12345-01-01"), ("text", "YYYY Y,YYY")],
        Ok(("text", "12345 12,345")),
    ),
    // psql: select (to_char($$2020-01-01 00:00:00$$::timestamp, $$HH24:MI:SS FF1 FF3 FF6 TH DDth MMTH$$::text))::text, pg_typeof(to_char($$2020-01-01 00:00:00$$::timestamp, $$HH24:MI:SS FF1 FF3 FF6 TH DDth MMTH$$::text))
    (
        "to_char",
        &[
            ("timestamp", "2020-01-01 00:00:00"),
            ("text", "HH24:MI:SS FF1 FF3 FF6 TH DDth MMTH"),
        ],
        Ok(("text", "00:00:00 0 000 000000 TH 01st 01ST")),
    ),
    // psql: select (to_char($$2020-01-02$$::timestamp, $$DDth DDTH FMDDth$$::text))::text, pg_typeof(to_char($$2020-01-02$$::timestamp, $$DDth DDTH FMDDth$$::text))
    (
        "to_char",
        &[("timestamp", "2020-01-02"), ("text", "DDth DDTH FMDDth")],
        Ok(("text", "02nd 02ND 2nd")),
    ),
    // psql: select (to_char($$2020-01-11$$::timestamp, $$DDth FMDDth FMMMth$$::text))::text, pg_typeof(to_char($$2020-01-11$$::timestamp, $$DDth FMDDth FMMMth$$::text))
    (
        "to_char",
        &[("timestamp", "2020-01-11"), ("text", "DDth FMDDth FMMMth")],
        Ok(("text", "11th 11th 1st")),
    ),
    // psql: select (to_char($$2020-01-23$$::timestamp, $$DDth RM rm FMRM|$$::text))::text, pg_typeof(to_char($$2020-01-23$$::timestamp, $$DDth RM rm FMRM|$$::text))
    (
        "to_char",
        &[("timestamp", "2020-01-23"), ("text", "DDth RM rm FMRM|")],
        Ok(("text", "23rd I    i    I|")),
    ),
    // psql: select (to_char($$infinity$$::timestamp, $$YYYY$$::text))::text, pg_typeof(to_char($$infinity$$::timestamp, $$YYYY$$::text))
    (
        "to_char",
        &[("timestamp", "infinity"), ("text", "YYYY")],
        Ok(("text", "<NULL>")),
    ),
    // psql: select (to_char($$2020-05-07 14:05:09$$::timestamp, $$FMxHH Dd mM Hh$$::text))::text, pg_typeof(to_char($$2020-05-07 14:05:09$$::timestamp, $$FMxHH Dd mM Hh$$::text))
    (
        "to_char",
        &[
            ("timestamp", "2020-05-07 14:05:09"),
            ("text", "FMxHH Dd mM Hh"),
        ],
        Ok(("text", "x02 55 mM Hh")),
    ),
    // psql: select (to_char($$2020-05-07 14:05:09$$::timestamp, $$SSSSS fmhh24 Mi$$::text))::text, pg_typeof(to_char($$2020-05-07 14:05:09$$::timestamp, $$SSSSS fmhh24 Mi$$::text))
    (
        "to_char",
        &[
            ("timestamp", "2020-05-07 14:05:09"),
            ("text", "SSSSS fmhh24 Mi"),
        ],
        Ok(("text", "50709 14 M0")),
    ),
    // psql: select (power($$0$$::float8, $$-1$$::float8))::text, pg_typeof(power($$0$$::float8, $$-1$$::float8))
    (
        "power",
        &[("float8", "0"), ("float8", "-1")],
        Err(("2201F", "zero raised to a negative power is undefined")),
    ),
    // psql: select (power($$0$$::numeric, $$-1$$::numeric))::text, pg_typeof(power($$0$$::numeric, $$-1$$::numeric))
    (
        "power",
        &[("numeric", "0"), ("numeric", "-1")],
        Err(("2201F", "zero raised to a negative power is undefined")),
    ),
    // psql: select (sqrt($$-1$$::float8))::text, pg_typeof(sqrt($$-1$$::float8))
    (
        "sqrt",
        &[("float8", "-1")],
        Err(("2201F", "cannot take square root of a negative number")),
    ),
    // psql: select (sqrt($$-1$$::numeric))::text, pg_typeof(sqrt($$-1$$::numeric))
    (
        "sqrt",
        &[("numeric", "-1")],
        Err(("2201F", "cannot take square root of a negative number")),
    ),
    // psql: select (substr($$abc$$::text, $$1$$::int4, $$-1$$::int4))::text, pg_typeof(substr($$abc$$::text, $$1$$::int4, $$-1$$::int4))
    (
        "substr",
        &[("text", "abc"), ("int4", "1"), ("int4", "-1")],
        Err(("22011", "negative substring length not allowed")),
    ),
];

/// `(left type, left, operator, right type, right, expected)`.
const OP_CASES: &[OpCase] = &[
    // psql: select ($$1$$::int2 << $$16$$::int4)::text, pg_typeof($$1$$::int2 << $$16$$::int4)
    ("int2", "1", "<<", "int4", "16", Ok(("smallint", "0"))),
    // psql: select ($$1$$::int2 << $$33$$::int4)::text, pg_typeof($$1$$::int2 << $$33$$::int4)
    ("int2", "1", "<<", "int4", "33", Ok(("smallint", "2"))),
    // psql: select ($$1$$::int4 << $$33$$::int4)::text, pg_typeof($$1$$::int4 << $$33$$::int4)
    ("int4", "1", "<<", "int4", "33", Ok(("integer", "2"))),
    // psql: select ($$1$$::int4 << $$-1$$::int4)::text, pg_typeof($$1$$::int4 << $$-1$$::int4)
    (
        "int4",
        "1",
        "<<",
        "int4",
        "-1",
        Ok(("integer", "-2147483648")),
    ),
    // psql: select ($$1$$::int8 << $$65$$::int4)::text, pg_typeof($$1$$::int8 << $$65$$::int4)
    ("int8", "1", "<<", "int4", "65", Ok(("bigint", "2"))),
    // psql: select ($$-8$$::int4 >> $$1$$::int4)::text, pg_typeof($$-8$$::int4 >> $$1$$::int4)
    ("int4", "-8", ">>", "int4", "1", Ok(("integer", "-4"))),
    // psql: select ($$-8$$::int2 >> $$1$$::int4)::text, pg_typeof($$-8$$::int2 >> $$1$$::int4)
    ("int2", "-8", ">>", "int4", "1", Ok(("smallint", "-4"))),
    // psql: select ($$5$$::int2 & $$3$$::int4)::text, pg_typeof($$5$$::int2 & $$3$$::int4)
    ("int2", "5", "&", "int4", "3", Ok(("integer", "1"))),
    // psql: select ($$5$$::int2 << $$3$$::int2)::text, pg_typeof($$5$$::int2 << $$3$$::int2)
    ("int2", "5", "<<", "int2", "3", Ok(("smallint", "40"))),
    // psql: select ($$5$$::int4 # $$3$$::int4)::text, pg_typeof($$5$$::int4 # $$3$$::int4)
    ("int4", "5", "#", "int4", "3", Ok(("integer", "6"))),
    // psql: select ($$12$$::int8 | $$3$$::int4)::text, pg_typeof($$12$$::int8 | $$3$$::int4)
    ("int8", "12", "|", "int4", "3", Ok(("bigint", "15"))),
    // psql: select ($$-1$$::int8 >> $$70$$::int4)::text, pg_typeof($$-1$$::int8 >> $$70$$::int4)
    ("int8", "-1", ">>", "int4", "70", Ok(("bigint", "-1"))),
    // psql: select ($$1$$::int4 << $$2$$::int8)::text, pg_typeof($$1$$::int4 << $$2$$::int8)
    (
        "int4",
        "1",
        "<<",
        "int8",
        "2",
        Err(("42883", "operator does not exist: integer << bigint")),
    ),
    // psql: select ($$1.5$$::numeric & $$1$$::int4)::text, pg_typeof($$1.5$$::numeric & $$1$$::int4)
    (
        "numeric",
        "1.5",
        "&",
        "int4",
        "1",
        Err(("42883", "operator does not exist: numeric & integer")),
    ),
    // psql: select ($$7$$ & $$3$$::int4)::text, pg_typeof($$7$$ & $$3$$::int4)
    ("unknown", "7", "&", "int4", "3", Ok(("integer", "3"))),
    // psql: select ($$1$$::int8 << $$40$$)::text, pg_typeof($$1$$::int8 << $$40$$)
    (
        "int8",
        "1",
        "<<",
        "unknown",
        "40",
        Ok(("bigint", "1099511627776")),
    ),
    // psql: select ($$-32768$$::int2 & $$-1$$::int2)::text, pg_typeof($$-32768$$::int2 & $$-1$$::int2)
    (
        "int2",
        "-32768",
        "&",
        "int2",
        "-1",
        Ok(("smallint", "-32768")),
    ),
    // psql: select ($$255$$::int2 | $$256$$::int2)::text, pg_typeof($$255$$::int2 | $$256$$::int2)
    ("int2", "255", "|", "int2", "256", Ok(("smallint", "511"))),
    // psql: select ($$6$$::int4 # $$3$$::int8)::text, pg_typeof($$6$$::int4 # $$3$$::int8)
    ("int4", "6", "#", "int8", "3", Ok(("bigint", "5"))),
    // psql: select ($$1$$::float8 | $$1$$::int4)::text, pg_typeof($$1$$::float8 | $$1$$::int4)
    (
        "float8",
        "1",
        "|",
        "int4",
        "1",
        Err((
            "42883",
            "operator does not exist: double precision | integer",
        )),
    ),
    // psql: select ($$1$$ & $$2$$)::text, pg_typeof($$1$$ & $$2$$)
    (
        "unknown",
        "1",
        "&",
        "unknown",
        "2",
        Err(("42725", "operator is not unique: unknown & unknown")),
    ),
    // psql: select ($$16$$::int4 >> $$2$$::int2)::text, pg_typeof($$16$$::int4 >> $$2$$::int2)
    ("int4", "16", ">>", "int2", "2", Ok(("integer", "4"))),
    // psql: select ($$2$$::int4 ^ $$10$$::int4)::text, pg_typeof($$2$$::int4 ^ $$10$$::int4)
    (
        "int4",
        "2",
        "^",
        "int4",
        "10",
        Ok(("double precision", "1024")),
    ),
    // psql: select ($$2.0$$::numeric ^ $$10$$::int4)::text, pg_typeof($$2.0$$::numeric ^ $$10$$::int4)
    (
        "numeric",
        "2.0",
        "^",
        "int4",
        "10",
        Ok(("numeric", "1024.0000000000000000")),
    ),
    // psql: select ($$2$$::int4 ^ $$10.0$$::numeric)::text, pg_typeof($$2$$::int4 ^ $$10.0$$::numeric)
    (
        "int4",
        "2",
        "^",
        "numeric",
        "10.0",
        Ok(("numeric", "1024.0000000000000000")),
    ),
    // psql: select ($$2$$::float4 ^ $$2$$::float4)::text, pg_typeof($$2$$::float4 ^ $$2$$::float4)
    (
        "float4",
        "2",
        "^",
        "float4",
        "2",
        Ok(("double precision", "4")),
    ),
    // psql: select ($$2$$::numeric ^ $$0.5$$::float8)::text, pg_typeof($$2$$::numeric ^ $$0.5$$::float8)
    (
        "numeric",
        "2",
        "^",
        "float8",
        "0.5",
        Ok(("double precision", "1.4142135623730951")),
    ),
    // psql: select ($$0$$::int4 ^ $$-1$$::int4)::text, pg_typeof($$0$$::int4 ^ $$-1$$::int4)
    (
        "int4",
        "0",
        "^",
        "int4",
        "-1",
        Err(("2201F", "zero raised to a negative power is undefined")),
    ),
    // psql: select ($$0.0$$::numeric ^ $$-1$$::int4)::text, pg_typeof($$0.0$$::numeric ^ $$-1$$::int4)
    (
        "numeric",
        "0.0",
        "^",
        "int4",
        "-1",
        Err(("2201F", "zero raised to a negative power is undefined")),
    ),
    // psql: select ($$-8.0$$::numeric ^ $$2$$::numeric)::text, pg_typeof($$-8.0$$::numeric ^ $$2$$::numeric)
    (
        "numeric",
        "-8.0",
        "^",
        "numeric",
        "2",
        Ok(("numeric", "64.0000000000000000")),
    ),
    // psql: select ($$-8$$::float8 ^ $$0.5$$::float8)::text, pg_typeof($$-8$$::float8 ^ $$0.5$$::float8)
    (
        "float8",
        "-8",
        "^",
        "float8",
        "0.5",
        Err((
            "2201F",
            "a negative number raised to a non-integer power yields a complex result",
        )),
    ),
    // psql: select ($$1e300$$::float8 ^ $$2$$::int4)::text, pg_typeof($$1e300$$::float8 ^ $$2$$::int4)
    (
        "float8",
        "1e300",
        "^",
        "int4",
        "2",
        Err(("22003", "value out of range: overflow")),
    ),
    // psql: select ($$1e-300$$::float8 ^ $$2$$::int4)::text, pg_typeof($$1e-300$$::float8 ^ $$2$$::int4)
    (
        "float8",
        "1e-300",
        "^",
        "int4",
        "2",
        Err(("22003", "value out of range: underflow")),
    ),
    // psql: select ($$NaN$$::float8 ^ $$0$$::int4)::text, pg_typeof($$NaN$$::float8 ^ $$0$$::int4)
    (
        "float8",
        "NaN",
        "^",
        "int4",
        "0",
        Ok(("double precision", "1")),
    ),
    // psql: select ($$1$$::int4 ^ $$NaN$$::float8)::text, pg_typeof($$1$$::int4 ^ $$NaN$$::float8)
    (
        "int4",
        "1",
        "^",
        "float8",
        "NaN",
        Ok(("double precision", "1")),
    ),
    // psql: select ($$1.5$$::numeric ^ $$3$$::numeric)::text, pg_typeof($$1.5$$::numeric ^ $$3$$::numeric)
    (
        "numeric",
        "1.5",
        "^",
        "numeric",
        "3",
        Ok(("numeric", "3.3750000000000000")),
    ),
    // psql: select ($$2$$::numeric ^ $$-2$$::numeric)::text, pg_typeof($$2$$::numeric ^ $$-2$$::numeric)
    (
        "numeric",
        "2",
        "^",
        "numeric",
        "-2",
        Ok(("numeric", "0.2500000000000000")),
    ),
    // psql: select ($$2$$ ^ $$3$$::int4)::text, pg_typeof($$2$$ ^ $$3$$::int4)
    (
        "unknown",
        "2",
        "^",
        "int4",
        "3",
        Ok(("double precision", "8")),
    ),
    // psql: select ($$t$$::bool ^ $$3$$::int4)::text, pg_typeof($$t$$::bool ^ $$3$$::int4)
    (
        "bool",
        "t",
        "^",
        "int4",
        "3",
        Err(("42883", "operator does not exist: boolean ^ integer")),
    ),
    // psql: select ($$-8$$::float8 ^ $$3$$::float8)::text, pg_typeof($$-8$$::float8 ^ $$3$$::float8)
    (
        "float8",
        "-8",
        "^",
        "float8",
        "3",
        Ok(("double precision", "-512")),
    ),
];

/// `(operator, operand type, operand, expected)`.
type UnaryCase = (&'static str, &'static str, &'static str, ExpectTyped);

const UNARY_CASES: &[UnaryCase] = &[
    // psql: select (~ $$5$$::int4)::text, pg_typeof(~ $$5$$::int4)
    ("~", "int4", "5", Ok(("integer", "-6"))),
    // psql: select (~ $$5$$::int2)::text, pg_typeof(~ $$5$$::int2)
    ("~", "int2", "5", Ok(("smallint", "-6"))),
    // psql: select (~ $$-1$$::int8)::text, pg_typeof(~ $$-1$$::int8)
    ("~", "int8", "-1", Ok(("bigint", "0"))),
    // psql: select (~ $$-2147483648$$::int4)::text, pg_typeof(~ $$-2147483648$$::int4)
    ("~", "int4", "-2147483648", Ok(("integer", "2147483647"))),
    // psql: select (~ $$1$$::numeric)::text, pg_typeof(~ $$1$$::numeric)
    (
        "~",
        "numeric",
        "1",
        Err(("42883", "operator does not exist: ~ numeric")),
    ),
    // psql: select (~ $$5$$)::text, pg_typeof(~ $$5$$)
    (
        "~",
        "unknown",
        "5",
        Err(("42725", "operator is not unique: ~ unknown")),
    ),
];

#[test]
fn func_cases_match_postgres() {
    check_funcs(FUNC_CASES);
}

#[test]
fn op_cases_match_postgres() {
    check_ops(OP_CASES);
}

#[test]
fn unary_cases_match_postgres() {
    let mut failures = Vec::new();
    for (op, t, v, want) in UNARY_CASES {
        let op = match *op {
            "~" => UnaryOp::BitNot,
            "-" => UnaryOp::Minus,
            other => panic!("unknown unary operator {other}"),
        };
        let t = ty(t);
        let got = (|| {
            let result = unary_op_type(op, &t)?;
            let value = cast_from(literal(v, &t)?, &t, &result, CastKind::Implicit)?;
            let out = eval_unary(op, &value)?;
            Ok::<_, rocksgres_engine::EngineError>(format!(
                "{}|{}",
                result.display_name(),
                as_text(out, &result)?
            ))
        })();
        let want = want.map(|(t, v)| format!("{t}|{v}"));
        let ok = match (&got, &want) {
            (Ok(g), Ok(w)) => g == w,
            (Err(e), Err((code, msg))) => e.code() == *code && e.message == *msg,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{op:?} {v}::{}: got {:?}, want {want:?}",
                t.display_name(),
                got.map_err(|e| (e.code().to_owned(), e.message))
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let _ = SqlType::Int4;
}
