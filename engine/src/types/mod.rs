//! SQL types and values: what the binder, planner and executor compute
//! with, with PostgreSQL 15's semantics.
//!
//! * [`SqlType`] — the types with their OIDs, typmods and names, and the
//!   mapping to the codec's storage types;
//! * [`Value`] — owned values, their conversion to and from codec
//!   [`rocksgres_codec::Datum`]s, and their text input/output
//!   ([`Value::parse_text`], [`Value::write_text`]);
//! * casts ([`cast`], [`can_cast`], [`implicit_common_type`]);
//! * operators ([`resolve_binary_op`], [`eval_binary`], [`compare`], the
//!   three-valued [`and3`]/[`or3`]/[`not3`]);
//! * `numeric` arithmetic ([`numeric_ops`]), date/time arithmetic
//!   ([`datetime_ops`]) and the `interval` type ([`Interval`]);
//! * scalar functions ([`resolve_function`]);
//! * the catalog types (`name`, `"char"`, `oid`, `regclass`, ...) and
//!   one-dimensional arrays in their text form ([`array`]).
//!
//! Error messages and SQLSTATEs are PostgreSQL's; the unit and integration
//! tests (`engine/tests/types_*.rs`) hold values checked against a real
//! PostgreSQL 15.

pub mod array;
pub mod array_functions;
pub mod array_typmod;
pub mod bits;
pub mod bits_ops;
pub mod cast;
pub mod compare;
pub mod composite;
pub mod datestyle;
pub mod datetime;
pub mod datetime_ops;
pub mod datetime_template;
pub mod descriptor;
pub mod domain;
pub mod enum_funcs;
pub mod enum_type;
pub mod float;
pub mod functions;
pub mod inet;
pub mod inet_ops;
pub mod interval;
pub mod interval_typmod;
pub mod json;
pub mod json_datetime;
pub mod json_funcs;
pub mod json_ops;
pub mod json_path;
mod json_path_print;
pub mod json_record;
pub mod json_srf;
pub mod macaddr;
pub mod md5;
pub mod numeric_math;
pub mod numeric_ops;
pub mod ops;
pub mod overlay;
pub mod regex;
pub mod sql_type;
pub mod text_io;
pub mod timetz;
pub mod timetz_funcs;
pub mod to_char;
pub mod uuid;
pub mod value;
pub mod vector;
pub mod zone;
mod zone_abbrevs;

pub use cast::{apply_typmod, can_cast, cast, cast_from, implicit_common_type, CastKind};
pub use compare::{compare, compare_bpchar, compare_typed, try_compare};
pub use functions::{resolve_function, EvalContext, FunctionEnv, ScalarFunction, Volatility};
pub use interval::Interval;
pub use ops::{
    and3, binary_op_type, eval_binary, eval_unary, not3, or3, resolve_binary_op, unary_op_type,
    BinaryOp, BinaryOpSig, UnaryOp,
};
pub use rocksgres_codec::Numeric;
pub use sql_type::{RegKind, SqlType, TypeCategory};
pub use value::Value;
