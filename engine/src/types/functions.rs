//! Built-in scalar functions: name + argument types -> [`ScalarFunction`]
//! (parameter types, return type, evaluator), resolved as PostgreSQL's
//! `func_select_candidate` does for the built-in catalogue.
//!
//! Resolution keeps the candidates of the right name and arity whose
//! parameters every argument can reach by an implicit cast (an `unknown`
//! argument reaches anything), then prefers the most exact matches, then
//! PostgreSQL's preferred types (`double precision`, `text`,
//! `timestamptz`) where a conversion is needed — which is why `round(5)` is
//! `round(double precision)` and `date_trunc('day', date)` returns
//! `timestamptz`, as in PostgreSQL. The planner casts each argument to
//! [`ScalarFunction::arg_types`] before calling [`ScalarFunction::invoke`].
//!
//! Evaluators receive an [`EvalContext`] carrying the statement timestamp
//! (for `now()`/`current_timestamp`) and the `random()` state. `coalesce`,
//! `nullif` and the SQL-syntax forms (`EXTRACT(f FROM x)`, `TRIM(...)`,
//! `POSITION(a IN b)`, `SUBSTRING(s FROM a FOR b)`) are the planner's: it
//! maps the latter to `extract`, `btrim`/`ltrim`/`rtrim`, `strpos` (note
//! the swapped arguments) and `substr`.

use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use rocksgres_codec::Numeric;

use super::cast::{can_cast, implicit_common_type, int_out_of_range, CastKind};
use super::compare::try_compare;
use super::datetime::{
    split_timestamp, timestamp_to_date, UNIX_EPOCH_DAYS, USECS_PER_DAY, USECS_PER_SEC,
};
use super::datetime_ops::{
    extract_date, extract_interval, extract_time, extract_timestamp, interval_trunc,
    timestamp_trunc, timestamptz_trunc, to_date_part,
};
use super::float::float_overflow;
use super::md5::md5_hex;
use super::numeric_math::{
    numeric_exp, numeric_gcd, numeric_lcm, numeric_ln, numeric_log, numeric_sign,
};
use super::numeric_ops::{
    numeric_abs, numeric_ceil, numeric_div_trunc, numeric_floor, numeric_mod, numeric_power,
    numeric_round, numeric_sqrt, numeric_trunc,
};
use super::sql_type::{SqlType, TypeCategory};
use super::to_char::format_timestamp;
use super::value::Value;
use crate::error::{EngineError, Result, SqlState};

/// What evaluators need from the running statement. The executor's own
/// context can implement it; [`EvalContext`] is a ready-made one.
pub trait FunctionEnv {
    /// Start of the current transaction/statement (what `now()` returns),
    /// in microseconds since 2000-01-01 00:00:00 UTC.
    fn statement_ts_micros(&self) -> i64;

    /// The next `random()` value in `[0, 1)`; by default from a
    /// thread-local xorshift generator seeded from the clock.
    fn random(&self) -> f64 {
        thread_random()
    }

    /// The session's user (`current_user`, `session_user`).
    fn user_name(&self) -> &str {
        "postgres"
    }

    /// The session's backend pid (`pg_backend_pid()`).
    fn backend_pid(&self) -> i32 {
        0
    }

    /// The database the session connected to (`current_database()`).
    fn database_name(&self) -> &str {
        "postgres"
    }

    /// The approximate byte size of the store's entries in `[start, end)`
    /// (store keys, see [`rocksgres_storage::Transaction::approximate_size`]);
    /// `None` where no store is at hand.
    fn approximate_size(&self, _start: &[u8], _end: &[u8]) -> Result<Option<u64>> {
        Ok(None)
    }

    /// The system catalogs as the statement sees them; loaded by the
    /// executor before it calls a function marked
    /// [`ScalarFunction::catalog`]. `None` elsewhere.
    fn syscat(&self) -> Option<&crate::syscat::Snapshot> {
        None
    }

    /// `current_setting(name [, missing_ok])`: the value of setting
    /// `name` as the statement sees it (`None`: unknown and `missing_ok`).
    fn current_setting(&self, name: &str, missing_ok: bool) -> Result<Option<String>> {
        match crate::settings::Settings::default().get(name) {
            Ok(v) => Ok(Some(v.to_string())),
            Err(_) if missing_ok => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `set_config(name, value, is_local)` (`value` `None`: the default);
    /// returns the new value.
    fn set_config(&self, _name: &str, _value: Option<&str>, _local: bool) -> Result<String> {
        Err(EngineError::unsupported(
            "set_config outside a session statement",
        ))
    }
}

thread_local! {
    static RANDOM_STATE: std::cell::Cell<u64> =
        std::cell::Cell::new((clock_micros() as u64) ^ 0x9E37_79B9_7F4A_7C15 | 1);
}

fn xorshift(state: u64) -> (u64, f64) {
    let mut x = state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
    (x, (r >> 11) as f64 / (1u64 << 53) as f64)
}

/// A `random()` value from the calling thread's generator.
pub fn thread_random() -> f64 {
    RANDOM_STATE.with(|cell| {
        let (next, value) = xorshift(cell.get());
        cell.set(next);
        value
    })
}

/// A simple [`FunctionEnv`]: a fixed statement timestamp and its own
/// random generator.
#[derive(Debug)]
pub struct EvalContext {
    /// Start of the current statement, microseconds since 2000-01-01 UTC.
    pub statement_ts_micros: i64,
    random_state: AtomicU64,
}

impl EvalContext {
    /// A context for a statement that started at `statement_ts_micros`.
    pub fn new(statement_ts_micros: i64) -> EvalContext {
        let seed = (statement_ts_micros as u64) ^ 0x9E37_79B9_7F4A_7C15 ^ clock_micros() as u64;
        EvalContext {
            statement_ts_micros,
            random_state: AtomicU64::new(seed | 1),
        }
    }

    /// A context stamped with the current time.
    pub fn now() -> EvalContext {
        EvalContext::new(clock_micros())
    }
}

impl FunctionEnv for EvalContext {
    fn statement_ts_micros(&self) -> i64 {
        self.statement_ts_micros
    }

    fn random(&self) -> f64 {
        let (next, value) = xorshift(self.random_state.load(AtomicOrdering::Relaxed));
        self.random_state.store(next, AtomicOrdering::Relaxed);
        value
    }
}

/// The current wall-clock time in microseconds since 2000-01-01 UTC.
pub fn clock_micros() -> i64 {
    let now = chrono::Utc::now();
    now.timestamp_micros() + UNIX_EPOCH_DAYS * USECS_PER_DAY
}

/// An evaluator: receives arguments already cast to the parameter types.
pub type ScalarFn = fn(&dyn FunctionEnv, &[Value]) -> Result<Value>;

/// An evaluator that also receives the argument types (functions taking
/// any type whose result depends on it, such as `to_jsonb`).
pub type TypedFn = fn(&[Value], &[SqlType]) -> Result<Value>;

/// How a function's result may change between calls with equal arguments
/// (PostgreSQL's `provolatile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Volatility {
    /// Same arguments, same result, always: may be constant-folded.
    Immutable,
    /// Fixed within a statement (`now()`).
    Stable,
    /// May change on every call (`random()`, `clock_timestamp()`).
    Volatile,
}

/// A resolved function.
#[derive(Debug, Clone)]
pub struct ScalarFunction {
    /// The function's name (lower case).
    pub name: &'static str,
    /// The types the arguments must be cast to, one per argument.
    pub arg_types: Vec<SqlType>,
    /// The result type.
    pub return_type: SqlType,
    /// Whether a `NULL` argument makes the result `NULL` without calling
    /// the evaluator.
    pub strict: bool,
    /// Volatility class.
    pub volatility: Volatility,
    /// Whether the evaluator reads the system catalogs: the executor
    /// loads them before calling it.
    pub catalog: bool,
    /// The evaluator.
    pub eval: ScalarFn,
    /// The typed evaluator, used instead of `eval` when present.
    pub typed: Option<TypedFn>,
}

impl ScalarFunction {
    /// Calls the function (handling strictness).
    pub fn invoke(&self, env: &dyn FunctionEnv, args: &[Value]) -> Result<Value> {
        if self.strict && args.iter().any(Value::is_null) {
            return Ok(Value::Null);
        }
        if let Some(typed) = self.typed {
            return typed(args, &self.arg_types);
        }
        (self.eval)(env, args)
    }

    /// [`ScalarFunction::invoke`] with the arguments first.
    pub fn call(&self, args: &[Value], env: &dyn FunctionEnv) -> Result<Value> {
        self.invoke(env, args)
    }

    /// The types the arguments must be cast to.
    pub fn arg_types(&self) -> &[SqlType] {
        &self.arg_types
    }

    /// The result type.
    pub fn return_type(&self) -> SqlType {
        self.return_type
    }

    /// Whether the result may differ between calls with the same
    /// arguments within a cached plan (anything not immutable: `now()`,
    /// `random()`); such calls must not be constant-folded.
    pub fn is_volatile(&self) -> bool {
        self.volatility != Volatility::Immutable
    }
}

/// How a candidate's return type is decided.
#[derive(Clone, Copy)]
pub(crate) enum Ret {
    /// Always this type.
    Fixed(SqlType),
    /// The common type of the arguments (greatest/least).
    Common,
}

#[derive(Clone, Copy)]
pub(crate) enum Arity {
    /// Exactly the listed parameters.
    Exact,
    /// The last parameter repeats (`None` = any type, kept as is).
    Variadic,
}

/// One overload of a built-in function.
pub(crate) struct Candidate {
    /// Lower-case name.
    pub(crate) name: &'static str,
    /// Parameter types (`Unknown` = any type, kept as given).
    pub(crate) params: &'static [SqlType],
    /// Exact or variadic.
    pub(crate) arity: Arity,
    /// Return type rule.
    pub(crate) ret: Ret,
    /// NULL in, NULL out.
    pub(crate) strict: bool,
    /// Volatility class.
    pub(crate) volatility: Volatility,
    /// Whether the evaluator reads the system catalogs
    /// ([`FunctionEnv::syscat`]).
    pub(crate) catalog: bool,
    /// The evaluator.
    pub(crate) eval: ScalarFn,
}

const N: SqlType = SqlType::NUMERIC;
const T: SqlType = SqlType::Text;
const BP: SqlType = SqlType::Char(None);
const I2: SqlType = SqlType::Int2;
const I4: SqlType = SqlType::Int4;
const I8: SqlType = SqlType::Int8;
const F4: SqlType = SqlType::Float4;
const F8: SqlType = SqlType::Float8;
const TS: SqlType = SqlType::Timestamp(None);
const TZ: SqlType = SqlType::Timestamptz(None);
const D: SqlType = SqlType::Date;
const TM: SqlType = SqlType::Time(None);
const IV: SqlType = SqlType::Interval(None);
const BY: SqlType = SqlType::Bytea;
const ANY: SqlType = SqlType::Unknown;

macro_rules! c {
    ($name:literal, [$($p:expr),*], $ret:expr, $eval:expr) => {
        Candidate { name: $name, params: &[$($p),*], arity: Arity::Exact, ret: Ret::Fixed($ret),
                    strict: true, volatility: Volatility::Immutable, catalog: false, eval: $eval }
    };
}

fn candidates() -> Vec<Candidate> {
    let mut v = vec![
        c!("abs", [I2], I2, |_, a| int_unary(
            &a[0],
            |x| x.checked_abs(),
            I2
        )),
        c!("abs", [I4], I4, |_, a| int_unary(
            &a[0],
            |x| x.checked_abs(),
            I4
        )),
        c!("abs", [I8], I8, |_, a| int_unary(
            &a[0],
            |x| x.checked_abs(),
            I8
        )),
        c!("abs", [F4], F4, |_, a| Ok(Value::Float4(
            f(&a[0]).abs() as f32
        ))),
        c!("abs", [F8], F8, |_, a| Ok(Value::Float8(f(&a[0]).abs()))),
        c!("abs", [N], N, |_, a| Ok(Value::Numeric(numeric_abs(&num(
            &a[0]
        )?)))),
        c!("length", [T], I4, |_, a| Ok(Value::Int4(
            s(&a[0])?.chars().count() as i32
        ))),
        c!("length", [BP], I4, |_, a| Ok(Value::Int4(
            s(&a[0])?.trim_end_matches(' ').chars().count() as i32
        ))),
        c!("length", [BY], I4, |_, a| Ok(Value::Int4(
            b(&a[0])?.len() as i32
        ))),
        c!("char_length", [T], I4, |_, a| Ok(Value::Int4(
            s(&a[0])?.chars().count() as i32
        ))),
        c!("char_length", [BP], I4, |_, a| Ok(Value::Int4(
            s(&a[0])?.trim_end_matches(' ').chars().count() as i32
        ))),
        c!("character_length", [T], I4, |_, a| Ok(Value::Int4(
            s(&a[0])?.chars().count() as i32
        ))),
        c!("octet_length", [T], I4, |_, a| Ok(Value::Int4(
            s(&a[0])?.len() as i32
        ))),
        c!("octet_length", [BP], I4, |_, a| Ok(Value::Int4(
            s(&a[0])?.len() as i32
        ))),
        c!("octet_length", [BY], I4, |_, a| Ok(Value::Int4(
            b(&a[0])?.len() as i32
        ))),
        c!("lower", [T], T, |_, a| Ok(Value::Text(
            s(&a[0])?.to_lowercase()
        ))),
        c!("upper", [T], T, |_, a| Ok(Value::Text(
            s(&a[0])?.to_uppercase()
        ))),
        c!("substr", [T, I4], T, |_, a| substr(
            s(&a[0])?,
            i(&a[1]),
            None
        )),
        c!("substr", [T, I4, I4], T, |_, a| substr(
            s(&a[0])?,
            i(&a[1]),
            Some(i(&a[2]))
        )),
        c!("substring", [T, I4], T, |_, a| substr(
            s(&a[0])?,
            i(&a[1]),
            None
        )),
        c!("substring", [T, I4, I4], T, |_, a| substr(
            s(&a[0])?,
            i(&a[1]),
            Some(i(&a[2]))
        )),
        c!("replace", [T, T, T], T, |_, a| {
            let (x, from, to) = (s(&a[0])?, s(&a[1])?, s(&a[2])?);
            Ok(Value::Text(if from.is_empty() {
                x.to_owned()
            } else {
                x.replace(from, to)
            }))
        }),
        c!("btrim", [T], T, |_, a| Ok(Value::Text(trim(
            s(&a[0])?,
            " ",
            true,
            true
        )))),
        c!("btrim", [T, T], T, |_, a| Ok(Value::Text(trim(
            s(&a[0])?,
            s(&a[1])?,
            true,
            true
        )))),
        c!("ltrim", [T], T, |_, a| Ok(Value::Text(trim(
            s(&a[0])?,
            " ",
            true,
            false
        )))),
        c!("ltrim", [T, T], T, |_, a| Ok(Value::Text(trim(
            s(&a[0])?,
            s(&a[1])?,
            true,
            false
        )))),
        c!("rtrim", [T], T, |_, a| Ok(Value::Text(trim(
            s(&a[0])?,
            " ",
            false,
            true
        )))),
        c!("rtrim", [T, T], T, |_, a| Ok(Value::Text(trim(
            s(&a[0])?,
            s(&a[1])?,
            false,
            true
        )))),
        c!("strpos", [T, T], I4, |_, a| Ok(Value::Int4(strpos(
            s(&a[0])?,
            s(&a[1])?
        )))),
        c!("position", [T, T], I4, |_, a| Ok(Value::Int4(strpos(
            s(&a[1])?,
            s(&a[0])?
        )))),
        c!("left", [T, I4], T, |_, a| Ok(Value::Text(left(
            s(&a[0])?,
            i(&a[1])
        )))),
        c!("right", [T, I4], T, |_, a| Ok(Value::Text(right(
            s(&a[0])?,
            i(&a[1])
        )))),
        c!("repeat", [T, I4], T, |_, a| repeat(s(&a[0])?, i(&a[1]))),
        c!("reverse", [T], T, |_, a| Ok(Value::Text(
            s(&a[0])?.chars().rev().collect()
        ))),
        c!("md5", [T], T, |_, a| Ok(Value::Text(md5_hex(
            s(&a[0])?.as_bytes()
        )))),
        c!("md5", [BY], T, |_, a| Ok(Value::Text(md5_hex(b(&a[0])?)))),
        c!("round", [F8], F8, |_, a| Ok(Value::Float8(
            f(&a[0]).round_ties_even()
        ))),
        c!("round", [N], N, |_, a| Ok(Value::Numeric(numeric_round(
            &num(&a[0])?,
            0
        )?))),
        c!("round", [N, I4], N, |_, a| Ok(Value::Numeric(
            numeric_round(&num(&a[0])?, i(&a[1]))?
        ))),
        c!("trunc", [F8], F8, |_, a| Ok(Value::Float8(
            f(&a[0]).trunc()
        ))),
        c!("trunc", [N], N, |_, a| Ok(Value::Numeric(numeric_trunc(
            &num(&a[0])?,
            0
        )?))),
        c!("trunc", [N, I4], N, |_, a| Ok(Value::Numeric(
            numeric_trunc(&num(&a[0])?, i(&a[1]))?
        ))),
        c!("ceil", [F8], F8, |_, a| Ok(Value::Float8(f(&a[0]).ceil()))),
        c!("ceil", [N], N, |_, a| Ok(Value::Numeric(numeric_ceil(
            &num(&a[0])?
        )?))),
        c!("ceiling", [F8], F8, |_, a| Ok(Value::Float8(
            f(&a[0]).ceil()
        ))),
        c!("ceiling", [N], N, |_, a| Ok(Value::Numeric(numeric_ceil(
            &num(&a[0])?
        )?))),
        c!("floor", [F8], F8, |_, a| Ok(Value::Float8(
            f(&a[0]).floor()
        ))),
        c!("floor", [N], N, |_, a| Ok(Value::Numeric(numeric_floor(
            &num(&a[0])?
        )?))),
        c!("mod", [I2, I2], I2, |_, a| int_mod(&a[0], &a[1], I2)),
        c!("mod", [I4, I4], I4, |_, a| int_mod(&a[0], &a[1], I4)),
        c!("mod", [I8, I8], I8, |_, a| int_mod(&a[0], &a[1], I8)),
        c!("mod", [N, N], N, |_, a| Ok(Value::Numeric(numeric_mod(
            &num(&a[0])?,
            &num(&a[1])?
        )?))),
        c!("power", [F8, F8], F8, |_, a| power_f64(f(&a[0]), f(&a[1]))),
        c!("power", [N, N], N, |_, a| Ok(Value::Numeric(
            numeric_power(&num(&a[0])?, &num(&a[1])?)?
        ))),
        c!("pow", [F8, F8], F8, |_, a| power_f64(f(&a[0]), f(&a[1]))),
        c!("pow", [N, N], N, |_, a| Ok(Value::Numeric(numeric_power(
            &num(&a[0])?,
            &num(&a[1])?
        )?))),
        c!("sqrt", [F8], F8, |_, a| sqrt_f64(f(&a[0]))),
        c!("sqrt", [N], N, |_, a| Ok(Value::Numeric(numeric_sqrt(
            &num(&a[0])?
        )?))),
        c!("pi", [], F8, |_, _| Ok(Value::Float8(std::f64::consts::PI))),
        c!("date_trunc", [T, TS], TS, |_, a| Ok(Value::Timestamp(
            timestamp_trunc(s(&a[0])?, ts(&a[1]), "timestamp without time zone")?
        ))),
        c!("date_trunc", [T, TZ], TZ, |_, a| Ok(Value::Timestamptz(
            timestamptz_trunc(s(&a[0])?, ts(&a[1]))?
        ))),
        // `ts AT TIME ZONE zone`: a timestamptz's wall clock in the zone,
        // a timestamp's instant as a wall clock of the zone.
        c!("timezone", [T, TZ], TS, |_, a| Ok(Value::Timestamp(
            at_zone(s(&a[0])?)?.to_local(ts(&a[1]))
        ))),
        c!("timezone", [T, TS], TZ, |_, a| Ok(Value::Timestamptz(
            at_zone(s(&a[0])?)?.from_local(ts(&a[1]))
        ))),
        c!("date_trunc", [T, IV], IV, |_, a| Ok(Value::Interval(
            interval_trunc(s(&a[0])?, iv(&a[1])?)?
        ))),
        c!("extract", [T, TS], N, |_, a| Ok(Value::Numeric(
            extract_timestamp(s(&a[0])?, ts(&a[1]), false)?
        ))),
        c!("extract", [T, TZ], N, |_, a| Ok(Value::Numeric(
            extract_timestamp(s(&a[0])?, ts(&a[1]), true)?
        ))),
        c!("extract", [T, D], N, |_, a| Ok(Value::Numeric(
            extract_date(s(&a[0])?, date(&a[1]))?
        ))),
        c!("extract", [T, IV], N, |_, a| Ok(Value::Numeric(
            extract_interval(s(&a[0])?, iv(&a[1])?)?
        ))),
        c!("date_part", [T, TS], F8, |_, a| Ok(Value::Float8(
            to_date_part(&extract_timestamp(s(&a[0])?, ts(&a[1]), false)?)
        ))),
        c!("date_part", [T, TZ], F8, |_, a| Ok(Value::Float8(
            to_date_part(&extract_timestamp(s(&a[0])?, ts(&a[1]), true)?)
        ))),
        c!("date_part", [T, IV], F8, |_, a| Ok(Value::Float8(
            to_date_part(&extract_interval(s(&a[0])?, iv(&a[1])?)?)
        ))),
        c!("extract", [T, TM], N, |_, a| Ok(Value::Numeric(
            extract_time(s(&a[0])?, time(&a[1])?)?
        ))),
        c!("date_part", [T, TM], F8, |_, a| Ok(Value::Float8(
            to_date_part(&extract_time(s(&a[0])?, time(&a[1])?)?)
        ))),
    ];
    v.extend(more_candidates());
    v.extend(json_candidates());
    v.extend(super::inet_ops::candidates());
    v.extend(super::bits_ops::candidates());
    v.extend(super::overlay::candidates());
    v.extend(super::timetz_funcs::candidates());
    v.extend(super::macaddr::candidates());
    v.extend(crate::syscat::functions::candidates());
    let stable = |name, ret, eval: ScalarFn| Candidate {
        name,
        params: &[],
        arity: Arity::Exact,
        ret: Ret::Fixed(ret),
        strict: false,
        volatility: Volatility::Stable,
        catalog: false,
        eval,
    };
    v.push(stable("version", T, |_, _| {
        Ok(Value::Text(format!(
            "PostgreSQL 15.0 (Rocksgres {}) on {}-linux, 64-bit",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::ARCH
        )))
    }));
    v.push(stable("current_database", T, |c, _| {
        Ok(Value::Text(c.database_name().to_string()))
    }));
    v.push(stable("current_catalog", T, |c, _| {
        Ok(Value::Text(c.database_name().to_string()))
    }));
    v.push(stable("pg_backend_pid", SqlType::Int4, |c, _| {
        Ok(Value::Int4(c.backend_pid()))
    }));
    for name in ["current_user", "session_user", "user", "current_role"] {
        v.push(stable(name, T, |c, _| {
            Ok(Value::Text(c.user_name().to_string()))
        }));
    }
    v.push(Candidate {
        name: "current_setting",
        params: &[T],
        arity: Arity::Exact,
        ret: Ret::Fixed(T),
        strict: true,
        volatility: Volatility::Stable,
        catalog: false,
        eval: |c, a| {
            Ok(c.current_setting(s(&a[0])?, false)?
                .map_or(Value::Null, Value::Text))
        },
    });
    v.push(Candidate {
        name: "current_setting",
        params: &[T, SqlType::Bool],
        arity: Arity::Exact,
        ret: Ret::Fixed(T),
        strict: true,
        volatility: Volatility::Stable,
        catalog: false,
        eval: |c, a| {
            let missing_ok = matches!(a[1], Value::Bool(true));
            Ok(c.current_setting(s(&a[0])?, missing_ok)?
                .map_or(Value::Null, Value::Text))
        },
    });
    v.push(Candidate {
        name: "set_config",
        params: &[T, T, SqlType::Bool],
        arity: Arity::Exact,
        ret: Ret::Fixed(T),
        // Not strict: a NULL value resets the setting, a NULL name fails.
        strict: false,
        volatility: Volatility::Volatile,
        catalog: false,
        eval: |c, a| {
            let name = a[0].as_str().unwrap_or("");
            let value = if a[1].is_null() {
                None
            } else {
                Some(s(&a[1])?)
            };
            let local = matches!(a[2], Value::Bool(true));
            Ok(Value::Text(c.set_config(name, value, local)?))
        },
    });
    v.push(stable("now", TZ, |c, _| {
        Ok(Value::Timestamptz(c.statement_ts_micros()))
    }));
    v.push(stable("current_timestamp", TZ, |c, _| {
        Ok(Value::Timestamptz(c.statement_ts_micros()))
    }));
    v.push(stable("transaction_timestamp", TZ, |c, _| {
        Ok(Value::Timestamptz(c.statement_ts_micros()))
    }));
    v.push(stable("statement_timestamp", TZ, |c, _| {
        Ok(Value::Timestamptz(c.statement_ts_micros()))
    }));
    v.push(stable("localtimestamp", TS, |c, _| {
        Ok(Value::Timestamp(c.statement_ts_micros()))
    }));
    v.push(stable("localtime", TM, |c, _| {
        Ok(Value::Time(split_timestamp(c.statement_ts_micros()).1))
    }));
    v.push(stable("current_date", D, |c, _| {
        Ok(Value::Date(timestamp_to_date(c.statement_ts_micros())?))
    }));
    let volatile = |name, ret, eval: ScalarFn| Candidate {
        name,
        params: &[],
        arity: Arity::Exact,
        ret: Ret::Fixed(ret),
        strict: false,
        volatility: Volatility::Volatile,
        catalog: false,
        eval,
    };
    v.push(volatile("random", F8, |c, _| Ok(Value::Float8(c.random()))));
    v.push(volatile("gen_random_uuid", SqlType::Uuid, |_, _| {
        Ok(Value::Text(crate::types::uuid::random_v4()?))
    }));
    v.push(volatile("clock_timestamp", TZ, |_, _| {
        Ok(Value::Timestamptz(clock_micros()))
    }));
    for name in ["greatest", "least"] {
        v.push(Candidate {
            name,
            params: &[ANY],
            arity: Arity::Variadic,
            ret: Ret::Common,
            strict: false,
            volatility: Volatility::Immutable,
            catalog: false,
            eval: if name == "greatest" { greatest } else { least },
        });
    }
    v.push(Candidate {
        name: "concat",
        params: &[ANY],
        arity: Arity::Variadic,
        ret: Ret::Fixed(T),
        strict: false,
        volatility: Volatility::Immutable,
        catalog: false,
        eval: |_, a| {
            let mut out = String::new();
            for v in a {
                v.write_text(&mut out);
            }
            Ok(Value::Text(out))
        },
    });
    v.push(Candidate {
        name: "concat_ws",
        params: &[T, ANY],
        arity: Arity::Variadic,
        ret: Ret::Fixed(T),
        strict: false,
        volatility: Volatility::Immutable,
        catalog: false,
        eval: |_, a| {
            let Some(Value::Text(sep)) = a.first() else {
                return Ok(Value::Null);
            };
            let mut out = String::new();
            let mut first = true;
            for v in &a[1..] {
                if v.is_null() {
                    continue;
                }
                if !first {
                    out.push_str(sep);
                }
                first = false;
                v.write_text(&mut out);
            }
            Ok(Value::Text(out))
        },
    });
    // The date/time functions PostgreSQL marks stable: those that read
    // the session's TimeZone (a timestamptz argument) or DateStyle.
    for c in &mut v {
        let reads_zone = c.params.contains(&TZ)
            || (c.name == "to_char" && matches!(c.params.first(), Some(&TS) | Some(&IV)))
            || (c.name == "age" && c.params == [TS]);
        // Template parsing reads the session's zone (and, in PostgreSQL,
        // its locale).
        if matches!(c.name, "to_date" | "to_timestamp") && c.params == [T, T] {
            c.volatility = Volatility::Stable;
        }
        if reads_zone
            && matches!(
                c.name,
                "age" | "date_part" | "extract" | "date_trunc" | "to_char" | "generate_series"
            )
            && c.volatility == Volatility::Immutable
        {
            c.volatility = Volatility::Stable;
        }
    }
    v
}

const BO: SqlType = SqlType::Bool;

/// Math, string, bytea and formatting functions added on top of the
/// first set.
fn more_candidates() -> Vec<Candidate> {
    vec![
        c!("sign", [F8], F8, |_, a| {
            let x = f(&a[0]);
            Ok(Value::Float8(if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            }))
        }),
        c!("sign", [N], N, |_, a| Ok(Value::Numeric(numeric_sign(
            &num(&a[0])?
        )))),
        c!("ln", [F8], F8, |_, a| log_f64(f(&a[0]), f64::ln)),
        c!("ln", [N], N, |_, a| Ok(Value::Numeric(numeric_ln(&num(
            &a[0]
        )?)?))),
        c!("log", [F8], F8, |_, a| log_f64(f(&a[0]), f64::log10)),
        c!("log", [N], N, |_, a| Ok(Value::Numeric(numeric_log(
            &Numeric::from(10i64),
            &num(&a[0])?
        )?))),
        c!("log10", [F8], F8, |_, a| log_f64(f(&a[0]), f64::log10)),
        c!("log10", [N], N, |_, a| Ok(Value::Numeric(numeric_log(
            &Numeric::from(10i64),
            &num(&a[0])?
        )?))),
        c!("log", [N, N], N, |_, a| Ok(Value::Numeric(numeric_log(
            &num(&a[0])?,
            &num(&a[1])?
        )?))),
        c!("exp", [F8], F8, |_, a| exp_f64(f(&a[0]))),
        c!("exp", [N], N, |_, a| Ok(Value::Numeric(numeric_exp(
            &num(&a[0])?
        )?))),
        c!("cbrt", [F8], F8, |_, a| Ok(Value::Float8(cbrt(f(&a[0]))))),
        c!("gcd", [I4, I4], I4, |_, a| int_gcd_lcm(
            &a[0], &a[1], I4, false
        )),
        c!("gcd", [I8, I8], I8, |_, a| int_gcd_lcm(
            &a[0], &a[1], I8, false
        )),
        c!("gcd", [N, N], N, |_, a| Ok(Value::Numeric(numeric_gcd(
            &num(&a[0])?,
            &num(&a[1])?
        )?))),
        c!("lcm", [I4, I4], I4, |_, a| int_gcd_lcm(
            &a[0], &a[1], I4, true
        )),
        c!("lcm", [I8, I8], I8, |_, a| int_gcd_lcm(
            &a[0], &a[1], I8, true
        )),
        c!("lcm", [N, N], N, |_, a| Ok(Value::Numeric(numeric_lcm(
            &num(&a[0])?,
            &num(&a[1])?
        )?))),
        c!("div", [N, N], N, |_, a| Ok(Value::Numeric(
            numeric_div_trunc(&num(&a[0])?, &num(&a[1])?)?
        ))),
        c!("initcap", [T], T, |_, a| Ok(Value::Text(initcap(
            s(&a[0])?
        )))),
        c!("lpad", [T, I4], T, |_, a| pad(
            s(&a[0])?,
            i(&a[1]),
            " ",
            true
        )),
        c!("lpad", [T, I4, T], T, |_, a| pad(
            s(&a[0])?,
            i(&a[1]),
            s(&a[2])?,
            true
        )),
        c!("rpad", [T, I4], T, |_, a| pad(
            s(&a[0])?,
            i(&a[1]),
            " ",
            false
        )),
        c!("rpad", [T, I4, T], T, |_, a| pad(
            s(&a[0])?,
            i(&a[1]),
            s(&a[2])?,
            false
        )),
        c!("split_part", [T, T, I4], T, |_, a| split_part(
            s(&a[0])?,
            s(&a[1])?,
            i(&a[2])
        )),
        c!("starts_with", [T, T], BO, |_, a| Ok(Value::Bool(
            s(&a[0])?.starts_with(s(&a[1])?)
        ))),
        c!("translate", [T, T, T], T, |_, a| Ok(Value::Text(
            translate(s(&a[0])?, s(&a[1])?, s(&a[2])?)
        ))),
        c!("ascii", [T], I4, |_, a| Ok(Value::Int4(
            s(&a[0])?.chars().next().map_or(0, |c| c as i32)
        ))),
        c!("chr", [I4], T, |_, a| chr(i(&a[0]))),
        c!("to_hex", [I4], T, |_, a| Ok(Value::Text(format!(
            "{:x}",
            i(&a[0]) as u32
        )))),
        c!("to_hex", [I8], T, |_, a| Ok(Value::Text(format!(
            "{:x}",
            a[0].as_i64().unwrap_or(0) as u64
        )))),
        c!("encode", [BY, T], T, |_, a| encode(b(&a[0])?, s(&a[1])?)),
        c!("decode", [T, T], BY, |_, a| decode(s(&a[0])?, s(&a[1])?)),
        c!("substr", [BY, I4], BY, |_, a| substr_bytes(
            b(&a[0])?,
            i(&a[1]),
            None
        )),
        c!("substr", [BY, I4, I4], BY, |_, a| substr_bytes(
            b(&a[0])?,
            i(&a[1]),
            Some(i(&a[2]))
        )),
        c!("substring", [BY, I4], BY, |_, a| substr_bytes(
            b(&a[0])?,
            i(&a[1]),
            None
        )),
        c!("substring", [BY, I4, I4], BY, |_, a| substr_bytes(
            b(&a[0])?,
            i(&a[1]),
            Some(i(&a[2]))
        )),
        c!("get_byte", [BY, I4], I4, |_, a| {
            let bytes = b(&a[0])?;
            let n = byte_index(bytes, i(&a[1]))?;
            Ok(Value::Int4(i32::from(bytes[n])))
        }),
        c!("set_byte", [BY, I4, I4], BY, |_, a| {
            let mut bytes = b(&a[0])?.to_vec();
            let n = byte_index(&bytes, i(&a[1]))?;
            bytes[n] = i(&a[2]) as u8;
            Ok(Value::Bytea(bytes))
        }),
        c!("to_char", [TS, T], T, |_, a| Ok(format_timestamp(
            ts(&a[0]),
            s(&a[1])?,
            false
        )
        .map_or(Value::Null, Value::Text))),
        c!("to_char", [TZ, T], T, |_, a| Ok(format_timestamp(
            ts(&a[0]),
            s(&a[1])?,
            true
        )
        .map_or(Value::Null, Value::Text))),
        c!("to_timestamp", [T, T], TZ, |_, a| Ok(Value::Timestamptz(
            super::datetime_template::to_timestamp(s(&a[0])?, s(&a[1])?)?
        ))),
        c!("to_timestamp", [F8], TZ, |_, a| Ok(Value::Timestamptz(
            super::datetime_template::to_timestamp_epoch(a[0].as_f64().unwrap_or(f64::NAN))?
        ))),
        c!("to_date", [T, T], D, |_, a| Ok(Value::Date(
            super::datetime_template::to_date(s(&a[0])?, s(&a[1])?)?
        ))),
    ]
}

fn json_candidates() -> Vec<Candidate> {
    use super::json_funcs as jf;
    const JB: SqlType = SqlType::Jsonb;
    const JS: SqlType = SqlType::Json;
    const TA: SqlType = SqlType::Array(&SqlType::Text);
    const JP: SqlType = SqlType::JsonPath;
    let mut v = vec![
        c!("jsonb_typeof", [JB], T, |_, a| jf::jsonb_typeof(a)),
        c!("json_typeof", [JS], T, |_, a| jf::json_typeof(a)),
        c!("jsonb_array_length", [JB], I4, |_, a| {
            jf::jsonb_array_length(a)
        }),
        c!("json_array_length", [JS], I4, |_, a| jf::json_array_length(
            a
        )),
        c!("jsonb_pretty", [JB], T, |_, a| jf::jsonb_pretty(a)),
        c!("jsonb_strip_nulls", [JB], JB, |_, a| jf::jsonb_strip_nulls(
            a
        )),
        c!("jsonb_set", [JB, TA, JB], JB, |_, a| jf::jsonb_set(a)),
        c!("jsonb_set", [JB, TA, JB, BO], JB, |_, a| jf::jsonb_set(a)),
        c!("jsonb_insert", [JB, TA, JB], JB, |_, a| jf::jsonb_insert(a)),
        c!("jsonb_insert", [JB, TA, JB, BO], JB, |_, a| {
            jf::jsonb_insert(a)
        }),
        c!("jsonb_path_exists", [JB, JP], BO, |_, a| {
            jf::jsonb_path_exists(a, false)
        }),
        c!("jsonb_path_exists", [JB, JP, JB], BO, |_, a| {
            jf::jsonb_path_exists(a, false)
        }),
        c!("jsonb_path_exists", [JB, JP, JB, BO], BO, |_, a| {
            jf::jsonb_path_exists(a, false)
        }),
        c!("jsonb_path_match", [JB, JP], BO, |_, a| {
            jf::jsonb_path_match(a, false)
        }),
        c!("jsonb_path_match", [JB, JP, JB], BO, |_, a| {
            jf::jsonb_path_match(a, false)
        }),
        c!("jsonb_path_match", [JB, JP, JB, BO], BO, |_, a| {
            jf::jsonb_path_match(a, false)
        }),
        c!("jsonb_path_query_array", [JB, JP], JB, |_, a| {
            jf::jsonb_path_query_array(a, false)
        }),
        c!("jsonb_path_query_array", [JB, JP, JB], JB, |_, a| {
            jf::jsonb_path_query_array(a, false)
        }),
        c!("jsonb_path_query_array", [JB, JP, JB, BO], JB, |_, a| {
            jf::jsonb_path_query_array(a, false)
        }),
        c!("jsonb_path_query_first", [JB, JP], JB, |_, a| {
            jf::jsonb_path_query_first(a, false)
        }),
        c!("jsonb_path_query_first", [JB, JP, JB], JB, |_, a| {
            jf::jsonb_path_query_first(a, false)
        }),
        c!("jsonb_path_query_first", [JB, JP, JB, BO], JB, |_, a| {
            jf::jsonb_path_query_first(a, false)
        }),
        c!("jsonb_path_exists_tz", [JB, JP], BO, |_, a| {
            jf::jsonb_path_exists(a, true)
        }),
        c!("jsonb_path_exists_tz", [JB, JP, JB], BO, |_, a| {
            jf::jsonb_path_exists(a, true)
        }),
        c!("jsonb_path_exists_tz", [JB, JP, JB, BO], BO, |_, a| {
            jf::jsonb_path_exists(a, true)
        }),
        c!("jsonb_path_match_tz", [JB, JP], BO, |_, a| {
            jf::jsonb_path_match(a, true)
        }),
        c!("jsonb_path_match_tz", [JB, JP, JB], BO, |_, a| {
            jf::jsonb_path_match(a, true)
        }),
        c!("jsonb_path_match_tz", [JB, JP, JB, BO], BO, |_, a| {
            jf::jsonb_path_match(a, true)
        }),
        c!("jsonb_path_query_array_tz", [JB, JP], JB, |_, a| {
            jf::jsonb_path_query_array(a, true)
        }),
        c!("jsonb_path_query_array_tz", [JB, JP, JB], JB, |_, a| {
            jf::jsonb_path_query_array(a, true)
        }),
        c!("jsonb_path_query_array_tz", [JB, JP, JB, BO], JB, |_, a| {
            jf::jsonb_path_query_array(a, true)
        }),
        c!("jsonb_path_query_first_tz", [JB, JP], JB, |_, a| {
            jf::jsonb_path_query_first(a, true)
        }),
        c!("jsonb_path_query_first_tz", [JB, JP, JB], JB, |_, a| {
            jf::jsonb_path_query_first(a, true)
        }),
        c!("jsonb_path_query_first_tz", [JB, JP, JB, BO], JB, |_, a| {
            jf::jsonb_path_query_first(a, true)
        }),
    ];
    // The `_tz` forms read the session's time zone.
    for c in &mut v {
        if c.name.ends_with("_tz") {
            c.volatility = Volatility::Stable;
        }
    }
    v
}

// ---- argument accessors (arguments arrive cast to the parameter types) ----

fn s(v: &Value) -> Result<&str> {
    v.as_str()
        .ok_or_else(|| EngineError::internal(format!("expected text argument, got {v:?}")))
}

fn b(v: &Value) -> Result<&[u8]> {
    v.as_bytes()
        .ok_or_else(|| EngineError::internal(format!("expected bytea argument, got {v:?}")))
}

fn i(v: &Value) -> i32 {
    v.as_i64().map_or(0, |x| {
        x.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
    })
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn num(v: &Value) -> Result<Numeric> {
    match v {
        Value::Numeric(n) => Ok(n.clone()),
        other => other.as_i64().map(Numeric::from).ok_or_else(|| {
            EngineError::internal(format!("expected numeric argument, got {other:?}"))
        }),
    }
}

/// The zone `AT TIME ZONE` / `timezone()` names (22023 when unknown).
fn at_zone(name: &str) -> Result<super::zone::Zone> {
    super::zone::Zone::for_at_time_zone(name).ok_or_else(|| {
        EngineError::new(
            SqlState::InvalidParameterValue,
            format!("time zone \"{name}\" not recognized"),
        )
    })
}

fn ts(v: &Value) -> i64 {
    match v {
        Value::Timestamp(t) | Value::Timestamptz(t) => *t,
        Value::Date(d) => super::datetime::date_to_timestamp(*d).unwrap_or(i64::MAX),
        _ => 0,
    }
}

fn date(v: &Value) -> i32 {
    match v {
        Value::Date(d) => *d,
        _ => 0,
    }
}

fn time(v: &Value) -> Result<i64> {
    match v {
        Value::Time(t) => Ok(*t),
        _ => Err(EngineError::internal(format!(
            "expected time argument, got {v:?}"
        ))),
    }
}

fn iv(v: &Value) -> Result<&super::interval::Interval> {
    v.as_interval()
        .ok_or_else(|| EngineError::internal(format!("expected interval argument, got {v:?}")))
}

// ---- evaluators ----

fn int_result(v: i64, ty: SqlType) -> Result<Value> {
    Ok(match ty {
        SqlType::Int2 => Value::Int2(i16::try_from(v).map_err(|_| int_out_of_range(&ty))?),
        SqlType::Int4 => Value::Int4(i32::try_from(v).map_err(|_| int_out_of_range(&ty))?),
        _ => Value::Int8(v),
    })
}

fn int_unary(v: &Value, op: fn(i64) -> Option<i64>, ty: SqlType) -> Result<Value> {
    let x = v.as_i64().unwrap_or(0);
    int_result(op(x).ok_or_else(|| int_out_of_range(&ty))?, ty)
}

fn int_mod(a: &Value, b: &Value, ty: SqlType) -> Result<Value> {
    let (x, y) = (a.as_i64().unwrap_or(0), b.as_i64().unwrap_or(0));
    if y == 0 {
        return Err(EngineError::new(
            SqlState::DivisionByZero,
            "division by zero",
        ));
    }
    int_result(if y == -1 { 0 } else { x % y }, ty)
}

fn substr(text: &str, start: i32, len: Option<i32>) -> Result<Value> {
    let start = i64::from(start);
    let end = match len {
        Some(l) if l < 0 => {
            return Err(EngineError::new(
                SqlState::SubstringError,
                "negative substring length not allowed",
            ))
        }
        Some(l) => start + i64::from(l),
        None => i64::MAX,
    };
    let from = start.max(1);
    if end <= from {
        return Ok(Value::Text(String::new()));
    }
    Ok(Value::Text(
        text.chars()
            .skip((from - 1) as usize)
            .take((end - from).min(i64::from(i32::MAX)) as usize)
            .collect(),
    ))
}

/// `substr(bytea, from[, count])`, with `substr`'s rules on bytes.
fn substr_bytes(bytes: &[u8], start: i32, len: Option<i32>) -> Result<Value> {
    let start = i64::from(start);
    let end = match len {
        Some(l) if l < 0 => {
            return Err(EngineError::new(
                SqlState::SubstringError,
                "negative substring length not allowed",
            ))
        }
        Some(l) => start + i64::from(l),
        None => i64::MAX,
    };
    let from = start.max(1);
    if end <= from || from as usize > bytes.len() {
        return Ok(Value::Bytea(Vec::new()));
    }
    let to = (end - 1).min(bytes.len() as i64) as usize;
    Ok(Value::Bytea(bytes[(from - 1) as usize..to].to_vec()))
}

fn trim(text: &str, set: &str, leading: bool, trailing: bool) -> String {
    let in_set = |c: char| set.contains(c);
    let mut t = text;
    if leading {
        t = t.trim_start_matches(in_set);
    }
    if trailing {
        t = t.trim_end_matches(in_set);
    }
    t.to_owned()
}

fn strpos(haystack: &str, needle: &str) -> i32 {
    match haystack.find(needle) {
        Some(byte) => haystack[..byte].chars().count() as i32 + 1,
        None => 0,
    }
}

fn left(text: &str, n: i32) -> String {
    if n >= 0 {
        text.chars().take(n as usize).collect()
    } else {
        let len = text.chars().count();
        text.chars()
            .take(len.saturating_sub(n.unsigned_abs() as usize))
            .collect()
    }
}

fn right(text: &str, n: i32) -> String {
    let len = text.chars().count();
    if n >= 0 {
        text.chars().skip(len.saturating_sub(n as usize)).collect()
    } else {
        text.chars().skip(n.unsigned_abs() as usize).collect()
    }
}

fn repeat(text: &str, n: i32) -> Result<Value> {
    if n <= 0 {
        return Ok(Value::Text(String::new()));
    }
    let total = text.len().checked_mul(n as usize);
    if total.is_none_or(|t| t > (1 << 30) - 1) {
        return Err(EngineError::new(
            SqlState::InvalidParameterValue,
            "requested length too large",
        ));
    }
    Ok(Value::Text(text.repeat(n as usize)))
}

/// `float8 ^ float8` / `power(float8, float8)` with PostgreSQL's errors.
pub(crate) fn power_f64(x: f64, y: f64) -> Result<Value> {
    let invalid =
        |msg: &str| EngineError::new(SqlState::InvalidArgumentForPowerFunction, msg.to_owned());
    if x == 0.0 && y < 0.0 {
        return Err(invalid("zero raised to a negative power is undefined"));
    }
    if x < 0.0 && y.is_finite() && y.fract() != 0.0 {
        return Err(invalid(
            "a negative number raised to a non-integer power yields a complex result",
        ));
    }
    let r = x.powf(y);
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        return Err(float_overflow());
    }
    if r == 0.0 && x != 0.0 && x.is_finite() && y.is_finite() {
        return Err(super::float::float_underflow());
    }
    Ok(Value::Float8(r))
}

fn log_f64(x: f64, op: fn(f64) -> f64) -> Result<Value> {
    if x == 0.0 {
        return Err(EngineError::new(
            SqlState::InvalidArgumentForLogarithm,
            "cannot take logarithm of zero",
        ));
    }
    if x < 0.0 {
        return Err(EngineError::new(
            SqlState::InvalidArgumentForLogarithm,
            "cannot take logarithm of a negative number",
        ));
    }
    let r = op(x);
    if r.is_infinite() && !x.is_infinite() {
        return Err(float_overflow());
    }
    if r == 0.0 && x != 1.0 {
        return Err(super::float::float_underflow());
    }
    Ok(Value::Float8(r))
}

/// glibc's `cbrt` (`sysdeps/ieee754/dbl-64/s_cbrt.c`), which PostgreSQL
/// calls: not correctly rounded (`cbrt(27)` is `3.0000000000000004`), so
/// Rust's own `cbrt` would print differently.
#[allow(clippy::excessive_precision)] // glibc's literals, rounded as C does
fn cbrt(x: f64) -> f64 {
    const CBRT2: f64 = 1.259_921_049_894_873_164_8;
    const SQR_CBRT2: f64 = 1.587_401_051_968_199_474_8;
    const FACTOR: [f64; 5] = [1.0 / SQR_CBRT2, 1.0 / CBRT2, 1.0, CBRT2, SQR_CBRT2];
    if !x.is_finite() || x == 0.0 {
        return x + x;
    }
    // frexp(|x|): xm in [0.5, 1), |x| = xm * 2^xe.
    let (xm, xe) = {
        let a = x.abs();
        let (a, bias) = if a < f64::MIN_POSITIVE {
            (a * 2f64.powi(54), -54)
        } else {
            (a, 0)
        };
        let bits = a.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i32 - 1022;
        let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
        (m, exp + bias)
    };
    let u = 0.354_895_765_043_919_86
        + ((1.508_191_937_815_848_96
            + ((-2.114_994_941_673_712_87
                + ((2.446_931_225_635_344_3
                    + ((-1.834_692_774_836_130_86
                        + (0.784_932_344_976_639_262 - 0.145_263_899_385_486_377 * xm) * xm)
                        * xm))
                    * xm))
                * xm))
            * xm);
    let t2 = u * u * u;
    let ym = u * (t2 + 2.0 * xm) / (2.0 * t2 + xm) * FACTOR[(2 + xe % 3) as usize];
    let ym = if x > 0.0 { ym } else { -ym };
    ym * 2f64.powi(xe / 3)
}

fn exp_f64(x: f64) -> Result<Value> {
    if x.is_nan() {
        return Ok(Value::Float8(x));
    }
    if x.is_infinite() {
        return Ok(Value::Float8(if x > 0.0 { x } else { 0.0 }));
    }
    let r = x.exp();
    if r.is_infinite() {
        return Err(float_overflow());
    }
    if r == 0.0 {
        return Err(super::float::float_underflow());
    }
    Ok(Value::Float8(r))
}

fn int_gcd_lcm(a: &Value, b: &Value, ty: SqlType, lcm: bool) -> Result<Value> {
    let (x, y) = (
        i128::from(a.as_i64().unwrap_or(0)),
        i128::from(b.as_i64().unwrap_or(0)),
    );
    let max = if ty == I4 {
        i128::from(i32::MAX)
    } else {
        i128::from(i64::MAX)
    };
    let (mut p, mut q) = (x.abs(), y.abs());
    while q != 0 {
        let r = p % q;
        p = q;
        q = r;
    }
    if p > max {
        return Err(int_out_of_range(&ty));
    }
    let v = if lcm {
        if x == 0 || y == 0 {
            0
        } else {
            (x / p * y).abs()
        }
    } else {
        p
    };
    if v > max {
        return Err(int_out_of_range(&ty));
    }
    int_result(v as i64, ty)
}

fn initcap(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_word = false;
    for c in text.chars() {
        if in_word {
            out.extend(c.to_lowercase());
        } else {
            out.extend(c.to_uppercase());
        }
        in_word = c.is_alphanumeric();
    }
    out
}

fn pad(text: &str, len: i32, fill: &str, left: bool) -> Result<Value> {
    let len = len.max(0) as usize;
    if len > 536_870_911 {
        return Err(EngineError::new(
            SqlState::InvalidParameterValue,
            "requested length too large",
        ));
    }
    let chars: Vec<char> = text.chars().collect();
    if chars.len() >= len || fill.is_empty() {
        return Ok(Value::Text(chars.iter().take(len).collect()));
    }
    let padding: String = fill.chars().cycle().take(len - chars.len()).collect();
    Ok(Value::Text(if left {
        padding + text
    } else {
        text.to_owned() + &padding
    }))
}

fn split_part(text: &str, delim: &str, n: i32) -> Result<Value> {
    if n == 0 {
        return Err(EngineError::new(
            SqlState::InvalidParameterValue,
            "field position must not be zero",
        ));
    }
    if text.is_empty() {
        return Ok(Value::Text(String::new()));
    }
    let parts: Vec<&str> = if delim.is_empty() {
        vec![text]
    } else {
        text.split(delim).collect()
    };
    let idx = if n > 0 {
        n as i64 - 1
    } else {
        parts.len() as i64 + i64::from(n)
    };
    Ok(Value::Text(
        usize::try_from(idx)
            .ok()
            .and_then(|i| parts.get(i))
            .map_or_else(String::new, |p| (*p).to_owned()),
    ))
}

fn translate(text: &str, from: &str, to: &str) -> String {
    let from: Vec<char> = from.chars().collect();
    let to: Vec<char> = to.chars().collect();
    text.chars()
        .filter_map(|c| match from.iter().position(|&x| x == c) {
            Some(p) => to.get(p).copied(),
            None => Some(c),
        })
        .collect()
}

fn chr(code: i32) -> Result<Value> {
    let limit = |msg: String| EngineError::new(SqlState::ProgramLimitExceeded, msg);
    if code < 0 {
        return Err(EngineError::new(
            SqlState::InvalidParameterValue,
            "character number must be positive",
        ));
    }
    if code == 0 {
        return Err(limit("null character not permitted".into()));
    }
    if code > 0x10FFFF {
        return Err(limit(format!(
            "requested character too large for encoding: {code}"
        )));
    }
    match char::from_u32(code as u32) {
        Some(c) => Ok(Value::Text(c.to_string())),
        None => Err(limit(format!(
            "requested character not valid for encoding: {code}"
        ))),
    }
}

fn byte_index(bytes: &[u8], n: i32) -> Result<usize> {
    if n < 0 || n as usize >= bytes.len() {
        return Err(EngineError::new(
            SqlState::ArraySubscriptError,
            format!(
                "index {n} out of valid range, 0..{}",
                bytes.len() as i64 - 1
            ),
        ));
    }
    Ok(n as usize)
}

fn unrecognized_encoding(name: &str) -> EngineError {
    EngineError::new(
        SqlState::InvalidParameterValue,
        format!("unrecognized encoding: \"{name}\""),
    )
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn encode(bytes: &[u8], format: &str) -> Result<Value> {
    let mut out = String::new();
    match format.to_ascii_lowercase().as_str() {
        "hex" => {
            for byte in bytes {
                out.push_str(&format!("{byte:02x}"));
            }
        }
        "base64" => {
            let mut line = 0;
            for chunk in bytes.chunks(3) {
                let v = (u32::from(chunk[0]) << 16)
                    | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
                    | u32::from(*chunk.get(2).unwrap_or(&0));
                for k in 0..4 {
                    if k <= chunk.len() {
                        out.push(char::from(BASE64[((v >> (18 - 6 * k)) & 63) as usize]));
                    } else {
                        out.push('=');
                    }
                }
                line += 4;
                if line >= 76 {
                    out.push('\n');
                    line = 0;
                }
            }
        }
        "escape" => {
            for &byte in bytes {
                if byte == b'\\' {
                    out.push_str("\\\\");
                } else if byte == 0 || byte >= 0x80 {
                    out.push_str(&format!("\\{byte:03o}"));
                } else {
                    out.push(char::from(byte));
                }
            }
        }
        _ => return Err(unrecognized_encoding(format)),
    }
    Ok(Value::Text(out))
}

fn decode(text: &str, format: &str) -> Result<Value> {
    let invalid = |msg: String| EngineError::new(SqlState::InvalidParameterValue, msg);
    let src = text.as_bytes();
    let mut out = Vec::new();
    match format.to_ascii_lowercase().as_str() {
        "hex" => {
            let hex = |c: u8| -> Result<u8> {
                (c as char).to_digit(16).map(|d| d as u8).ok_or_else(|| {
                    let ch = text[text.as_bytes().iter().position(|&x| x == c).unwrap_or(0)..]
                        .chars()
                        .next()
                        .unwrap_or(' ');
                    invalid(format!("invalid hexadecimal digit: \"{ch}\""))
                })
            };
            let mut k = 0;
            while k < src.len() {
                let c = src[k];
                if matches!(c, b' ' | b'\n' | b'\t' | b'\r') {
                    k += 1;
                    continue;
                }
                let hi = hex(c)?;
                if k + 1 >= src.len() {
                    return Err(invalid(
                        "invalid hexadecimal data: odd number of digits".into(),
                    ));
                }
                let lo = hex(src[k + 1])?;
                out.push((hi << 4) | lo);
                k += 2;
            }
        }
        "base64" => {
            let end_error = || {
                invalid("invalid base64 end sequence".into()).with_hint(
                    "Input data is missing padding, is truncated, or is otherwise corrupted.",
                )
            };
            let mut buf: u32 = 0;
            let mut pos = 0;
            let mut end = 0;
            for (idx, &c) in src.iter().enumerate() {
                if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                    continue;
                }
                let val: u32;
                if c == b'=' {
                    // PostgreSQL: padding only after two or three symbols.
                    if end == 0 {
                        if pos == 2 {
                            end = 1;
                        } else if pos == 3 {
                            end = 2;
                        } else {
                            return Err(invalid(
                                "unexpected \"=\" while decoding base64 sequence".into(),
                            ));
                        }
                    }
                    val = 0;
                } else {
                    val = match BASE64.iter().position(|&x| x == c) {
                        Some(p) => p as u32,
                        None => {
                            let ch = text[idx..].chars().next().unwrap_or(' ');
                            return Err(invalid(format!(
                                "invalid symbol \"{ch}\" found while decoding base64 sequence"
                            )));
                        }
                    };
                }
                buf = (buf << 6) | val;
                pos += 1;
                if pos == 4 {
                    out.push((buf >> 16) as u8);
                    if end == 0 || end > 1 {
                        out.push((buf >> 8) as u8);
                    }
                    if end == 0 || end > 2 {
                        out.push(buf as u8);
                    }
                    buf = 0;
                    pos = 0;
                }
            }
            if pos != 0 {
                return Err(end_error());
            }
        }
        "escape" => {
            let syntax = || {
                EngineError::new(
                    SqlState::InvalidTextRepresentation,
                    "invalid input syntax for type bytea",
                )
            };
            let mut k = 0;
            while k < src.len() {
                if src[k] != b'\\' {
                    out.push(src[k]);
                    k += 1;
                } else if k + 3 < src.len()
                    && (b'0'..=b'3').contains(&src[k + 1])
                    && (b'0'..=b'7').contains(&src[k + 2])
                    && (b'0'..=b'7').contains(&src[k + 3])
                {
                    out.push(
                        ((src[k + 1] - b'0') << 6)
                            | ((src[k + 2] - b'0') << 3)
                            | (src[k + 3] - b'0'),
                    );
                    k += 4;
                } else if k + 1 < src.len() && src[k + 1] == b'\\' {
                    out.push(b'\\');
                    k += 2;
                } else {
                    return Err(syntax());
                }
            }
        }
        _ => return Err(unrecognized_encoding(format)),
    }
    Ok(Value::Bytea(out))
}

fn sqrt_f64(x: f64) -> Result<Value> {
    if x < 0.0 {
        return Err(EngineError::new(
            SqlState::InvalidArgumentForPowerFunction,
            "cannot take square root of a negative number",
        ));
    }
    Ok(Value::Float8(x.sqrt()))
}

fn extreme(args: &[Value], want: std::cmp::Ordering) -> Result<Value> {
    let mut best: Option<&Value> = None;
    for v in args.iter().filter(|v| !v.is_null()) {
        best = match best {
            None => Some(v),
            Some(cur) => {
                if try_compare(v, cur)? == Some(want) {
                    Some(v)
                } else {
                    Some(cur)
                }
            }
        };
    }
    Ok(best.cloned().unwrap_or(Value::Null))
}

fn greatest(_: &dyn FunctionEnv, args: &[Value]) -> Result<Value> {
    extreme(args, std::cmp::Ordering::Greater)
}

fn least(_: &dyn FunctionEnv, args: &[Value]) -> Result<Value> {
    extreme(args, std::cmp::Ordering::Less)
}

// ---- resolution ----

/// 42883 for a call of `name` with arguments of types `args` that no
/// function takes.
pub fn undefined_function(name: &str, args: &[SqlType]) -> EngineError {
    let list: Vec<String> = args.iter().map(SqlType::display_name).collect();
    EngineError::new(
        SqlState::UndefinedFunction,
        format!("function {name}({}) does not exist", list.join(", ")),
    )
    .with_hint(
        "No function matches the given name and argument types. You might need to add explicit type casts.",
    )
}

fn is_preferred(t: &SqlType) -> bool {
    matches!(
        t,
        SqlType::Float8
            | SqlType::Text
            | SqlType::Timestamptz(_)
            | SqlType::Interval(_)
            | SqlType::Bool
    )
}

/// Whether every function of this name is known (for "does not exist"
/// versus a planner-handled name).
pub fn is_builtin_function(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    candidates().iter().any(|c| c.name == lower)
}

/// Resolves `name(arg_types...)` to a built-in function.
pub fn resolve_function(name: &str, arg_types: &[SqlType]) -> Result<ScalarFunction> {
    let lower = name.to_ascii_lowercase();
    if let Some(f) = super::json_funcs::resolve(&lower, arg_types) {
        return f;
    }
    if let Some(f) = super::enum_funcs::resolve(&lower, arg_types) {
        return f;
    }
    if let Some(f) = super::array_functions::resolve(&lower, arg_types)? {
        return Ok(f);
    }
    let all = candidates();
    let mut viable: Vec<(&Candidate, Vec<SqlType>)> = Vec::new();
    for cand in all.iter().filter(|c| c.name == lower) {
        let params: Vec<SqlType> = match cand.arity {
            Arity::Exact if cand.params.len() == arg_types.len() => cand.params.to_vec(),
            Arity::Variadic if arg_types.len() >= cand.params.len() => {
                let fixed = cand.params.len() - 1;
                let last = cand.params[fixed];
                let mut p = cand.params[..fixed].to_vec();
                p.extend(std::iter::repeat_n(last, arg_types.len() - fixed));
                p
            }
            _ => continue,
        };
        // ANY parameters keep the argument's type (unknown becomes text).
        let params: Vec<SqlType> = params
            .iter()
            .zip(arg_types)
            .map(|(p, a)| {
                if *p == ANY {
                    if *a == SqlType::Unknown {
                        SqlType::Text
                    } else {
                        *a
                    }
                } else {
                    *p
                }
            })
            .collect();
        if params
            .iter()
            .zip(arg_types)
            .all(|(p, a)| can_cast(a, p, CastKind::Implicit))
        {
            viable.push((cand, params));
        }
    }
    if viable.is_empty() {
        return Err(undefined_function(&lower, arg_types));
    }
    if viable.len() > 1 {
        let exact = |params: &[SqlType]| {
            params
                .iter()
                .zip(arg_types)
                .filter(|(p, a)| p.same_base(a))
                .count()
        };
        let best = viable.iter().map(|(_, p)| exact(p)).max().unwrap_or(0);
        viable.retain(|(_, p)| exact(p) == best);
    }
    if viable.len() > 1 {
        let preferred = |params: &[SqlType]| {
            params
                .iter()
                .zip(arg_types)
                .filter(|(p, a)| !p.same_base(a) && is_preferred(p))
                .count()
        };
        let best = viable.iter().map(|(_, p)| preferred(p)).max().unwrap_or(0);
        viable.retain(|(_, p)| preferred(p) == best);
    }
    if viable.len() > 1 {
        // Unknown arguments prefer string parameters.
        let stringy = |params: &[SqlType]| {
            params
                .iter()
                .zip(arg_types)
                .filter(|(p, a)| **a == SqlType::Unknown && p.category() == TypeCategory::String)
                .count()
        };
        let best = viable.iter().map(|(_, p)| stringy(p)).max().unwrap_or(0);
        viable.retain(|(_, p)| stringy(p) == best);
    }
    if viable.len() > 1 {
        let list: Vec<String> = arg_types.iter().map(SqlType::display_name).collect();
        return Err(EngineError::new(
            SqlState::AmbiguousFunction,
            format!("function {lower}({}) is not unique", list.join(", ")),
        )
        .with_hint(
            "Could not choose a best candidate function. You might need to add explicit type casts.",
        ));
    }
    let (cand, mut params) = viable.remove(0);
    let return_type = match cand.ret {
        Ret::Fixed(t) => t,
        Ret::Common => {
            let mut common = SqlType::Unknown;
            for a in arg_types {
                common = implicit_common_type(&common, a).ok_or_else(|| {
                    EngineError::new(
                        SqlState::DatatypeMismatch,
                        format!(
                            "{} types {} and {} cannot be matched",
                            lower.to_uppercase(),
                            common.display_name(),
                            a.display_name()
                        ),
                    )
                })?;
            }
            if common == SqlType::Unknown {
                common = SqlType::Text;
            }
            params = vec![common; arg_types.len()];
            common
        }
    };
    Ok(ScalarFunction {
        name: cand.name,
        arg_types: params,
        return_type,
        strict: cand.strict,
        volatility: cand.volatility,
        catalog: cand.catalog,
        eval: cand.eval,
        typed: None,
    })
}

/// Seconds of a timestamp since the Unix epoch (for callers formatting
/// `extract(epoch ...)` themselves).
pub fn unix_epoch_seconds(t: i64) -> f64 {
    let (days, time) = split_timestamp(t);
    ((days - UNIX_EPOCH_DAYS) * 86_400) as f64 + time as f64 / USECS_PER_SEC as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[(Value, SqlType)]) -> Result<(SqlType, Value)> {
        let types: Vec<SqlType> = args.iter().map(|(_, t)| *t).collect();
        let func = resolve_function(name, &types)?;
        let mut vals = Vec::new();
        for ((v, t), p) in args.iter().zip(&func.arg_types) {
            vals.push(super::super::cast::cast_from(
                v.clone(),
                t,
                p,
                CastKind::Implicit,
            )?);
        }
        let ctx = EvalContext::new(0);
        Ok((func.return_type, func.invoke(&ctx, &vals)?))
    }

    #[test]
    fn resolution_prefers_like_postgres() {
        // psql: select pg_typeof(round(5)), pg_typeof(abs(5::int2)), pg_typeof(sqrt(4)),
        //   pg_typeof(mod(5, 2.5)), pg_typeof(date_trunc('day', date '2020-01-01'))
        let t = |name: &str, args: &[SqlType]| resolve_function(name, args).unwrap().return_type;
        assert_eq!(t("round", &[I4]), F8);
        assert_eq!(t("abs", &[I2]), I2);
        assert_eq!(t("sqrt", &[I4]), F8);
        assert_eq!(t("mod", &[I4, N]), N);
        assert_eq!(t("date_trunc", &[ANY, D]), TZ);
        assert_eq!(t("abs", &[ANY]), F8);
        assert_eq!(t("length", &[ANY]), I4);
        assert_eq!(t("greatest", &[I4, N]), N);
        let e = resolve_function("length", &[I4]).unwrap_err();
        assert_eq!(e.message, "function length(integer) does not exist");
        let e = resolve_function("foo", &[I4]).unwrap_err();
        assert_eq!(e.message, "function foo(integer) does not exist");
    }

    #[test]
    fn string_functions() {
        let text = |s: &str| (Value::Text(s.into()), T);
        let int = |i: i32| (Value::Int4(i), I4);
        assert_eq!(
            call("left", &[text("abcde"), int(-2)]).unwrap().1,
            Value::Text("abc".into())
        );
        assert_eq!(
            call("right", &[text("abcde"), int(-2)]).unwrap().1,
            Value::Text("cde".into())
        );
        assert_eq!(
            call("substr", &[text("abcdef"), int(0), int(3)]).unwrap().1,
            Value::Text("ab".into())
        );
        assert_eq!(
            call("substr", &[text("abcdef"), int(-1)]).unwrap().1,
            Value::Text("abcdef".into())
        );
        assert!(call("substr", &[text("abc"), int(1), int(-1)]).is_err());
        assert_eq!(
            call("strpos", &[text("hello"), text("ll")]).unwrap().1,
            Value::Int4(3)
        );
        assert_eq!(
            call("md5", &[text("abc")]).unwrap().1,
            Value::Text("900150983cd24fb0d6963f7d28e17f72".into())
        );
        assert_eq!(
            call(
                "length",
                &[(Value::Text("ab  ".into()), SqlType::Char(Some(4)))]
            )
            .unwrap()
            .1,
            Value::Int4(2)
        );
        assert_eq!(
            call(
                "octet_length",
                &[(Value::Text("ab  ".into()), SqlType::Char(Some(4)))]
            )
            .unwrap()
            .1,
            Value::Int4(4)
        );
        assert_eq!(
            call(
                "concat",
                &[
                    text("a"),
                    (Value::Null, T),
                    (Value::Bool(true), SqlType::Bool),
                    int(1)
                ]
            )
            .unwrap()
            .1,
            Value::Text("at1".into())
        );
        assert_eq!(
            call("greatest", &[int(1), (Value::Null, I4), int(3)])
                .unwrap()
                .1,
            Value::Int4(3)
        );
    }

    #[test]
    fn now_uses_context() {
        let f = resolve_function("now", &[]).unwrap();
        let ctx = EvalContext::new(42);
        assert_eq!(f.invoke(&ctx, &[]).unwrap(), Value::Timestamptz(42));
        let r = resolve_function("random", &[]).unwrap();
        for _ in 0..100 {
            let v = r.invoke(&ctx, &[]).unwrap().as_f64().unwrap();
            assert!((0.0..1.0).contains(&v));
        }
    }
}
