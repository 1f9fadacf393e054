//! [`SqlType`]: the SQL types the engine knows, with their PostgreSQL
//! identities (type OID, `atttypmod`, `typlen`, `format_type` name).
//!
//! A `SqlType` is what the binder and planner reason about; it carries the
//! type modifier (`varchar(10)`, `numeric(10,2)`), which the storage layer
//! does not need: [`SqlType::storage_type`] maps it to the codec's
//! [`DataType`] used for key and row encoding. `varchar`, `char(n)` and
//! `text` all store as text; `timestamptz` stores as a timestamp (both are
//! microseconds since 2000-01-01, the former in UTC); `time` stores as an
//! `int8` of microseconds since midnight (0 to 24:00:00, whose int8 key
//! encoding keeps the time order); `interval` stores as a
//! 16-byte `bytea` (see [`crate::types::Interval::to_bytes`]), which keeps
//! rows exact but does not give a meaningful key order (interval keys sort
//! by their bytes, which is enough for equality lookups only).
//!
//! [`SqlType::from_ast`] accepts the PostgreSQL spellings that `sqlparser`
//! produces; unknown names are `42704 type "foo" does not exist`.

use std::fmt;

use rocksgres_codec::DataType;
use sqlparser::ast::{
    self as ast, CharacterLength, DataType as AstType, ExactNumberInfo, ObjectName, TimezoneInfo,
};

use super::composite::CompositeDef;
use super::enum_type::EnumDef;
use super::interval_typmod::IntervalTypmod;
use crate::error::{EngineError, Result, SqlState};

/// Largest precision of `numeric(p,s)` (PostgreSQL's `NUMERIC_MAX_PRECISION`).
pub const NUMERIC_MAX_PRECISION: u16 = 1000;

/// Largest length of `varchar(n)` / `char(n)` (PostgreSQL's `MaxAttrSize`
/// = 10 MB).
pub const MAX_CHAR_LENGTH: u32 = 10_485_760;

/// A SQL type as the planner sees it, type modifier included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SqlType {
    /// `boolean`.
    Bool,
    /// `smallint`.
    Int2,
    /// `integer`.
    Int4,
    /// `bigint`.
    Int8,
    /// `real`.
    Float4,
    /// `double precision`.
    Float8,
    /// `numeric[(precision[, scale])]`; `scale` is only set with `precision`.
    Numeric {
        /// Total significant digits allowed, 1..=1000.
        precision: Option<u16>,
        /// Digits after the decimal point, 0..=precision.
        scale: Option<u16>,
    },
    /// `text`.
    Text,
    /// `character varying[(n)]`.
    Varchar(Option<u32>),
    /// `character[(n)]` (`bpchar`), blank-padded; `None` is the unbounded
    /// `bpchar`.
    Char(Option<u32>),
    /// `bytea`.
    Bytea,
    /// `date`.
    Date,
    /// `time[(p)] without time zone`: `p` digits of fractional seconds
    /// kept on assignment (`None`: all six).
    Time(Option<u8>),
    /// `timestamp[(p)] without time zone`: `p` digits of fractional
    /// seconds kept on assignment (`None`: all six).
    Timestamp(Option<u8>),
    /// `timestamp[(p)] with time zone`.
    Timestamptz(Option<u8>),
    /// `interval[ fields][(p)]`: the field restriction and precision
    /// applied on assignment (`None`: neither).
    Interval(Option<IntervalTypmod>),
    /// An untyped literal or parameter, before resolution.
    Unknown,
    /// `name`: a catalog identifier (kept as text, at most 63 bytes).
    Name,
    /// `"char"`: PostgreSQL's one-byte internal character type
    /// (`relkind`, `contype`), kept as a text of at most one character.
    QChar,
    /// `uuid`, carried as its canonical text (see [`super::uuid`]).
    Uuid,
    /// `json`, carried as its validated input text (see [`super::json`]).
    Json,
    /// `jsonb`, carried as its canonical output text (see [`super::json`]).
    Jsonb,
    /// `jsonpath`: a SQL/JSON path, stored as its normalized text
    /// (see [`crate::types::json_path`]).
    JsonPath,
    /// `oid`: an object identifier (an unsigned 32-bit number, carried as
    /// an `int8` value).
    Oid,
    /// An object-identifier alias type (`regclass`, `regtype`, ...). Its
    /// values are carried as the object's name (what the type's output
    /// function prints); casts to and from `oid` look the name up in the
    /// catalog (see `crate::syscat`).
    Reg(RegKind),
    /// A one-dimensional array of the element type, carried in
    /// PostgreSQL's canonical text form (`{a,b,"c d"}`); see
    /// [`crate::types::array`].
    Array(&'static SqlType),
    /// `int2vector` (element `smallint`) or `oidvector` (element `oid`):
    /// the system catalogs' zero-based vectors, carried in their output
    /// form (`1 2`). They cast implicitly to the array of their element
    /// (lower bound 0), which is how subscripts, `ANY` and array
    /// functions see them (see [`super::vector`]).
    Vector(&'static SqlType),
    /// A user-defined enum type (see [`super::enum_type`]); its values
    /// are [`crate::types::Value::Enum`].
    Enum(&'static EnumDef),
    /// A user-defined composite type (see [`super::composite`]); its
    /// values are carried as their canonical row text.
    Composite(&'static CompositeDef),
    /// The anonymous `record` type of row constructors (`ROW(1, 'x')`)
    /// and whole-row references, carried as canonical row text.
    Record,
    /// `inet`: an IPv4/IPv6 host address with optional netmask (see
    /// [`super::inet`]); values are [`crate::types::Value::Inet`].
    Inet,
    /// `cidr`: an IPv4/IPv6 network (see [`super::inet`]).
    Cidr,
    /// `bit[(n)]`: a bit string of exactly `n` bits (see [`super::bits`]);
    /// `None` is the unconstrained `bit` of expressions (`B'101'`).
    Bit(Option<u32>),
    /// `bit varying[(n)]` (`varbit`): at most `n` bits.
    VarBit(Option<u32>),
    /// `macaddr` (see [`super::macaddr`]); values are
    /// [`crate::types::Value::MacAddr`].
    MacAddr,
    /// `macaddr8` (see [`super::macaddr`]); values are
    /// [`crate::types::Value::MacAddr8`].
    MacAddr8,
    /// `time with time zone` (see [`super::timetz`]); values are
    /// [`crate::types::Value::TimeTz`].
    TimeTz(Option<u8>),
}

/// The object-identifier alias types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegKind {
    /// `regclass`: a relation.
    Class,
    /// `regtype`: a type.
    Type,
    /// `regnamespace`: a schema.
    Namespace,
    /// `regproc`: a function.
    Proc,
    /// `regrole`: a role.
    Role,
}

impl RegKind {
    /// The type's name (`regclass`, ...).
    pub fn name(self) -> &'static str {
        match self {
            RegKind::Class => "regclass",
            RegKind::Type => "regtype",
            RegKind::Namespace => "regnamespace",
            RegKind::Proc => "regproc",
            RegKind::Role => "regrole",
        }
    }

    fn oid(self) -> u32 {
        match self {
            RegKind::Proc => 24,
            RegKind::Class => 2205,
            RegKind::Type => 2206,
            RegKind::Namespace => 4089,
            RegKind::Role => 4096,
        }
    }

    const ALL: [RegKind; 5] = [
        RegKind::Class,
        RegKind::Type,
        RegKind::Namespace,
        RegKind::Proc,
        RegKind::Role,
    ];
}

/// The element types arrays may have, as `'static` references for
/// [`SqlType::Array`].
const ARRAY_ELEMENTS: &[SqlType] = &[
    SqlType::Bool,
    SqlType::Bytea,
    SqlType::QChar,
    SqlType::Name,
    SqlType::Int2,
    SqlType::Int4,
    SqlType::Text,
    SqlType::Oid,
    SqlType::Char(None),
    SqlType::Varchar(None),
    SqlType::Int8,
    SqlType::Float4,
    SqlType::Float8,
    SqlType::Timestamp(None),
    SqlType::Date,
    SqlType::Time(None),
    SqlType::Timestamptz(None),
    SqlType::Interval(None),
    SqlType::NUMERIC,
    SqlType::Reg(RegKind::Proc),
    SqlType::Reg(RegKind::Class),
    SqlType::Reg(RegKind::Type),
    SqlType::Reg(RegKind::Namespace),
    SqlType::Reg(RegKind::Role),
    SqlType::Uuid,
    SqlType::Json,
    SqlType::Jsonb,
    SqlType::Inet,
    SqlType::Cidr,
    SqlType::Bit(None),
    SqlType::VarBit(None),
    SqlType::MacAddr,
    SqlType::TimeTz(None),
    SqlType::MacAddr8,
    SqlType::JsonPath,
    SqlType::Record,
];

/// PostgreSQL's array type OIDs, parallel to [`ARRAY_ELEMENTS`].
const ARRAY_OIDS: &[u32] = &[
    1000, 1001, 1002, 1003, 1005, 1007, 1009, 1028, 1014, 1015, 1016, 1021, 1022, 1115, 1182, 1183,
    1185, 1187, 1231, 1008, 2210, 2211, 4090, 4097, 2951, 199, 3807, 1041, 651, 1561, 1563, 1040,
    1270, 775, 4073, 2287,
];

/// PostgreSQL's type categories (`pg_type.typcategory`), used by the
/// implicit-coercion rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeCategory {
    /// `B`: boolean.
    Boolean,
    /// `N`: numeric types.
    Numeric,
    /// `S`: string types.
    String,
    /// `D`: date/time types.
    DateTime,
    /// `T`: timespan types (interval).
    Timespan,
    /// `U`: user-defined / other (bytea).
    UserDefined,
    /// `X`: unknown.
    Unknown,
    /// `E`: enum types.
    Enum,
    /// `I`: network address types (`inet`, `cidr`).
    Network,
    /// `V`: bit string types.
    BitString,
    /// `C`: composite types (and `record`, category `P` in PostgreSQL,
    /// which coerces like them).
    Composite,
}

impl SqlType {
    /// Unconstrained `numeric`.
    pub const NUMERIC: SqlType = SqlType::Numeric {
        precision: None,
        scale: None,
    };

    /// PostgreSQL's type OID.
    pub fn oid(&self) -> u32 {
        match self {
            SqlType::Bool => 16,
            SqlType::Bytea => 17,
            SqlType::Int8 => 20,
            SqlType::Int2 => 21,
            SqlType::Int4 => 23,
            SqlType::Text => 25,
            SqlType::Float4 => 700,
            SqlType::Float8 => 701,
            SqlType::Unknown => 705,
            SqlType::Char(_) => 1042,
            SqlType::Varchar(_) => 1043,
            SqlType::Date => 1082,
            SqlType::Time(_) => 1083,
            SqlType::Timestamp(_) => 1114,
            SqlType::Timestamptz(_) => 1184,
            SqlType::Interval(_) => 1186,
            SqlType::Numeric { .. } => 1700,
            SqlType::Name => 19,
            SqlType::QChar => 18,
            SqlType::Oid => 26,
            SqlType::Uuid => 2950,
            SqlType::Json => 114,
            SqlType::Jsonb => 3802,
            SqlType::JsonPath => 4072,
            SqlType::Inet => 869,
            SqlType::Cidr => 650,
            SqlType::Bit(_) => 1560,
            SqlType::VarBit(_) => 1562,
            SqlType::MacAddr => 829,
            SqlType::MacAddr8 => 774,
            SqlType::TimeTz(_) => 1266,
            SqlType::Reg(k) => k.oid(),
            SqlType::Enum(d) => d.oid,
            SqlType::Array(SqlType::Enum(d)) => d.array_oid,
            SqlType::Composite(d) => d.oid,
            SqlType::Array(SqlType::Composite(d)) => d.array_oid,
            SqlType::Record => 2249,
            SqlType::Vector(SqlType::Oid) => 30,
            SqlType::Vector(_) => 22,
            SqlType::Array(e) => {
                let base = e.without_typmod();
                ARRAY_ELEMENTS
                    .iter()
                    .position(|x| *x == base)
                    .map_or(0, |i| ARRAY_OIDS[i])
            }
        }
    }

    /// The array type whose elements are of this type (modifier dropped);
    /// `None` for element types arrays are not built for.
    pub fn array_of(&self) -> Option<SqlType> {
        if let SqlType::Enum(d) = self {
            return Some(super::enum_type::array_type(d));
        }
        // A composite type's array type (`pair[]`); a table's row type
        // has none here (no `pg_type` row: see `crate::plan::table_row`).
        if let SqlType::Composite(d) = self {
            return super::composite::array_type(d);
        }
        let base = self.without_typmod();
        ARRAY_ELEMENTS
            .iter()
            .find(|x| **x == base)
            .map(SqlType::Array)
    }

    /// The element type of an array type.
    pub fn element(&self) -> Option<SqlType> {
        match self {
            SqlType::Array(e) => Some(**e),
            _ => None,
        }
    }

    /// The element type of `int2vector` / `oidvector`.
    pub fn vector_element(&self) -> Option<&'static SqlType> {
        match self {
            SqlType::Vector(e) => Some(e),
            _ => None,
        }
    }

    /// The type for an OID, without type modifier; `None` for OIDs the
    /// engine does not know.
    pub fn from_oid(oid: u32) -> Option<SqlType> {
        Some(match oid {
            16 => SqlType::Bool,
            17 => SqlType::Bytea,
            20 => SqlType::Int8,
            21 => SqlType::Int2,
            23 => SqlType::Int4,
            25 => SqlType::Text,
            700 => SqlType::Float4,
            701 => SqlType::Float8,
            705 => SqlType::Unknown,
            1042 => SqlType::Char(None),
            1043 => SqlType::Varchar(None),
            1082 => SqlType::Date,
            1083 => SqlType::Time(None),
            1114 => SqlType::Timestamp(None),
            1184 => SqlType::Timestamptz(None),
            1186 => SqlType::Interval(None),
            1700 => SqlType::NUMERIC,
            19 => SqlType::Name,
            18 => SqlType::QChar,
            26 => SqlType::Oid,
            2950 => SqlType::Uuid,
            114 => SqlType::Json,
            3802 => SqlType::Jsonb,
            4072 => SqlType::JsonPath,
            869 => SqlType::Inet,
            650 => SqlType::Cidr,
            1560 => SqlType::Bit(None),
            1562 => SqlType::VarBit(None),
            829 => SqlType::MacAddr,
            774 => SqlType::MacAddr8,
            1266 => SqlType::TimeTz(None),
            22 => SqlType::Vector(&SqlType::Int2),
            30 => SqlType::Vector(&SqlType::Oid),
            other => {
                if let Some(k) = RegKind::ALL.iter().find(|k| k.oid() == other) {
                    return Some(SqlType::Reg(*k));
                }
                return ARRAY_OIDS
                    .iter()
                    .position(|x| *x == other)
                    .map(|i| SqlType::Array(&ARRAY_ELEMENTS[i]));
            }
        })
    }

    /// The type for an OID and an `atttypmod` (as sent in a RowDescription
    /// or stored in a catalog); an invalid typmod is ignored.
    pub fn from_oid_typmod(oid: u32, typmod: i32) -> Option<SqlType> {
        let ty = SqlType::from_oid(oid)?;
        // An array's typmod is its element's.
        if let SqlType::Array(e) = ty {
            if typmod == -1 {
                return Some(ty);
            }
            let elem = SqlType::from_oid_typmod(e.oid(), typmod)?;
            return super::array_typmod::array_of(&elem);
        }
        // Bit string typmods are the length itself; datetime typmods the
        // precision.
        let p = u8::try_from(typmod).ok().filter(|p| *p <= 6);
        match (ty, p) {
            (SqlType::Bit(_), _) if typmod > 0 => return Some(SqlType::Bit(Some(typmod as u32))),
            (SqlType::VarBit(_), _) if typmod > 0 => {
                return Some(SqlType::VarBit(Some(typmod as u32)))
            }
            (SqlType::Timestamp(_), Some(p)) => return Some(SqlType::Timestamp(Some(p))),
            (SqlType::Timestamptz(_), Some(p)) => return Some(SqlType::Timestamptz(Some(p))),
            (SqlType::Time(_), Some(p)) => return Some(SqlType::Time(Some(p))),
            (SqlType::TimeTz(_), Some(p)) => return Some(SqlType::TimeTz(Some(p))),
            // Interval typmods pack the field range and the precision.
            (SqlType::Interval(_), _) => {
                return Some(SqlType::Interval(IntervalTypmod::from_typmod(typmod)))
            }
            _ => {}
        }
        if typmod < 4 {
            return Some(ty);
        }
        let m = typmod - 4;
        Some(match ty {
            SqlType::Varchar(_) => SqlType::Varchar(Some(m as u32)),
            SqlType::Char(_) => SqlType::Char(Some(m as u32)),
            SqlType::Numeric { .. } => SqlType::Numeric {
                precision: Some(((m >> 16) & 0xFFFF) as u16),
                scale: Some((m & 0xFFFF) as u16),
            },
            other => other,
        })
    }

    /// PostgreSQL's `atttypmod`: -1 without modifier, `n + 4` for
    /// `varchar(n)`/`char(n)`, `((p << 16) | s) + 4` for `numeric(p,s)`;
    /// an array's is its element's.
    pub fn typmod(&self) -> i32 {
        match self {
            SqlType::Array(e) => e.typmod(),
            SqlType::Varchar(Some(n)) | SqlType::Char(Some(n)) => *n as i32 + 4,
            SqlType::Bit(Some(n)) | SqlType::VarBit(Some(n)) => *n as i32,
            SqlType::Timestamp(Some(p))
            | SqlType::Timestamptz(Some(p))
            | SqlType::Time(Some(p))
            | SqlType::TimeTz(Some(p)) => i32::from(*p),
            SqlType::Interval(Some(m)) => m.typmod(),
            SqlType::Numeric {
                precision: Some(p),
                scale,
            } => ((i32::from(*p) << 16) | i32::from(scale.unwrap_or(0))) + 4,
            _ => -1,
        }
    }

    /// `pg_type.typlen`: the fixed size in bytes, or -1 for varlena types
    /// (-2 for `unknown`, a C string).
    pub fn type_len(&self) -> i16 {
        match self {
            SqlType::Bool => 1,
            SqlType::Int2 => 2,
            SqlType::Int4 | SqlType::Float4 | SqlType::Date => 4,
            SqlType::Int8
            | SqlType::Float8
            | SqlType::Time(_)
            | SqlType::Timestamp(_)
            | SqlType::Timestamptz(_) => 8,
            SqlType::Interval(_) | SqlType::Uuid => 16,
            SqlType::MacAddr => 6,
            SqlType::MacAddr8 => 8,
            SqlType::TimeTz(_) => 12,
            SqlType::Unknown => -2,
            SqlType::Name => 64,
            SqlType::QChar => 1,
            SqlType::Oid | SqlType::Reg(_) | SqlType::Enum(_) => 4,
            SqlType::Numeric { .. }
            | SqlType::Text
            | SqlType::Varchar(_)
            | SqlType::Char(_)
            | SqlType::Bytea
            | SqlType::Json
            | SqlType::Jsonb
            | SqlType::JsonPath
            | SqlType::Inet
            | SqlType::Cidr
            | SqlType::Bit(_)
            | SqlType::VarBit(_)
            | SqlType::Composite(_)
            | SqlType::Record
            | SqlType::Vector(_)
            | SqlType::Array(_) => -1,
        }
    }

    /// The type's name as PostgreSQL's `format_type` prints it, modifier
    /// included (`numeric(10,2)`, `character varying(10)`).
    pub fn display_name(&self) -> String {
        match self {
            SqlType::Numeric {
                precision: Some(p),
                scale,
            } => format!("numeric({},{})", p, scale.unwrap_or(0)),
            SqlType::Varchar(Some(n)) => format!("character varying({n})"),
            SqlType::Char(Some(n)) => format!("character({n})"),
            SqlType::Bit(Some(n)) => format!("bit({n})"),
            SqlType::VarBit(Some(n)) => format!("bit varying({n})"),
            SqlType::Timestamp(Some(p)) => format!("timestamp({p}) without time zone"),
            SqlType::Timestamptz(Some(p)) => format!("timestamp({p}) with time zone"),
            SqlType::Time(Some(p)) => format!("time({p}) without time zone"),
            SqlType::TimeTz(Some(p)) => format!("time({p}) with time zone"),
            SqlType::Interval(Some(m)) => format!("interval{}", m.suffix()),
            SqlType::Array(e) => format!("{}[]", e.display_name()),
            other => other.base_name().to_owned(),
        }
    }

    /// The type's name without modifier (`numeric`, `character varying`,
    /// `bpchar` for unbounded `char`).
    pub fn base_name(&self) -> &'static str {
        match self {
            SqlType::Bool => "boolean",
            SqlType::Int2 => "smallint",
            SqlType::Int4 => "integer",
            SqlType::Int8 => "bigint",
            SqlType::Float4 => "real",
            SqlType::Float8 => "double precision",
            SqlType::Numeric { .. } => "numeric",
            SqlType::Text => "text",
            SqlType::Varchar(_) => "character varying",
            SqlType::Char(Some(_)) => "character",
            SqlType::Char(None) => "bpchar",
            SqlType::Bytea => "bytea",
            SqlType::Date => "date",
            SqlType::Time(_) => "time without time zone",
            SqlType::Timestamp(_) => "timestamp without time zone",
            SqlType::Timestamptz(_) => "timestamp with time zone",
            SqlType::Interval(_) => "interval",
            SqlType::Unknown => "unknown",
            SqlType::Name => "name",
            SqlType::QChar => "\"char\"",
            SqlType::Oid => "oid",
            SqlType::Uuid => "uuid",
            SqlType::Json => "json",
            SqlType::Jsonb => "jsonb",
            SqlType::JsonPath => "jsonpath",
            SqlType::Inet => "inet",
            SqlType::Cidr => "cidr",
            SqlType::Bit(_) => "bit",
            SqlType::VarBit(_) => "bit varying",
            SqlType::MacAddr => "macaddr",
            SqlType::MacAddr8 => "macaddr8",
            SqlType::TimeTz(_) => "time with time zone",
            SqlType::Reg(k) => k.name(),
            SqlType::Enum(d) => &d.name,
            SqlType::Composite(d) => &d.name,
            SqlType::Record => "record",
            SqlType::Vector(_) => self.type_name(),
            SqlType::Array(_) => "anyarray",
        }
    }

    /// `pg_type.typname` (`int4`, `varchar`, `timestamptz`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            SqlType::Bool => "bool",
            SqlType::Int2 => "int2",
            SqlType::Int4 => "int4",
            SqlType::Int8 => "int8",
            SqlType::Float4 => "float4",
            SqlType::Float8 => "float8",
            SqlType::Numeric { .. } => "numeric",
            SqlType::Text => "text",
            SqlType::Varchar(_) => "varchar",
            SqlType::Char(_) => "bpchar",
            SqlType::Bytea => "bytea",
            SqlType::Date => "date",
            SqlType::Time(_) => "time",
            SqlType::Timestamp(_) => "timestamp",
            SqlType::Timestamptz(_) => "timestamptz",
            SqlType::Interval(_) => "interval",
            SqlType::Unknown => "unknown",
            SqlType::Name => "name",
            SqlType::QChar => "char",
            SqlType::Oid => "oid",
            SqlType::Uuid => "uuid",
            SqlType::Json => "json",
            SqlType::Jsonb => "jsonb",
            SqlType::JsonPath => "jsonpath",
            SqlType::Inet => "inet",
            SqlType::Cidr => "cidr",
            SqlType::Bit(_) => "bit",
            SqlType::VarBit(_) => "varbit",
            SqlType::MacAddr => "macaddr",
            SqlType::MacAddr8 => "macaddr8",
            SqlType::TimeTz(_) => "timetz",
            SqlType::Reg(k) => k.name(),
            SqlType::Enum(d) => &d.name,
            SqlType::Composite(d) => &d.name,
            SqlType::Record => "record",
            SqlType::Vector(SqlType::Oid) => "oidvector",
            SqlType::Vector(_) => "int2vector",
            SqlType::Array(e) => match e.type_name() {
                "bool" => "_bool",
                "bytea" => "_bytea",
                "char" => "_char",
                "name" => "_name",
                "int2" => "_int2",
                "int4" => "_int4",
                "int8" => "_int8",
                "text" => "_text",
                "oid" => "_oid",
                "bpchar" => "_bpchar",
                "varchar" => "_varchar",
                "float4" => "_float4",
                "float8" => "_float8",
                "numeric" => "_numeric",
                "date" => "_date",
                "time" => "_time",
                "timestamp" => "_timestamp",
                "timestamptz" => "_timestamptz",
                "interval" => "_interval",
                "uuid" => "_uuid",
                "json" => "_json",
                "jsonb" => "_jsonb",
                "inet" => "_inet",
                "cidr" => "_cidr",
                "bit" => "_bit",
                "varbit" => "_varbit",
                "macaddr" => "_macaddr",
                "macaddr8" => "_macaddr8",
                "timetz" => "_timetz",
                "regclass" => "_regclass",
                "regtype" => "_regtype",
                "regproc" => "_regproc",
                "regnamespace" => "_regnamespace",
                "regrole" => "_regrole",
                _ => "anyarray",
            },
        }
    }

    /// The codec type values of this SQL type are encoded as.
    pub fn storage_type(&self) -> DataType {
        match self {
            SqlType::Bool => DataType::Bool,
            SqlType::Int2 => DataType::Int2,
            SqlType::Int4 => DataType::Int4,
            // `time` is microseconds since midnight, whose int8 key
            // encoding keeps the order.
            SqlType::Int8 | SqlType::Time(_) => DataType::Int8,
            SqlType::Float4 => DataType::Float4,
            SqlType::Float8 => DataType::Float8,
            SqlType::Numeric { .. } => DataType::Numeric,
            SqlType::Text
            | SqlType::Varchar(_)
            | SqlType::Char(_)
            | SqlType::Unknown
            | SqlType::Name
            | SqlType::QChar
            | SqlType::Reg(_)
            | SqlType::Uuid
            | SqlType::Json
            | SqlType::Jsonb
            | SqlType::JsonPath
            | SqlType::Composite(_)
            | SqlType::Record
            | SqlType::Vector(_)
            | SqlType::Array(_) => DataType::Text,
            SqlType::Oid => DataType::Int8,
            // An enum value is stored as its label's sort order, so keys
            // follow the declaration order.
            SqlType::Enum(_) => DataType::Float4,
            // `inet`/`cidr` store as bytes ordered as `network_cmp`
            // (see [`super::inet::Inet::to_key`]).
            // Bit strings store as bytes ordered as `bitcmp` (see
            // [`super::bits::BitString::to_key`]).
            SqlType::Bytea
            | SqlType::Interval(_)
            | SqlType::Inet
            | SqlType::Cidr
            | SqlType::Bit(_)
            | SqlType::VarBit(_)
            | SqlType::MacAddr
            | SqlType::MacAddr8
            | SqlType::TimeTz(_) => DataType::Bytea,
            SqlType::Date => DataType::Date,
            SqlType::Timestamp(_) | SqlType::Timestamptz(_) => DataType::Timestamp,
        }
    }

    /// The type without its modifier (`varchar(10)` -> `varchar`).
    pub fn without_typmod(&self) -> SqlType {
        match self {
            SqlType::Numeric { .. } => SqlType::NUMERIC,
            SqlType::Varchar(_) => SqlType::Varchar(None),
            SqlType::Char(_) => SqlType::Char(None),
            SqlType::Bit(_) => SqlType::Bit(None),
            SqlType::VarBit(_) => SqlType::VarBit(None),
            SqlType::Timestamp(_) => SqlType::Timestamp(None),
            SqlType::Timestamptz(_) => SqlType::Timestamptz(None),
            SqlType::Time(_) => SqlType::Time(None),
            SqlType::TimeTz(_) => SqlType::TimeTz(None),
            SqlType::Array(e) if e.typmod() != -1 => e.array_of().unwrap_or(*self),
            SqlType::Interval(_) => SqlType::Interval(None),
            other => *other,
        }
    }

    /// Whether both are the same type, ignoring modifiers.
    pub fn same_base(&self, other: &SqlType) -> bool {
        self.without_typmod() == other.without_typmod()
    }

    /// PostgreSQL's type category.
    pub fn category(&self) -> TypeCategory {
        match self {
            SqlType::Bool => TypeCategory::Boolean,
            SqlType::Int2
            | SqlType::Int4
            | SqlType::Int8
            | SqlType::Float4
            | SqlType::Float8
            | SqlType::Numeric { .. }
            | SqlType::Oid
            | SqlType::Reg(_) => TypeCategory::Numeric,
            SqlType::Text
            | SqlType::Varchar(_)
            | SqlType::Char(_)
            | SqlType::Name
            | SqlType::QChar => TypeCategory::String,
            SqlType::Date
            | SqlType::Time(_)
            | SqlType::TimeTz(_)
            | SqlType::Timestamp(_)
            | SqlType::Timestamptz(_) => TypeCategory::DateTime,
            SqlType::Interval(_) => TypeCategory::Timespan,
            SqlType::Bytea
            | SqlType::Array(_)
            | SqlType::Vector(_)
            | SqlType::Uuid
            | SqlType::Json
            | SqlType::Jsonb
            | SqlType::JsonPath
            | SqlType::MacAddr
            | SqlType::MacAddr8 => TypeCategory::UserDefined,
            SqlType::Unknown => TypeCategory::Unknown,
            SqlType::Enum(_) => TypeCategory::Enum,
            SqlType::Composite(_) | SqlType::Record => TypeCategory::Composite,
            SqlType::Inet | SqlType::Cidr => TypeCategory::Network,
            SqlType::Bit(_) | SqlType::VarBit(_) => TypeCategory::BitString,
        }
    }

    /// Whether this is one of the integer types.
    pub fn is_integer(&self) -> bool {
        matches!(self, SqlType::Int2 | SqlType::Int4 | SqlType::Int8)
    }

    /// Whether this is `real` or `double precision`.
    pub fn is_float(&self) -> bool {
        matches!(self, SqlType::Float4 | SqlType::Float8)
    }

    /// Whether this is a numeric-category type (integers, floats, numeric).
    pub fn is_numeric_family(&self) -> bool {
        self.category() == TypeCategory::Numeric
    }

    /// Whether this is `text`, `varchar` or `char`.
    pub fn is_string_family(&self) -> bool {
        self.category() == TypeCategory::String
    }

    /// Whether this is `date`, `timestamp` or `timestamptz` (the types on
    /// one timeline; `time`, also of the date/time category, is not).
    pub fn is_datetime_family(&self) -> bool {
        matches!(
            self,
            SqlType::Date | SqlType::Timestamp(_) | SqlType::Timestamptz(_)
        )
    }

    /// Rank inside the numeric category, in PostgreSQL's implicit-cast
    /// order int2 < int4 < int8 < numeric < float4 < float8.
    pub(crate) fn numeric_rank(&self) -> Option<u8> {
        Some(match self {
            SqlType::Int2 => 0,
            SqlType::Int4 => 1,
            SqlType::Int8 => 2,
            SqlType::Numeric { .. } => 3,
            SqlType::Float4 => 4,
            SqlType::Float8 => 5,
            _ => return None,
        })
    }

    /// Resolves a type name as written in SQL (`int4`, `varchar`,
    /// `timestamptz`, ...) without modifiers; used for `Custom` AST types
    /// and for names in function-style casts.
    pub fn from_name(name: &str) -> Result<SqlType> {
        let lower = name.to_ascii_lowercase();
        Ok(match lower.as_str() {
            "bool" | "boolean" => SqlType::Bool,
            "int2" | "smallint" => SqlType::Int2,
            "int" | "int4" | "integer" => SqlType::Int4,
            "int8" | "bigint" => SqlType::Int8,
            "float4" | "real" => SqlType::Float4,
            "float8" | "float" | "double precision" => SqlType::Float8,
            "numeric" | "decimal" => SqlType::NUMERIC,
            "text" => SqlType::Text,
            "varchar" | "character varying" => SqlType::Varchar(None),
            "bpchar" => SqlType::Char(None),
            "char" | "character" => SqlType::Char(Some(1)),
            "bytea" => SqlType::Bytea,
            // The pseudo-type of anonymous rows: values of it exist, but
            // its input is not implemented (0A000, as in PostgreSQL) and
            // no column may have it (42P16).
            "record" => SqlType::Record,
            "date" => SqlType::Date,
            "time" | "time without time zone" => SqlType::Time(None),
            "timetz" | "time with time zone" => SqlType::TimeTz(None),
            "timestamp" | "timestamp without time zone" => SqlType::Timestamp(None),
            "timestamptz" | "timestamp with time zone" => SqlType::Timestamptz(None),
            "interval" => SqlType::Interval(None),
            "unknown" => SqlType::Unknown,
            "name" => SqlType::Name,
            "\"char\"" => SqlType::QChar,
            "oid" => SqlType::Oid,
            "uuid" => SqlType::Uuid,
            "json" => SqlType::Json,
            "jsonb" => SqlType::Jsonb,
            "jsonpath" => SqlType::JsonPath,
            "inet" => SqlType::Inet,
            "cidr" => SqlType::Cidr,
            "bit" => SqlType::Bit(Some(1)),
            "varbit" | "bit varying" => SqlType::VarBit(None),
            "macaddr" => SqlType::MacAddr,
            "macaddr8" => SqlType::MacAddr8,
            "regclass" => SqlType::Reg(RegKind::Class),
            "regtype" => SqlType::Reg(RegKind::Type),
            "regnamespace" => SqlType::Reg(RegKind::Namespace),
            "regproc" | "regprocedure" => SqlType::Reg(RegKind::Proc),
            "regrole" => SqlType::Reg(RegKind::Role),
            "int2vector" => SqlType::Vector(&SqlType::Int2),
            "oidvector" => SqlType::Vector(&SqlType::Oid),
            "pg_node_tree" => SqlType::Text,
            "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2" => {
                return Err(EngineError::unsupported(format!("type {lower}")))
            }
            _ => return Err(undefined_type(name)),
        })
    }

    /// Converts a `sqlparser` type to a `SqlType`, checking modifiers as
    /// PostgreSQL does.
    pub fn from_ast(ty: &AstType) -> Result<SqlType> {
        Ok(match ty {
            AstType::Bool | AstType::Boolean => SqlType::Bool,
            AstType::SmallInt(None) | AstType::Int2(None) => SqlType::Int2,
            AstType::Int(None) | AstType::Integer(None) | AstType::Int4(None) => SqlType::Int4,
            AstType::BigInt(None) | AstType::Int8(None) => SqlType::Int8,
            AstType::Real | AstType::Float4 => SqlType::Float4,
            AstType::DoublePrecision | AstType::Float8 | AstType::Double(ExactNumberInfo::None) => {
                SqlType::Float8
            }
            AstType::Float(info) => match info {
                ExactNumberInfo::None => SqlType::Float8,
                ExactNumberInfo::Precision(p) => float_precision(*p)?,
                ExactNumberInfo::PrecisionAndScale(..) => {
                    return Err(syntax_error("syntax error at or near \",\""))
                }
            },
            AstType::Numeric(info) | AstType::Decimal(info) | AstType::Dec(info) => {
                numeric_from_info(info)?
            }
            AstType::Text => SqlType::Text,
            AstType::Varchar(len) | AstType::CharacterVarying(len) | AstType::CharVarying(len) => {
                SqlType::Varchar(char_length(len, "varchar")?)
            }
            AstType::Char(len) | AstType::Character(len) => {
                SqlType::Char(Some(char_length(len, "char")?.unwrap_or(1)))
            }
            AstType::Bytea => SqlType::Bytea,
            AstType::Uuid => SqlType::Uuid,
            AstType::Bit(n) => SqlType::Bit(Some(bit_length(n.unwrap_or(1), "bit")?)),
            AstType::BitVarying(n) | AstType::VarBit(n) => {
                SqlType::VarBit(n.map(|n| bit_length(n, "varbit")).transpose()?)
            }
            AstType::JSON => SqlType::Json,
            AstType::JSONB => SqlType::Jsonb,
            AstType::Date => SqlType::Date,
            AstType::Timestamp(precision, tz) => {
                // PostgreSQL reduces a precision above 6 to 6 (with a
                // WARNING).
                let p = precision.map(|p| p.min(6) as u8);
                match tz {
                    TimezoneInfo::None | TimezoneInfo::WithoutTimeZone => SqlType::Timestamp(p),
                    TimezoneInfo::WithTimeZone | TimezoneInfo::Tz => SqlType::Timestamptz(p),
                }
            }
            AstType::Time(precision, tz) => {
                let p = precision.map(|p| p.min(6) as u8);
                match tz {
                    TimezoneInfo::None | TimezoneInfo::WithoutTimeZone => SqlType::Time(p),
                    TimezoneInfo::WithTimeZone | TimezoneInfo::Tz => SqlType::TimeTz(p),
                }
            }
            AstType::Interval { fields, precision } => {
                SqlType::Interval(IntervalTypmod::from_fields(fields.as_ref(), *precision)?)
            }
            AstType::Custom(name, modifiers) => custom_type(name, modifiers)?,
            AstType::Regclass => SqlType::Reg(RegKind::Class),
            AstType::Array(ast::ArrayElemTypeDef::SquareBracket(inner, _))
            | AstType::Array(ast::ArrayElemTypeDef::AngleBracket(inner)) => {
                let elem = SqlType::from_ast(inner)?;
                super::array_typmod::array_of(&elem)
                    .ok_or_else(|| undefined_type(&format!("{}[]", elem.display_name())))?
            }
            other => {
                // Types sqlparser knows but PostgreSQL spells differently
                // (or that we lack): report them the way PostgreSQL does for
                // a name it cannot find.
                let text = other.to_string();
                if matches!(
                    other,
                    AstType::SmallInt(_)
                        | AstType::Int(_)
                        | AstType::Integer(_)
                        | AstType::Int2(_)
                        | AstType::Int4(_)
                        | AstType::Int8(_)
                        | AstType::BigInt(_)
                ) {
                    return Err(syntax_error("syntax error at or near \"(\""));
                }
                let name = text
                    .split('(')
                    .next()
                    .unwrap_or(&text)
                    .trim()
                    .to_lowercase();
                return Err(undefined_type(&name));
            }
        })
    }
}

fn syntax_error(msg: &str) -> EngineError {
    EngineError::new(SqlState::SyntaxError, msg)
}

/// `42704 type "name" does not exist`.
pub(crate) fn undefined_type(name: &str) -> EngineError {
    EngineError::new(
        SqlState::UndefinedObject,
        format!("type \"{name}\" does not exist"),
    )
}

fn float_precision(p: u64) -> Result<SqlType> {
    match p {
        0 => Err(EngineError::new(
            SqlState::InvalidParameterValue,
            "precision for type float must be at least 1 bit",
        )),
        1..=24 => Ok(SqlType::Float4),
        25..=53 => Ok(SqlType::Float8),
        _ => Err(EngineError::new(
            SqlState::InvalidParameterValue,
            "precision for type float must be less than 54 bits",
        )),
    }
}

fn numeric_typmod(precision: i64, scale: i64) -> Result<SqlType> {
    if !(1..=i64::from(NUMERIC_MAX_PRECISION)).contains(&precision) {
        return Err(EngineError::new(
            SqlState::InvalidParameterValue,
            format!("NUMERIC precision {precision} must be between 1 and {NUMERIC_MAX_PRECISION}"),
        ));
    }
    if !(0..=precision).contains(&scale) {
        // PostgreSQL 15 allows negative scales and scale > precision, but
        // the engine keeps to the classic range.
        return Err(EngineError::new(
            SqlState::InvalidParameterValue,
            format!("NUMERIC scale {scale} must be between 0 and precision {precision}"),
        ));
    }
    Ok(SqlType::Numeric {
        precision: Some(precision as u16),
        scale: Some(scale as u16),
    })
}

fn numeric_from_info(info: &ExactNumberInfo) -> Result<SqlType> {
    match info {
        ExactNumberInfo::None => Ok(SqlType::NUMERIC),
        ExactNumberInfo::Precision(p) => numeric_typmod(clamp_u64(*p), 0),
        ExactNumberInfo::PrecisionAndScale(p, s) => numeric_typmod(clamp_u64(*p), *s),
    }
}

fn clamp_u64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn char_length(len: &Option<CharacterLength>, kind: &str) -> Result<Option<u32>> {
    match len {
        None => Ok(None),
        Some(CharacterLength::Max) => Err(syntax_error("syntax error at or near \"max\"")),
        Some(CharacterLength::IntegerLength { length, .. }) => {
            check_char_length(clamp_u64(*length), kind).map(Some)
        }
    }
}

/// Largest length of `bit(n)` / `bit varying(n)` (PostgreSQL's
/// `VARBITMAXLEN`).
const MAX_BIT_LENGTH: u64 = 83_886_080;

fn bit_length(n: u64, kind: &str) -> Result<u32> {
    if n < 1 {
        return Err(EngineError::new(
            SqlState::InvalidParameterValue,
            format!("length for type {kind} must be at least 1"),
        ));
    }
    if n > MAX_BIT_LENGTH {
        return Err(EngineError::new(
            SqlState::InvalidParameterValue,
            format!("length for type {kind} cannot exceed {MAX_BIT_LENGTH}"),
        ));
    }
    Ok(n as u32)
}

fn check_char_length(length: i64, kind: &str) -> Result<u32> {
    if length < 1 {
        return Err(EngineError::new(
            SqlState::InvalidParameterValue,
            format!("length for type {kind} must be at least 1"),
        ));
    }
    if length > i64::from(MAX_CHAR_LENGTH) {
        return Err(EngineError::new(
            SqlState::InvalidParameterValue,
            format!("length for type {kind} cannot exceed {MAX_CHAR_LENGTH}"),
        ));
    }
    Ok(length as u32)
}

fn custom_type(name: &ObjectName, modifiers: &[String]) -> Result<SqlType> {
    let full = name.to_string();
    // Accept a pg_catalog qualification.
    let unqualified = full.strip_prefix("pg_catalog.").unwrap_or(&full);
    if unqualified == "\"char\"" {
        return Ok(SqlType::QChar);
    }
    let base = unqualified.trim_matches('"').to_ascii_lowercase();
    let ty = SqlType::from_name(&base)?;
    if modifiers.is_empty() {
        return Ok(ty);
    }
    let mods: Vec<i64> = modifiers
        .iter()
        .map(|m| m.trim().parse::<i64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| syntax_error("type modifiers must be simple constants or identifiers"))?;
    match (ty, mods.as_slice()) {
        (SqlType::Varchar(_), [n]) => Ok(SqlType::Varchar(Some(check_char_length(*n, "varchar")?))),
        (SqlType::Char(_), [n]) => Ok(SqlType::Char(Some(check_char_length(*n, "char")?))),
        (SqlType::VarBit(_), [n]) => Ok(SqlType::VarBit(Some(bit_length(
            (*n).max(0) as u64,
            "varbit",
        )?))),
        (SqlType::Numeric { .. }, [p]) => numeric_typmod(*p, 0),
        (SqlType::Numeric { .. }, [p, s]) => numeric_typmod(*p, *s),
        (SqlType::Float8, [p]) if base == "float" => float_precision((*p).max(0) as u64),
        _ => Err(EngineError::new(
            SqlState::SyntaxError,
            format!("type modifier is not allowed for type \"{base}\""),
        )),
    }
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    fn parse(text: &str) -> Result<SqlType> {
        let dialect = PostgreSqlDialect {};
        let mut parser = Parser::new(&dialect).try_with_sql(text).unwrap();
        let ty = parser.parse_data_type().unwrap();
        SqlType::from_ast(&ty)
    }

    #[test]
    fn spellings() {
        let cases = [
            ("int", "integer"),
            ("integer", "integer"),
            ("int4", "integer"),
            ("smallint", "smallint"),
            ("int2", "smallint"),
            ("bigint", "bigint"),
            ("int8", "bigint"),
            ("real", "real"),
            ("float4", "real"),
            ("float(24)", "real"),
            ("float(25)", "double precision"),
            ("float", "double precision"),
            ("float8", "double precision"),
            ("double precision", "double precision"),
            ("numeric", "numeric"),
            ("numeric(10,2)", "numeric(10,2)"),
            ("decimal(5)", "numeric(5,0)"),
            ("boolean", "boolean"),
            ("bool", "boolean"),
            ("text", "text"),
            ("varchar(10)", "character varying(10)"),
            ("character varying(10)", "character varying(10)"),
            ("varchar", "character varying"),
            ("char(84)", "character(84)"),
            ("character(2)", "character(2)"),
            ("char", "character(1)"),
            ("bpchar", "bpchar"),
            ("bytea", "bytea"),
            ("date", "date"),
            ("timestamp", "timestamp without time zone"),
            ("timestamp without time zone", "timestamp without time zone"),
            ("timestamptz", "timestamp with time zone"),
            ("timestamp with time zone", "timestamp with time zone"),
            ("interval", "interval"),
            ("time", "time without time zone"),
            ("time without time zone", "time without time zone"),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text).unwrap().display_name(), want, "{text}");
        }
    }

    #[test]
    fn errors() {
        assert_eq!(
            parse("foo").unwrap_err().message,
            "type \"foo\" does not exist"
        );
        assert_eq!(parse("foo").unwrap_err().state, SqlState::UndefinedObject);
        assert_eq!(
            parse("serial").unwrap_err().state,
            SqlState::FeatureNotSupported
        );
        assert_eq!(
            parse("bigserial").unwrap_err().state,
            SqlState::FeatureNotSupported
        );
        assert_eq!(
            parse("time with time zone").unwrap().display_name(),
            "time with time zone"
        );
        assert_eq!(
            parse("timetz").unwrap().display_name(),
            "time with time zone"
        );
        assert_eq!(
            parse("varchar(0)").unwrap_err().message,
            "length for type varchar must be at least 1"
        );
        assert_eq!(
            parse("numeric(0)").unwrap_err().message,
            "NUMERIC precision 0 must be between 1 and 1000"
        );
    }

    #[test]
    fn oids_and_typmods() {
        assert_eq!(SqlType::Varchar(Some(10)).typmod(), 14);
        let n = SqlType::Numeric {
            precision: Some(10),
            scale: Some(2),
        };
        assert_eq!(n.typmod(), (10 << 16 | 2) + 4);
        assert_eq!(SqlType::from_oid_typmod(1700, n.typmod()), Some(n));
        assert_eq!(SqlType::Int4.typmod(), -1);
        for ty in [
            SqlType::Bool,
            SqlType::Int2,
            SqlType::Int4,
            SqlType::Int8,
            SqlType::Float4,
            SqlType::Float8,
            SqlType::NUMERIC,
            SqlType::Text,
            SqlType::Varchar(None),
            SqlType::Char(None),
            SqlType::Bytea,
            SqlType::Date,
            SqlType::Time(None),
            SqlType::Timestamp(None),
            SqlType::Timestamptz(None),
            SqlType::Interval(None),
            SqlType::Unknown,
        ] {
            assert_eq!(SqlType::from_oid(ty.oid()), Some(ty));
        }
        assert_eq!(SqlType::Int8.type_len(), 8);
        assert_eq!(SqlType::Text.type_len(), -1);
        assert_eq!(SqlType::Time(None).type_len(), 8);
        assert_eq!(SqlType::Time(None).type_name(), "time");
        assert_eq!(SqlType::Time(None).oid(), 1083);
    }
}
