//! The extended query protocol (Parse, Bind, Describe, Execute, Sync).
//!
//! Parse prepares the statement in the engine right away
//! ([`rocksgres_engine::Session::prepare_typed`], on the blocking pool), so
//! Describe can answer parameter OIDs and the RowDescription before any
//! Bind; client-sent parameter types are passed through (unknown OIDs mean
//! "infer"). pgwire stores statements and portals per connection; Bind uses
//! pgwire's default. Execute is replaced here: it decodes text and binary
//! parameters to engine values, runs the prepared statement, and streams
//! the rows in the requested result formats to the socket as they are
//! produced ([`crate::stream`]). A row limit (`max_rows`) suspends the
//! portal (pgwire's `PortalExecutionState`). A query that can resume (a
//! table scan under filters and projections; see
//! [`rocksgres_engine::Session::open_portal`]) then runs only as far as
//! each Execute needs: its rows, errors and side effects come with the
//! Execute that reaches them, as in PostgreSQL. Any other result goes
//! into a spillable row store (in memory up to `work_mem`, in a temporary
//! file beyond) kept in the portal, and later Executes encode and send
//! the next rows from it. Close and Sync close the engine's portal too.
//!
//! Transactions follow PostgreSQL: outside an explicit block, the
//! statements executed up to a Sync form one implicit transaction
//! ([`rocksgres_engine::Session::begin_implicit`]) that Sync commits; after
//! an error pgwire skips every message until Sync, and the transaction is
//! failed (by the engine for its own errors, by the connection loop in
//! [`crate::connection`] for the errors of the protocol layer): an
//! implicit one is rolled back, an explicit block refuses everything with
//! 25P02 until ROLLBACK. Sync then reports the session's own transaction
//! status. Describe of a statement answers as PostgreSQL does (always a
//! ParameterDescription, NoData for a statement without result columns).
//! COPY statements are recognised at Parse and run through [`crate::copy`].
//! Parse and Close are pgwire's defaults plus bookkeeping of the statement
//! names, which `DEALLOCATE` drops (see [`crate::state::StatementNames`]).

use std::fmt::Debug;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use async_trait::async_trait;
use futures::{Sink, SinkExt};
use pgwire::api::portal::{Format, Portal, PortalExecutionState};
use pgwire::api::query::{send_describe_response, ExtendedQueryHandler};
use pgwire::api::results::{
    DescribePortalResponse, FieldFormat, FieldInfo, QueryResponse, Response,
};
use pgwire::api::stmt::{QueryParser, StoredStatement};
use pgwire::api::store::{Entry, PortalStore};
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireConnectionState, Type, DEFAULT_NAME};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::data::{DataRow, ParameterDescription};
use pgwire::messages::extendedquery::{
    Bind, BindComplete, Close, CloseComplete, Describe, Execute, Parse, ParseComplete,
    PortalSuspended, Sync as PgSync, TARGET_TYPE_BYTE_PORTAL, TARGET_TYPE_BYTE_STATEMENT,
};
use pgwire::messages::response::{CommandComplete, EmptyQueryResponse, ReadyForQuery};
use pgwire::messages::startup::ParameterStatus;
use pgwire::messages::PgWireBackendMessage;
use rocksgres_engine::exec::spill::TupleStore;
use rocksgres_engine::{Column, Prepared, Row, SqlType, StoreSink, Value};

use crate::binary;
use crate::copy::statement::{self, CopyCommand, Direction};
use crate::copy::{copy_in, copy_out};
use crate::handler::Handler;
use crate::startup::{changed_parameters, reported_parameters};
use crate::state::{conn_state, drop_deallocated, ConnState};
use crate::stream::before_engine_call;
use crate::wire::{
    engine_error, error_response, format_code, internal_error, notice_response, user_error,
    RowEncoder,
};

/// What a Parse produced.
pub enum StmtKind {
    /// A statement the engine prepared.
    Engine(Prepared),
    /// A COPY statement (run by the server).
    Copy(CopyCommand),
}

/// A parsed statement, as stored in pgwire's per-connection statement store.
pub struct Stmt {
    /// The statement.
    pub kind: StmtKind,
    /// Parameter types as OIDs for ParameterDescription.
    pub param_types: Vec<Type>,
}

impl Stmt {
    fn columns(&self) -> &[Column] {
        match &self.kind {
            StmtKind::Engine(p) => &p.columns,
            StmtKind::Copy(_) => &[],
        }
    }
}

/// Whether `sql` is a SHOW statement.
fn is_show(sql: &str) -> bool {
    let t = sql.trim_start().as_bytes();
    t.len() > 4 && t[..4].eq_ignore_ascii_case(b"show") && t[4].is_ascii_whitespace()
}

/// pgwire's [`QueryParser`]: prepares statements in the engine.
pub struct StatementParser;

/// The pgwire type for an engine type (unknown to pgwire: `unknown`).
pub fn pg_type(ty: &SqlType) -> Type {
    Type::from_oid(ty.oid()).unwrap_or(Type::UNKNOWN)
}

/// The FieldInfo (RowDescription entry) of column `idx`.
fn field_info(col: &Column, idx: usize, formats: Option<&Format>) -> FieldInfo {
    let format = FieldFormat::from(format_code(formats, idx));
    FieldInfo::new(col.name.clone(), None, None, pg_type(&col.ty), format)
        .with_type_size(col.ty.type_len())
        .with_type_modifier(col.ty.typmod())
}

#[async_trait]
impl QueryParser for StatementParser {
    type Statement = Arc<Stmt>;

    async fn parse_sql<C>(
        &self,
        client: &C,
        sql: &str,
        types: &[Option<Type>],
    ) -> PgWireResult<Option<Self::Statement>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        if statement::is_copy(sql) {
            let cmd = statement::parse(sql).map_err(|e| user_error(e.code, e.message))?;
            return Ok(Some(Arc::new(Stmt {
                kind: StmtKind::Copy(cmd),
                param_types: Vec::new(),
            })));
        }
        let conn = conn_state(client)?;
        let declared: Vec<SqlType> = types
            .iter()
            .map(|t| {
                t.as_ref()
                    .and_then(|t| SqlType::from_oid(t.oid()))
                    .unwrap_or(SqlType::Unknown)
            })
            .collect();
        let sql = sql.to_owned();
        let prepared = conn
            .run(move |s| {
                let mut p = s.prepare_typed(&sql, &declared)?;
                if p.columns.is_empty() && is_show(&sql) {
                    // The engine describes only planned statements; SHOW
                    // has no side effects, so run it once to learn its
                    // columns (see the report: engine API wish).
                    if let Ok(r) = s.query(&sql, &[]) {
                        p.columns = r.columns;
                    }
                }
                Ok::<_, rocksgres_engine::EngineError>(p)
            })
            .await?
            .map_err(|e| engine_error(&e))?;
        let param_types = prepared.param_types.iter().map(pg_type).collect();
        Ok(Some(Arc::new(Stmt {
            kind: StmtKind::Engine(prepared),
            param_types,
        })))
    }

    fn get_parameter_types(&self, stmt: &Self::Statement) -> PgWireResult<Vec<Type>> {
        Ok(stmt.param_types.clone())
    }

    fn get_result_schema(
        &self,
        stmt: &Self::Statement,
        column_format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        Ok(stmt
            .columns()
            .iter()
            .enumerate()
            .map(|(i, c)| field_info(c, i, column_format))
            .collect())
    }
}

/// Decodes a portal's parameters to engine values (text stays text for the
/// engine to parse to the parameter type; binary is decoded here).
fn decode_params(portal: &Portal<Arc<Stmt>>, types: &[SqlType]) -> PgWireResult<Vec<Value>> {
    let mut out = Vec::with_capacity(portal.parameters.len());
    for (i, p) in portal.parameters.iter().enumerate() {
        let ty = types.get(i).copied().unwrap_or(SqlType::Unknown);
        out.push(match p {
            None => Value::Null,
            Some(bytes) if portal.parameter_format.is_binary(i) => binary::decode(bytes, &ty)?,
            Some(bytes) => Value::Text(
                std::str::from_utf8(bytes)
                    .map_err(|_| {
                        user_error("22021", "invalid byte sequence for encoding \"UTF8\"")
                    })?
                    .to_owned(),
            ),
        });
    }
    Ok(out)
}

/// The columns of the SQL cursor a Describe of a portal names, when no
/// protocol portal has that name: in PostgreSQL a `DECLARE`d cursor is a
/// portal (psycopg describes its named cursors this way).
async fn describe_sql_cursor<C>(
    client: &C,
    message: &Describe,
) -> PgWireResult<Option<Vec<FieldInfo>>>
where
    C: ClientInfo + ClientPortalStore + Unpin + Send + Sync,
    C::PortalStore: PortalStore<Statement = Arc<Stmt>>,
{
    let name = message.name.as_deref().unwrap_or(DEFAULT_NAME);
    if name.is_empty() || client.portal_store().get_portal(name).is_some() {
        return Ok(None);
    }
    let cursor = name.to_owned();
    let columns = conn_state(client)?
        .run(move |s| s.cursor_columns(&cursor))
        .await?;
    Ok(columns.map(|cols| {
        cols.iter()
            .enumerate()
            .map(|(i, c)| field_info(c, i, None))
            .collect()
    }))
}

/// Sends fetched rows from a suspended portal and PortalSuspended or the
/// final CommandComplete.
async fn fetch_portal<C>(
    client: &mut C,
    portal: &Portal<Arc<Stmt>>,
    max_rows: usize,
) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    use futures::StreamExt;
    let fetched = portal.fetch(max_rows).await?;
    let mut response = fetched.response;
    let tag = response.command_tag().to_owned();
    let mut n = 0;
    while let Some(row) = response.data_rows().next().await {
        client.feed(PgWireBackendMessage::DataRow(row?)).await?;
        n += 1;
    }
    if fetched.suspended {
        client
            .feed(PgWireBackendMessage::PortalSuspended(PortalSuspended::new()))
            .await?;
    } else {
        // As PostgreSQL: the tag of the statement, counting the rows this
        // Execute sent (`INSERT 0 n` for INSERT ... RETURNING).
        client
            .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
                format!("{tag} {n}"),
            )))
            .await?;
    }
    Ok(())
}

#[async_trait]
impl ExtendedQueryHandler for Handler {
    type Statement = Arc<Stmt>;
    type QueryParser = StatementParser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        Arc::clone(&self.parser)
    }

    async fn on_parse<C>(&self, client: &mut C, message: Parse) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let name = message.name.as_deref().unwrap_or(DEFAULT_NAME).to_owned();
        match StoredStatement::parse(client, &message, self.query_parser()).await? {
            Some(stmt) => client.portal_store().put_statement(Arc::new(stmt)),
            None => client.portal_store().put_empty_statement(&name),
        }
        conn_state(client)?.statements.parsed(&name);
        client
            .send(PgWireBackendMessage::ParseComplete(ParseComplete::new()))
            .await?;
        Ok(())
    }

    /// pgwire's Bind, plus PostgreSQL's Bind-time planning errors: a
    /// statement whose planning raised a data exception (constant folding
    /// of `1/0`) fails here, after ParseComplete, and fails the
    /// transaction.
    async fn on_bind<C>(&self, client: &mut C, message: Bind) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let statement_name = message.statement_name.as_deref().unwrap_or(DEFAULT_NAME);
        let portal_name = message.portal_name.as_deref().unwrap_or(DEFAULT_NAME);
        match client.portal_store().get_statement(statement_name) {
            Some(Entry::Value(statement)) => {
                if let StmtKind::Engine(p) = &statement.statement.kind {
                    if let Some(e) = p.plan_error() {
                        let e = engine_error(e);
                        let conn = conn_state(client)?;
                        conn.run(|s| {
                            s.begin_implicit();
                            s.fail_transaction();
                        })
                        .await?;
                        client.set_transaction_status(conn.wire_status());
                        return Err(e);
                    }
                }
                let portal = Portal::try_new(&message, statement)?;
                client.portal_store().put_portal(Arc::new(portal));
            }
            Some(Entry::Empty) => {
                if !message.parameters.is_empty() {
                    return Err(user_error(
                        "08P01",
                        format!(
                            "bind message supplies {} parameters, but prepared statement \"{}\" requires 0",
                            message.parameters.len(),
                            statement_name
                        ),
                    ));
                }
                client.portal_store().put_empty_portal(portal_name);
            }
            None => return Err(PgWireError::StatementNotFound(statement_name.to_owned())),
        }
        client
            .send(PgWireBackendMessage::BindComplete(BindComplete::new()))
            .await?;
        Ok(())
    }

    /// Describe as PostgreSQL answers it. For a statement: always a
    /// ParameterDescription (even with no parameters), then its
    /// RowDescription, or NoData when it returns no rows. (pgwire's default
    /// sends a RowDescription with no columns for a statement that has
    /// parameters but no result, such as `INSERT ... VALUES ($1)`; pgjdbc
    /// then takes each Execute of it for a query returning an empty result
    /// set and reports an update count of 0 in `executeBatch`.)
    /// Portals are pgwire's default: RowDescription or NoData.
    async fn on_describe<C>(&self, client: &mut C, message: Describe) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if message.target_type == TARGET_TYPE_BYTE_PORTAL {
            if let Some(fields) = describe_sql_cursor(client, &message).await? {
                return send_describe_response(client, &DescribePortalResponse::new(fields)).await;
            }
        }
        if message.target_type != TARGET_TYPE_BYTE_STATEMENT {
            return self._on_describe(client, message).await;
        }
        let name = message.name.as_deref().unwrap_or(DEFAULT_NAME);
        let (params, fields) = match client.portal_store().get_statement(name) {
            Some(Entry::Value(stmt)) => {
                let described = self.do_describe_statement(client, &stmt).await?;
                (described.parameters, described.fields)
            }
            Some(Entry::Empty) => (Vec::new(), Vec::new()),
            None => return Err(PgWireError::StatementNotFound(name.to_owned())),
        };
        client
            .send(PgWireBackendMessage::ParameterDescription(
                ParameterDescription::new(params.iter().map(Type::oid).collect()),
            ))
            .await?;
        // A portal's response carries no parameters: RowDescription, or
        // NoData when there are no columns.
        send_describe_response(client, &DescribePortalResponse::new(fields)).await
    }

    async fn on_close<C>(&self, client: &mut C, message: Close) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let name = message.name.as_deref().unwrap_or(DEFAULT_NAME);
        match message.target_type {
            TARGET_TYPE_BYTE_STATEMENT => {
                client.portal_store().rm_statement(name);
                conn_state(client)?.statements.closed(name);
            }
            TARGET_TYPE_BYTE_PORTAL => {
                client.portal_store().rm_portal(name);
                let name = name.to_owned();
                conn_state(client)?
                    .run(move |s| s.close_portal(&name))
                    .await?;
            }
            _ => {}
        }
        client
            .send(PgWireBackendMessage::CloseComplete(CloseComplete::new()))
            .await?;
        Ok(())
    }

    async fn on_execute<C>(&self, client: &mut C, message: Execute) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if !matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            return Err(PgWireError::NotReadyForQuery);
        }
        let portal_name = message.name.as_deref().unwrap_or(DEFAULT_NAME);
        let max_rows = usize::try_from(message.max_rows).unwrap_or(0);
        let portal = match client.portal_store().get_portal(portal_name) {
            Some(Entry::Value(p)) => p,
            Some(Entry::Empty) => {
                client
                    .feed(PgWireBackendMessage::EmptyQueryResponse(
                        EmptyQueryResponse::new(),
                    ))
                    .await?;
                return Ok(());
            }
            None => return Err(PgWireError::PortalNotFound(portal_name.to_owned())),
        };
        let conn = conn_state(client)?;
        conn.execute_limit.store(max_rows, Ordering::Relaxed);
        let started = !matches!(*portal.state().lock().await, PortalExecutionState::Initial);
        if started {
            return fetch_portal(client, &portal, max_rows).await;
        }
        let stmt = Arc::clone(&portal.statement.statement);
        let prepared = match &stmt.kind {
            StmtKind::Copy(cmd) => {
                let cmd = cmd.clone();
                return match cmd.direction {
                    Direction::From => copy_in::start(client, &conn, cmd, true).await,
                    Direction::To => copy_out::run(client, &conn, cmd).await,
                };
            }
            StmtKind::Engine(p) => p,
        };
        let params = match decode_params(&portal, &prepared.param_types) {
            Ok(p) => p,
            Err(e) => {
                // Any error fails the transaction, as in PostgreSQL.
                conn.run(|s| {
                    s.begin_implicit();
                    s.fail_transaction();
                })
                .await?;
                client.set_transaction_status(conn.wire_status());
                return Err(e);
            }
        };
        let formats = &portal.result_column_format;
        if max_rows > 0 {
            // A query that can resume runs as the portal is fetched (see
            // `lazy_portal_rows`).
            before_engine_call(client).await?;
            let opened = conn.run_borrowing(|s| {
                s.begin_implicit();
                s.open_portal(portal_name, prepared, &params)
            })?;
            client.set_transaction_status(conn.wire_status());
            if let Some(columns) = opened.map_err(|e| engine_error(&e))? {
                let schema: Vec<FieldInfo> = columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| field_info(c, i, Some(formats)))
                    .collect();
                let enc = RowEncoder::new(&columns, Some(formats));
                let rows = lazy_portal_rows(Arc::clone(&conn), portal_name.to_owned(), enc);
                let mut response = QueryResponse::new(Arc::new(schema), rows);
                response.set_command_tag("SELECT");
                portal.start(response).await;
                return fetch_portal(client, &portal, max_rows).await;
            }
        }
        // Without a row limit the rows stream to the socket as they are
        // produced (see `crate::stream`); a limited Execute keeps them for
        // the suspended portal in a `StoreSink` (in memory up to work_mem,
        // a temporary file beyond it, removed with the portal).
        before_engine_call(client).await?;
        let mut sink = conn.sink(Some(formats), false);
        let mut kept: Option<StoreSink> = None;
        let result = conn.run_borrowing(|s| {
            s.begin_implicit();
            if max_rows == 0 {
                s.query_prepared_to(prepared, &params, &mut sink)
            } else {
                let rows = kept.insert(StoreSink::new(TupleStore::new(s.spill_env())));
                s.query_prepared_to(prepared, &params, rows)
            }
        })?;
        let streamed = sink.streamed();
        sink.finish(client).await?;
        drop_deallocated(client, &conn);
        client.set_transaction_status(conn.wire_status());
        let result = result.map_err(|e| engine_error(&e))?;
        for n in &result.notices {
            client
                .feed(PgWireBackendMessage::NoticeResponse(notice_response(n)))
                .await?;
        }
        if streamed || !result.returns_rows() {
            client
                .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
                    result.tag.to_string(),
                )))
                .await?;
            return Ok(());
        }
        let mut enc = RowEncoder::new(&result.columns, Some(formats));
        let Some(kept) = kept else {
            // Unlimited, and collected (RETURNING): sent as it is.
            for row in &result.rows {
                client
                    .feed(PgWireBackendMessage::DataRow(enc.encode(row)?))
                    .await?;
            }
            client
                .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
                    result.tag.to_string(),
                )))
                .await?;
            return Ok(());
        };
        let mut store = kept.into_store(&result).map_err(|e| engine_error(&e))?;
        store.rewind();
        if store.len() <= max_rows {
            while let Some(row) = store.next().map_err(|e| engine_error(&e))? {
                client
                    .feed(PgWireBackendMessage::DataRow(
                        enc.encode(Row::from_values(row))?,
                    ))
                    .await?;
            }
            client
                .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
                    result.tag.to_string(),
                )))
                .await?;
            return Ok(());
        }
        let schema: Vec<FieldInfo> = result
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| field_info(c, i, Some(formats)))
            .collect();
        let mut response = QueryResponse::new(Arc::new(schema), stored_rows(store, enc));
        // The tag without its row count (`SELECT`, `INSERT 0`).
        let full = result.tag.to_string();
        let verb = full
            .rsplit_once(' ')
            .map_or(full.as_str(), |(verb, _)| verb)
            .to_owned();
        response.set_command_tag(&verb);
        portal.start(response).await;
        fetch_portal(client, &portal, max_rows).await
    }

    async fn on_sync<C>(&self, client: &mut C, _message: PgSync) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        client.portal_store().rm_portal(DEFAULT_NAME);
        if let Ok(conn) = conn_state(client) {
            // Closed before the implicit transaction commits, which would
            // run the rest of its query.
            conn.run(|s| s.close_portal(DEFAULT_NAME)).await?;
        }
        // Pgwire routes Sync here in state AwaitingSync after an error:
        // the implicit transaction (if one is still open) is rolled back.
        let failed = matches!(client.state(), PgWireConnectionState::AwaitingSync);
        let status = match conn_state(client) {
            Ok(conn) => {
                let (ended, now) = conn
                    .run(move |s| (s.end_implicit(!failed), reported_parameters(s)))
                    .await?;
                if let Err(e) = ended {
                    client
                        .feed(PgWireBackendMessage::ErrorResponse(error_response(&e)))
                        .await?;
                }
                for (name, value) in changed_parameters(&conn, now) {
                    client
                        .feed(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
                            name.to_owned(),
                            value,
                        )))
                        .await?;
                }
                conn.wire_status()
            }
            Err(_) => client.transaction_status(),
        };
        client.set_transaction_status(status);
        client
            .send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(
                status,
            )))
            .await?;
        Ok(())
    }

    async fn do_query<C>(
        &self,
        _client: &mut C,
        _portal: &Portal<Self::Statement>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // on_execute is overridden and never calls this.
        Err(internal_error("extended query dispatch error".into()))
    }
}

/// The DataRows of a suspended portal, read from its store as the client
/// fetches them.
fn stored_rows(
    store: TupleStore,
    enc: RowEncoder,
) -> impl futures::Stream<Item = PgWireResult<DataRow>> + Send + 'static {
    futures::stream::unfold(Some((store, enc)), |state| async move {
        let (mut store, mut enc) = state?;
        let item = match store.next() {
            Ok(Some(row)) => enc.encode(Row::from_values(row)),
            Ok(None) => return None,
            Err(e) => return Some((Err(engine_error(&e)), None)),
        };
        Some((item, Some((store, enc))))
    })
}

/// The DataRows of a portal whose query runs as it is fetched
/// ([`rocksgres_engine::Session::portal_fetch`]): each batch runs the
/// query on for the row limit of the Execute asking for it
/// ([`crate::state::ConnState::execute_limit`]), so its errors and side
/// effects happen at the Execute that reaches them.
fn lazy_portal_rows(
    conn: Arc<ConnState>,
    name: String,
    enc: RowEncoder,
) -> impl futures::Stream<Item = PgWireResult<DataRow>> + Send + 'static {
    struct State {
        conn: Arc<ConnState>,
        name: String,
        enc: RowEncoder,
        batch: std::collections::VecDeque<DataRow>,
        more: bool,
    }
    let state = State {
        conn,
        name,
        enc,
        batch: Default::default(),
        more: true,
    };
    futures::stream::unfold(Some(state), |state| async move {
        let mut st = state?;
        if st.batch.is_empty() && st.more {
            let want = st.conn.execute_limit.load(Ordering::Relaxed).max(1) as u64;
            let mut encoding = None;
            let State {
                conn,
                name,
                enc,
                batch,
                ..
            } = &mut st;
            let fetched = conn.run_borrowing(|s| {
                s.portal_fetch(name, want, &mut |row| match enc.encode(row) {
                    Ok(r) => {
                        batch.push_back(r);
                        Ok(())
                    }
                    Err(e) => {
                        encoding = Some(e);
                        Err(rocksgres_engine::EngineError::internal("encoding a row"))
                    }
                })
            });
            match fetched {
                Err(e) => return Some((Err(e), None)),
                Ok(Err(e)) => {
                    let e = encoding.unwrap_or_else(|| engine_error(&e));
                    return Some((Err(e), None));
                }
                Ok(Ok(more)) => st.more = more,
            }
        }
        let row = st.batch.pop_front()?;
        Some((Ok(row), Some(st)))
    })
}
