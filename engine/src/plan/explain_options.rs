//! EXPLAIN's options, checked as PostgreSQL checks them.
//!
//! `EXPLAIN ANALYZE q`, `EXPLAIN VERBOSE q` and the parenthesised list
//! `EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF, FORMAT TEXT) q` become one
//! [`ExplainOptions`]. Boolean options take PostgreSQL's spellings (`on`,
//! `off`, `true`, `false`, `1`, `0`, or nothing for on); an unknown option
//! is 42601, a bad value 22023, `TIMING` or `WAL` without `ANALYZE` 22023,
//! as in PostgreSQL. What the engine does not show (`VERBOSE` output
//! lists, `BUFFERS`, `WAL`, `SETTINGS`) fails with 0A000 instead of
//! being ignored. `FORMAT` is text, JSON, YAML or XML. `COSTS` is accepted either way:
//! the engine's plans carry no cost estimates yet, so they always print as
//! with `COSTS OFF`.

use sqlparser::ast::{self as ast};

use crate::error::{EngineError, Result, SqlState};
use crate::plan::explain::Format;

/// What an EXPLAIN shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExplainOptions {
    /// Run the statement and show actual row counts and loops.
    pub analyze: bool,
    /// Show actual times (with `analyze`; default on).
    pub timing: bool,
    /// Show planning and execution time (default on with `analyze`).
    pub summary: bool,
    /// The output format.
    pub format: Format,
}

/// The options of `EXPLAIN`.
pub fn parse(
    analyze: bool,
    verbose: bool,
    format: Option<&ast::AnalyzeFormatKind>,
    options: Option<&[ast::UtilityOption]>,
) -> Result<ExplainOptions> {
    let mut analyze = analyze;
    let mut verbose = verbose;
    let mut timing: Option<bool> = None;
    let mut summary: Option<bool> = None;
    let mut unsupported: Vec<&str> = Vec::new();
    let mut wal = false;
    let mut out_format = Format::Text;
    if let Some(f) = format {
        out_format = check_format(&f.to_string())?;
    }
    for o in options.unwrap_or_default() {
        let name = o.name.value.to_ascii_lowercase();
        match name.as_str() {
            "analyze" => analyze = flag(&name, o.arg.as_ref())?,
            "verbose" => verbose = flag(&name, o.arg.as_ref())?,
            "costs" => {
                flag(&name, o.arg.as_ref())?;
            }
            "timing" => timing = Some(flag(&name, o.arg.as_ref())?),
            "summary" => summary = Some(flag(&name, o.arg.as_ref())?),
            "buffers" => {
                if flag(&name, o.arg.as_ref())? {
                    unsupported.push("EXPLAIN (BUFFERS)");
                }
            }
            "settings" => {
                if flag(&name, o.arg.as_ref())? {
                    unsupported.push("EXPLAIN (SETTINGS)");
                }
            }
            "wal" => wal = flag(&name, o.arg.as_ref())?,
            "format" => {
                let text = match &o.arg {
                    Some(ast::Expr::Identifier(id)) => id.value.clone(),
                    Some(ast::Expr::Value(v)) => match &v.value {
                        ast::Value::SingleQuotedString(s) => s.clone(),
                        other => other.to_string(),
                    },
                    Some(e) => e.to_string(),
                    None => {
                        return Err(EngineError::new(
                            SqlState::SyntaxError,
                            "format requires a parameter",
                        ))
                    }
                };
                out_format = check_format(&text)?;
            }
            _ => {
                return Err(EngineError::new(
                    SqlState::SyntaxError,
                    format!("unrecognized EXPLAIN option \"{name}\""),
                ))
            }
        }
    }
    if wal && !analyze {
        return Err(invalid("EXPLAIN option WAL requires ANALYZE"));
    }
    if timing == Some(true) && !analyze {
        return Err(invalid("EXPLAIN option TIMING requires ANALYZE"));
    }
    if wal {
        unsupported.push("EXPLAIN (WAL)");
    }
    if verbose {
        unsupported.push("EXPLAIN VERBOSE");
    }
    if let Some(what) = unsupported.first() {
        return Err(EngineError::unsupported(what));
    }
    Ok(ExplainOptions {
        analyze,
        timing: timing.unwrap_or(analyze),
        summary: summary.unwrap_or(analyze),
        format: out_format,
    })
}

fn invalid(message: &str) -> EngineError {
    EngineError::new(SqlState::InvalidParameterValue, message)
}

/// `FORMAT x`: text, json, yaml or xml; anything else PostgreSQL's 22023.
fn check_format(text: &str) -> Result<Format> {
    match text.to_ascii_lowercase().as_str() {
        "text" => Ok(Format::Text),
        "json" => Ok(Format::Json),
        "yaml" => Ok(Format::Yaml),
        "xml" => Ok(Format::Xml),
        other => Err(invalid(&format!(
            "unrecognized value for EXPLAIN option \"format\": \"{other}\""
        ))),
    }
}

/// A boolean option's value (no value is true).
fn flag(name: &str, arg: Option<&ast::Expr>) -> Result<bool> {
    let Some(arg) = arg else {
        return Ok(true);
    };
    let text = match arg {
        ast::Expr::Identifier(id) => id.value.to_ascii_lowercase(),
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Boolean(b) => return Ok(*b),
            ast::Value::Number(n, _) => n.clone(),
            ast::Value::SingleQuotedString(s) => s.to_ascii_lowercase(),
            other => other.to_string(),
        },
        other => other.to_string().to_ascii_lowercase(),
    };
    match text.as_str() {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" => Ok(false),
        _ => Err(EngineError::new(
            SqlState::SyntaxError,
            format!("{name} requires a Boolean value"),
        )),
    }
}
