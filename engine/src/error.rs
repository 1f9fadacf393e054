//! The engine's one error type, carrying a PostgreSQL SQLSTATE.
//!
//! Every error the engine reports is an [`EngineError`]: a [`SqlState`]
//! (the condition, e.g. `UniqueViolation` = 23505), a primary message in
//! PostgreSQL's wording where one exists, and optional detail, hint and
//! cursor position, and for errors about a database object PostgreSQL's
//! object fields ([`ErrorFields`]: schema, table, column, data type and
//! constraint names, which drivers expose as e.g. psycopg's
//! `e.diag.constraint_name`). Storage errors are mapped here, at the engine boundary:
//! serialization failure -> 40001, deadlock -> 40P01, lock timeout -> 55P03,
//! engine I/O -> 58030, corruption -> XX001.

use std::fmt;

use rocksgres_storage::StorageError;

macro_rules! sqlstates {
    ($($(#[$doc:meta])* $name:ident = $code:literal,)*) => {
        /// The SQLSTATE conditions the engine raises (PostgreSQL's codes).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum SqlState {
            $($(#[$doc])* $name,)*
        }

        impl SqlState {
            /// The five-character SQLSTATE code.
            pub fn code(self) -> &'static str {
                match self {
                    $(SqlState::$name => $code,)*
                }
            }
        }
    };
}

sqlstates! {
    /// 0A000
    FeatureNotSupported = "0A000",
    /// 21000
    CardinalityViolation = "21000",
    /// 22001
    StringDataRightTruncation = "22001",
    /// 22003
    NumericValueOutOfRange = "22003",
    /// 22026
    StringDataLengthMismatch = "22026",
    /// 22007
    InvalidDatetimeFormat = "22007",
    /// 22008
    DatetimeFieldOverflow = "22008",
    /// 22011
    SubstringError = "22011",
    /// 22012
    DivisionByZero = "22012",
    /// 22015
    IntervalFieldOverflow = "22015",
    /// 2201E
    InvalidArgumentForLogarithm = "2201E",
    /// 2201F
    InvalidArgumentForPowerFunction = "2201F",
    /// 22023
    InvalidParameterValue = "22023",
    /// 2200H
    SequenceGeneratorLimitExceeded = "2200H",
    /// 2202G
    InvalidTablesampleRepeat = "2202G",
    /// 2202H
    InvalidTablesampleArgument = "2202H",
    /// 2201B
    InvalidRegularExpression = "2201B",
    /// 2201W
    InvalidRowCountInLimitClause = "2201W",
    /// 2201X
    InvalidRowCountInResultOffsetClause = "2201X",
    /// 22021
    CharacterNotInRepertoire = "22021",
    /// 22004
    NullValueNotAllowed = "22004",
    /// 22033
    InvalidSqlJsonSubscript = "22033",
    /// 22031
    InvalidArgumentForSqlJsonDatetimeFunction = "22031",
    /// 22036
    NonNumericSqlJsonItem = "22036",
    /// 22038
    SingletonSqlJsonItemRequired = "22038",
    /// 22039
    SqlJsonArrayNotFound = "22039",
    /// 2203A
    SqlJsonMemberNotFound = "2203A",
    /// 2203B
    SqlJsonNumberNotFound = "2203B",
    /// 2203C
    SqlJsonObjectNotFound = "2203C",
    /// 22P05
    UntranslatableCharacter = "22P05",
    /// 22P02
    InvalidTextRepresentation = "22P02",
    /// 22P03
    InvalidBinaryRepresentation = "22P03",
    /// 23502
    NotNullViolation = "23502",
    /// 23503
    ForeignKeyViolation = "23503",
    /// 23505
    UniqueViolation = "23505",
    /// 23514
    CheckViolation = "23514",
    /// 22000
    DataException = "22000",
    /// 2202E
    ArraySubscriptError = "2202E",
    /// 25001
    ActiveSqlTransaction = "25001",
    /// 25P01
    NoActiveSqlTransaction = "25P01",
    /// 25P02
    InFailedSqlTransaction = "25P02",
    /// 25006
    ReadOnlySqlTransaction = "25006",
    /// 26000
    InvalidSqlStatementName = "26000",
    /// 2BP01
    DependentObjectsStillExist = "2BP01",
    /// 34000
    InvalidCursorName = "34000",
    /// 3B001
    InvalidSavepointSpecification = "3B001",
    /// 40001
    SerializationFailure = "40001",
    /// 40P01
    DeadlockDetected = "40P01",
    /// 42501
    InsufficientPrivilege = "42501",
    /// 42601
    SyntaxError = "42601",
    /// 42602
    InvalidName = "42602",
    /// 42611
    InvalidColumnDefinition = "42611",
    /// 42701
    DuplicateColumn = "42701",
    /// 42702
    AmbiguousColumn = "42702",
    /// 42703
    UndefinedColumn = "42703",
    /// 42704
    UndefinedObject = "42704",
    /// 42710
    DuplicateObject = "42710",
    /// 42712
    DuplicateAlias = "42712",
    /// 42725
    AmbiguousFunction = "42725",
    /// 42803
    GroupingError = "42803",
    /// 42804
    DatatypeMismatch = "42804",
    /// 42809
    WrongObjectType = "42809",
    /// 42830
    InvalidForeignKey = "42830",
    /// 42846
    CannotCoerce = "42846",
    /// 42883
    UndefinedFunction = "42883",
    /// 42P01
    UndefinedTable = "42P01",
    /// 42P02
    UndefinedParameter = "42P02",
    /// 42P03
    DuplicateCursor = "42P03",
    /// 42P04
    DuplicateDatabase = "42P04",
    /// 42P06
    DuplicateSchema = "42P06",
    /// 42939
    ReservedName = "42939",
    /// 42P07
    DuplicateTable = "42P07",
    /// 42P10
    InvalidColumnReference = "42P10",
    /// 42P11
    InvalidCursorDefinition = "42P11",
    /// 42P20
    WindowingError = "42P20",
    /// 22013
    InvalidPrecedingOrFollowingSize = "22013",
    /// 22014
    InvalidArgumentForNtile = "22014",
    /// 22016
    InvalidArgumentForNthValue = "22016",
    /// 42P16
    InvalidTableDefinition = "42P16",
    /// 42P17
    InvalidObjectDefinition = "42P17",
    /// 42P19
    InvalidRecursion = "42P19",
    /// 42P18
    IndeterminateDatatype = "42P18",
    /// 3D000
    InvalidCatalogName = "3D000",
    /// 3F000
    InvalidSchemaName = "3F000",
    /// 54000
    ProgramLimitExceeded = "54000",
    /// 54001
    StatementTooComplex = "54001",
    /// 54023
    TooManyArguments = "54023",
    /// 54011
    TooManyColumns = "54011",
    /// 55P02
    CantChangeRuntimeParam = "55P02",
    /// 55P03
    LockNotAvailable = "55P03",
    /// 55P04
    UnsafeNewEnumValueUsage = "55P04",
    /// 55000
    ObjectNotInPrerequisiteState = "55000",
    /// 55006
    ObjectInUse = "55006",
    /// 53300
    TooManyConnections = "53300",
    /// 53400
    ConfigurationLimitExceeded = "53400",
    /// 57P01
    AdminShutdown = "57P01",
    /// 428C9
    GeneratedAlways = "428C9",
    /// 57014
    QueryCanceled = "57014",
    /// 58030
    IoError = "58030",
    /// 08P01
    ProtocolViolation = "08P01",
    /// 08006
    ConnectionFailure = "08006",
    /// XX000
    InternalError = "XX000",
    /// XX001
    DataCorrupted = "XX001",
}

/// An error raised by the engine, as PostgreSQL would report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineError {
    /// The SQLSTATE condition.
    pub state: SqlState,
    /// The primary message (PostgreSQL's wording where it has one).
    pub message: String,
    /// Optional DETAIL line.
    pub detail: Option<String>,
    /// Optional HINT line.
    pub hint: Option<String>,
    /// Optional 1-based character position in the statement text.
    pub position: Option<u32>,
    /// The object the error is about (boxed: most errors have none, and
    /// it keeps `Result<T, EngineError>` small).
    pub fields: Option<Box<ErrorFields>>,
}

/// PostgreSQL's object fields of an error report (`schema_name`,
/// `table_name`, `column_name`, `datatype_name`, `constraint_name`; wire
/// field codes `s`, `t`, `c`, `d`, `n`), set as PostgreSQL's
/// `errtable`, `errtablecol` and `errtableconstraint` set them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorFields {
    /// Schema of the object.
    pub schema: Option<String>,
    /// Table of the object.
    pub table: Option<String>,
    /// Column of the object.
    pub column: Option<String>,
    /// Data type of the object.
    pub datatype: Option<String>,
    /// Constraint of the object.
    pub constraint: Option<String>,
}

impl EngineError {
    /// An error with a state and a message.
    pub fn new(state: SqlState, message: impl Into<String>) -> Self {
        EngineError {
            state,
            message: message.into(),
            detail: None,
            hint: None,
            position: None,
            fields: None,
        }
    }

    /// 57014 `canceling statement due to user request`.
    pub fn canceled_by_user() -> Self {
        EngineError::new(
            SqlState::QueryCanceled,
            "canceling statement due to user request",
        )
    }

    /// 57014 `canceling statement due to statement timeout`.
    pub fn timed_out() -> Self {
        EngineError::new(
            SqlState::QueryCanceled,
            "canceling statement due to statement timeout",
        )
    }

    fn fields_mut(&mut self) -> &mut ErrorFields {
        self.fields.get_or_insert_with(Default::default)
    }

    /// Names the table the error is about (PostgreSQL's `errtable`).
    pub fn with_table(mut self, schema: &str, table: &str) -> Self {
        let f = self.fields_mut();
        f.schema = Some(schema.to_owned());
        f.table = Some(table.to_owned());
        self
    }

    /// Names the table and column the error is about (`errtablecol`).
    pub fn with_column(self, schema: &str, table: &str, column: &str) -> Self {
        let mut e = self.with_table(schema, table);
        e.fields_mut().column = Some(column.to_owned());
        e
    }

    /// Names the table and constraint the error is about
    /// (`errtableconstraint`).
    pub fn with_constraint(self, schema: &str, table: &str, constraint: &str) -> Self {
        let mut e = self.with_table(schema, table);
        e.fields_mut().constraint = Some(constraint.to_owned());
        e
    }

    /// Names the data type (and constraint) the error is about
    /// (PostgreSQL's `errdatatype` / `errdomainconstraint`).
    pub fn with_datatype(mut self, schema: &str, datatype: &str, constraint: Option<&str>) -> Self {
        let f = self.fields_mut();
        f.schema = Some(schema.to_owned());
        f.datatype = Some(datatype.to_owned());
        f.constraint = constraint.map(str::to_owned);
        self
    }

    /// Adds a DETAIL line.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Adds a HINT line.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a cursor position.
    pub fn with_position(mut self, position: u32) -> Self {
        self.position = Some(position);
        self
    }

    /// The SQLSTATE code, e.g. `"23505"`.
    pub fn code(&self) -> &'static str {
        self.state.code()
    }

    /// Shorthand for a 0A000 "not supported" error.
    pub fn unsupported(what: impl fmt::Display) -> Self {
        Self::new(
            SqlState::FeatureNotSupported,
            format!("{what} is not supported"),
        )
    }

    /// Shorthand for an XX000 internal error.
    pub fn internal(what: impl Into<String>) -> Self {
        Self::new(SqlState::InternalError, what)
    }
}

impl fmt::Display for EngineError {
    /// `ERROR:  message` in psql's style is the server's business; this
    /// prints `[SQLSTATE] message`, which is what test corpora match on.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.state.code(), self.message)
    }
}

impl std::error::Error for EngineError {}

impl From<StorageError> for EngineError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Serialization => EngineError::new(
                SqlState::SerializationFailure,
                "could not serialize access due to concurrent update",
            ),
            StorageError::Deadlock => {
                EngineError::new(SqlState::DeadlockDetected, "deadlock detected")
            }
            StorageError::LockTimeout => EngineError::new(
                SqlState::LockNotAvailable,
                "canceling statement due to lock timeout",
            ),
            // Callers that know the relation name it instead (see
            // `catalog::lock`).
            StorageError::LockNotAvailable => {
                EngineError::new(SqlState::LockNotAvailable, "could not obtain lock")
            }
            // The engine sets a wait's limits to its statement's deadline
            // and cancel flag (see `Session`).
            StorageError::WaitDeadline => EngineError::timed_out(),
            StorageError::WaitCanceled => EngineError::canceled_by_user(),
            StorageError::Engine(msg) => {
                EngineError::new(SqlState::IoError, format!("storage error: {msg}"))
            }
            StorageError::Corruption(msg) => {
                EngineError::new(SqlState::DataCorrupted, format!("corrupt data: {msg}"))
            }
        }
    }
}

/// Result alias of the engine.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;
