//! Running EXPLAIN: builds the plan's items, and under ANALYZE first runs
//! the statement with per-node counters.
//!
//! A statement with data-modifying `WITH` items (its prelude, see
//! [`crate::plan::cte_dml`]) runs them only under ANALYZE, first, as the
//! statement itself would; a plain EXPLAIN writes nothing. The items show
//! as the statement's `CTE name` init plans ([`explain_dml::attach_prelude`]).
//! Every relation of the statement, the prelude's included, is named by
//! one [`Builder`], the statement's own first, so repeated tables are
//! numbered as PostgreSQL numbers them (`b`, `b_1`).

use std::time::{Duration, Instant};

use rocksgres_storage::Transaction;

use super::explain_dml::{self, ConflictCounts, Counted, Dml};
use super::{Plan, Planned};
use crate::error::{EngineError, Result};
use crate::exec::ctx::Ctx;
use crate::exec::dml::{self, RowIds};
use crate::exec::instrument::{run_statement, Instrument};
use crate::exec::run::{run, Flow};
use crate::plan::explain::{Builder, Item};
use crate::plan::explain_options::ExplainOptions;
use crate::plan::node::Node;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Names the prelude's relations in `b`, after the statement's.
fn name_prelude(b: &mut Builder, plan: &Plan) -> Vec<String> {
    plan.prelude
        .iter()
        .map(|c| explain_dml::name(b, Dml::of(&c.plan)))
        .collect()
}

/// The lines of the plan `item` (with the prelude `names`, and the
/// counters `stats` of a run that took `elapsed`).
fn render<'p>(
    plan: &'p Plan,
    b: &mut Builder,
    mut item: Item<'p>,
    names: &[String],
    options: &ExplainOptions,
    run: Option<(&Instrument, Duration)>,
) -> Vec<String> {
    explain_dml::attach_prelude(b, &mut item, &plan.prelude, names);
    crate::plan::explain_format::lines(
        options.format,
        &item,
        run.map(|(s, _)| (s, options.timing)),
        options
            .summary
            .then(|| (ms(plan.planning), run.map(|(_, e)| ms(e)))),
    )
}

/// Runs `f` with per-node counters, after the prelude when it has one;
/// gives its result, the counters and the time taken.
fn counted<T: Transaction, R>(
    plan: &Plan,
    ctx: &mut Ctx<'_, T>,
    rowids: &impl RowIds,
    f: impl FnOnce(&mut Ctx<'_, T>) -> Result<R>,
) -> Result<(R, Box<Instrument>, Duration)> {
    let started = Instant::now();
    ctx.instrument = Some(Box::default());
    let ran = crate::exec::cte_dml::run_prelude(&plan.prelude, ctx, rowids).and_then(|()| f(ctx));
    let stats = ctx.instrument.take().unwrap_or_default();
    Ok((ran?, stats, started.elapsed()))
}

/// `EXPLAIN [ANALYZE]` of a query: under ANALYZE runs it, discarding its
/// rows, and renders the plan with the counters (and PostgreSQL's
/// summary lines).
pub(super) fn explain_query<T: Transaction>(
    plan: &Plan,
    node: &Node,
    options: &ExplainOptions,
    ctx: &mut Ctx<'_, T>,
    rowids: &impl RowIds,
) -> Result<Vec<String>> {
    let ran = if options.analyze {
        let ((), stats, took) = counted(plan, ctx, rowids, |ctx| {
            run(node, ctx, &mut |_, _| Ok(Flow::Continue)).map(|_| ())
        })?;
        Some((stats, took))
    } else {
        None
    };
    let mut b = Builder::new(ctx.max_parallel_workers());
    b.set_analyze(options.analyze);
    b.name_relations(&[node], Vec::new());
    let names = name_prelude(&mut b, plan);
    let mut item = b.item(node);
    item.relationship = None;
    let run = ran.as_ref().map(|(s, t)| (&**s, *t));
    Ok(render(plan, &mut b, item, &names, options, run))
}

/// `EXPLAIN [ANALYZE]` of an INSERT, UPDATE, DELETE or MERGE (see
/// [`explain_dml`]); with ANALYZE the statement runs, its RETURNING rows
/// discarded.
pub(super) fn explain_dml<T: Transaction>(
    plan: &Plan,
    inner: &Planned,
    options: &ExplainOptions,
    ctx: &mut Ctx<'_, T>,
    rowids: &impl RowIds,
) -> Result<Vec<String>> {
    let dml = match inner {
        Planned::Insert(p) => Dml::Insert(p),
        Planned::Update(p) => Dml::Update(p),
        Planned::Delete(p) => Dml::Delete(p),
        Planned::Merge(p) => Dml::Merge(p),
        _ => {
            return Err(EngineError::internal(
                "EXPLAIN of a statement that is not DML",
            ))
        }
    };
    let mut counts = None;
    let mut ran = None;
    if options.analyze {
        let (out, stats, took) = counted(plan, ctx, rowids, |ctx| match dml {
            Dml::Insert(p) => run_statement(p, !p.returning.is_empty(), ctx, |ctx| {
                dml::run_insert(p, ctx, rowids)
            }),
            Dml::Update(p) => run_statement(p, !p.returning.is_empty(), ctx, |ctx| {
                dml::run_modify(p, false, ctx)
            }),
            Dml::Delete(p) => run_statement(p, !p.returning.is_empty(), ctx, |ctx| {
                dml::run_modify(p, true, ctx)
            }),
            Dml::Merge(p) => run_statement(p, false, ctx, |ctx| {
                let did = crate::exec::merge::run_merge(p, ctx, rowids)?;
                counts = Some(Counted::Merge(did));
                Ok(dml::DmlOutcome {
                    count: did.changed(),
                    ..Default::default()
                })
            }),
        })?;
        if let Dml::Insert(p) = dml {
            if !matches!(p.on_conflict, dml::OnConflict::Error) {
                counts = Some(Counted::Conflict(ConflictCounts {
                    inserted: out.inserted,
                    conflicting: out.conflicting,
                }));
            }
        }
        ran = Some((stats, took));
    }
    let mut b = Builder::new(ctx.max_parallel_workers());
    b.set_analyze(options.analyze);
    let refname = explain_dml::name(&mut b, dml);
    let names = name_prelude(&mut b, plan);
    let item = explain_dml::item(&mut b, dml, &refname, counts);
    let run = ran.as_ref().map(|(s, t)| (&**s, *t));
    Ok(render(plan, &mut b, item, &names, options, run))
}
