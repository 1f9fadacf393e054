//! The engine's modules form layers, and imports point down only.
//!
//! `engine/src/lib.rs` documents the order; [`LAYERS`] below is the same
//! list, lowest first. This test reads every source file of the engine and
//! fails when a module names a module above it (`crate::exec::...` in
//! `plan`, `super::super::session` in `sql`, a `crate::{...}` group), so a
//! new upward import is caught at once instead of growing into a cycle.
//! Comments are ignored: a doc link may point anywhere.
//!
//! [`ALLOWED`] lists the upward edges still left, each with the file it is
//! in and why it is there. The list may only shrink: an entry whose import
//! is gone fails the test too, so it is removed with the import.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The top-level modules of the engine, lowest layer first. A module may
/// import the modules before it, never those after it.
const LAYERS: &[&str] = &[
    // SQLSTATE errors; the statement interrupt (cancel, timeout).
    "error",
    "interrupt",
    // The key layout, the rows changed per table (for autoanalyze) and
    // the storage transaction wrapper.
    "keys",
    "change_count",
    "db_txn",
    // Parsing: sqlparser plus the statements and clauses it lacks, and
    // the identifier rules.
    "sql",
    // Values, SQL types, operators, built-in functions.
    "types",
    // Session settings (GUCs), typed with `types`.
    "settings",
    // Descriptors stored in the catalog keyspace, name resolution, the
    // system relations' definitions.
    "catalog",
    // Binding and planning.
    "plan",
    // `pg_catalog` / `information_schema` rows, deparsing.
    "syscat",
    // Result sets as the embedding API returns them.
    "result",
    // Operators and DDL execution.
    "exec",
    // The background ANALYZE of changed tables (runs ANALYZE's code).
    "autoanalyze",
    "result_sink",
    // The embedding API: a database and its sessions.
    "database",
    "session",
];

/// Upward edges not removed yet: (file under `engine/src`, the higher
/// module it names, why).
const ALLOWED: &[(&str, &str, &str)] = &[
    (
        "types/functions.rs",
        "syscat",
        "the built-in function table lists the catalog functions \
         (`syscat::functions::candidates`), whose evaluators read a \
         `syscat::Snapshot` through `FunctionEnv`; needs a function registry \
         that the upper layers fill",
    ),
    (
        "types/functions.rs",
        "settings",
        "`FunctionEnv::current_setting`'s default answer reads \
         `Settings::default()`; goes with the registry above",
    ),
    (
        "sql/cursor_stmt.rs",
        "plan",
        "DECLARE CURSOR's query analysis asks the planner which function \
         names are aggregates or window functions; the file belongs next \
         to the session's cursors",
    ),
    (
        "sql/cursor_stmt.rs",
        "session",
        "the same analysis uses the session's SELECT ... INTO detection",
    ),
    (
        "plan/bind.rs",
        "syscat",
        "`regtype` names of built-in types come from syscat's generated \
         `pg_type` rows (`type_name_of`), and `pg_typeof`-style codes from \
         `code_of`",
    ),
    (
        "plan/explain_expr.rs",
        "syscat",
        "EXPLAIN prints constants as `pg_get_expr` does \
         (`syscat::deparse::const_text`)",
    ),
    (
        "plan/explain.rs",
        "exec",
        "EXPLAIN ANALYZE reads the executor's instruments and row-lock \
         details: EXPLAIN is a stage above execution and should move out of \
         `plan`",
    ),
    (
        "plan/merge.rs",
        "exec",
        "MERGE plans its INSERT and UPDATE actions with the DML planning \
         that still lives in `exec::dml`, `exec::checks`, `exec::generated` \
         and `exec::foreign_keys`",
    ),
    (
        "plan/cte_dml.rs",
        "exec",
        "data-modifying WITH plans its statements with `exec::dml`'s \
         `InsertPlan` and `ModifyPlan` (as MERGE)",
    ),
    (
        "exec/database_ddl.rs",
        "database",
        "CREATE/DROP DATABASE act on the shared `Database` (its store and \
         database list), not on one transaction; they belong beside \
         `database.rs`",
    ),
    (
        "exec/database_copy.rs",
        "database",
        "CREATE DATABASE ... TEMPLATE copies through the shared `Database` \
         (goes with the move above)",
    ),
    (
        "database.rs",
        "session",
        "`Database::session` opens a `Session`: the embedding API's entry \
         point, while the session keeps the `Arc<Database>` it runs on",
    ),
];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: `plan/bind.rs` -> `[plan, bind]`,
/// `syscat/mod.rs` -> `[syscat]`, `lib.rs` -> `[]`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

/// The source with comments, string and char literals blanked out (so
/// neither a doc link nor a message text counts as an import), same
/// length and line breaks.
fn code_only(src: &str) -> Vec<u8> {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            let end = b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |p| i + p);
            blank(&mut out, i, end);
            i = end;
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            let mut j = i;
            while j < b.len() {
                if b[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if b[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if b[i] == b'r' && (i == 0 || !is_ident(b[i - 1]) || b[i - 1] == b'b') && {
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            b.get(i + 1 + hashes) == Some(&b'"')
        } {
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            let mut close = vec![b'"'];
            close.extend(std::iter::repeat_n(b'#', hashes));
            let start = i + 2 + hashes;
            let end = b[start..]
                .windows(close.len())
                .position(|w| w == close.as_slice())
                .map_or(b.len(), |p| start + p + close.len());
            blank(&mut out, i, end);
            i = end;
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                if b[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            blank(&mut out, i, (j + 1).min(b.len()));
            i = j + 1;
        } else if b[i] == b'\'' {
            // A char literal ('x', '\n', '\u{..}'), not a lifetime ('a).
            let end = if b.get(i + 1) == Some(&b'\\') {
                b[i + 2..]
                    .iter()
                    .position(|&c| c == b'\'')
                    .map(|p| i + 2 + p)
            } else {
                let ch_len = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                (b.get(i + 1 + ch_len) == Some(&b'\'')).then_some(i + 1 + ch_len)
            };
            match end {
                Some(e) => {
                    blank(&mut out, i, e + 1);
                    i = e + 1;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn ident_at(code: &[u8], i: usize) -> String {
    let end = code[i..]
        .iter()
        .position(|&c| !is_ident(c))
        .map_or(code.len(), |p| i + p);
    String::from_utf8_lossy(&code[i..end]).into_owned()
}

fn skip_space(code: &[u8], mut i: usize) -> usize {
    while i < code.len() && code[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The first segments of the items of a `{...}` group starting at `i`
/// (just after the `{`): `{a::b, c, d::{e, f}}` -> `[a, c, d]`.
fn group_heads(code: &[u8], mut i: usize) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 1;
    let mut at_item = true;
    while i < code.len() && depth > 0 {
        let c = code[i];
        match c {
            b'{' => depth += 1,
            b'}' => depth -= 1,
            b',' if depth == 1 => at_item = true,
            _ if depth == 1 && at_item && is_ident(c) => {
                let id = ident_at(code, i);
                i += id.len();
                heads.push(id);
                at_item = false;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    heads
}

/// Every top-level module `code` names: `crate::m`, `crate::{m, ...}`,
/// and `super::` chains that climb to the crate root. `file_path` is the
/// file's module path; inline `mod x { ... }` blocks add a level.
fn referenced_modules(code: &[u8], file_path: &[String]) -> Vec<(usize, String)> {
    let mut refs = Vec::new();
    // Brace depths at which inline modules opened.
    let mut inline_mods: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut pending_mod = false;
    let mut i = 0;
    let line_of = |i: usize| code[..i].iter().filter(|&&c| c == b'\n').count() + 1;
    while i < code.len() {
        let c = code[i];
        if c == b'{' {
            depth += 1;
            if pending_mod {
                inline_mods.push(depth);
                pending_mod = false;
            }
            i += 1;
            continue;
        }
        if c == b'}' {
            if inline_mods.last() == Some(&depth) {
                inline_mods.pop();
            }
            depth = depth.saturating_sub(1);
            i += 1;
            continue;
        }
        if c == b';' {
            pending_mod = false;
        }
        if !is_ident(c) || (i > 0 && (is_ident(code[i - 1]) || code[i - 1] == b':')) {
            i += 1;
            continue;
        }
        let word = ident_at(code, i);
        let next = i + word.len();
        if word == "mod" {
            pending_mod = true;
            i = next;
            continue;
        }
        if word == "crate" && code[next..].starts_with(b"::") {
            let j = skip_space(code, next + 2);
            if code.get(j) == Some(&b'{') {
                for h in group_heads(code, j + 1) {
                    refs.push((line_of(i), h));
                }
            } else if code.get(j).is_some_and(|&c| is_ident(c)) {
                refs.push((line_of(i), ident_at(code, j)));
            }
        } else if word == "super" {
            let mut ups = 0;
            let mut j = i;
            while code[j..].starts_with(b"super::") {
                ups += 1;
                j += "super::".len();
            }
            let level = file_path.len() + inline_mods.len();
            if ups == level {
                let j = skip_space(code, j);
                if code.get(j) == Some(&b'{') {
                    for h in group_heads(code, j + 1) {
                        refs.push((line_of(i), h));
                    }
                } else if code.get(j).is_some_and(|&c| is_ident(c)) {
                    refs.push((line_of(i), ident_at(code, j)));
                }
            }
            i = j.max(next);
            continue;
        }
        i = next;
    }
    refs
}

#[test]
fn imports_point_down() {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
    let mut problems = Vec::new();
    let mut used_allowances = BTreeSet::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let rel_text = rel.to_string_lossy().replace('\\', "/");
        let path = module_path(rel);
        let Some(top) = path.first() else {
            continue; // lib.rs
        };
        let Some(from) = rank(top) else {
            problems.push(format!(
                "{rel_text}: module `{top}` has no place in LAYERS (tests/layers.rs); \
                 add it where it belongs and to lib.rs's list"
            ));
            continue;
        };
        let code = code_only(&fs::read_to_string(file).unwrap());
        for (line, target) in referenced_modules(&code, &path) {
            let Some(to) = rank(&target) else {
                continue; // an item of lib.rs, or not a module
            };
            if to <= from {
                continue;
            }
            if let Some(a) = ALLOWED
                .iter()
                .find(|(f, m, _)| *f == rel_text && *m == target)
            {
                used_allowances.insert((a.0, a.1));
                continue;
            }
            problems.push(format!(
                "{rel_text}:{line}: `{top}` imports `{target}`, a higher layer \
                 (order in tests/layers.rs and lib.rs): move what it needs down"
            ));
        }
    }
    for (f, m, _) in ALLOWED {
        if !used_allowances.contains(&(*f, *m)) {
            problems.push(format!(
                "allow-list entry ({f}, {m}) is no longer needed: remove it"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_layer_is_a_module() {
    let lib = fs::read_to_string(src_dir().join("lib.rs")).unwrap();
    let declared: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';').to_string())
        .collect();
    let layers: BTreeSet<String> = LAYERS.iter().map(|s| s.to_string()).collect();
    assert_eq!(declared, layers, "lib.rs's modules and LAYERS differ");
    // lib.rs's `//!` lists the same order.
    let doc: String = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut at = 0;
    for l in LAYERS {
        let needle = format!("[`{l}`]");
        let Some(p) = doc[at..].find(&needle) else {
            panic!("lib.rs's layer list does not name {needle} after the layers below it");
        };
        at += p + needle.len();
    }
}

#[test]
fn the_scanner_sees_imports() {
    let code = code_only(
        "use crate::{plan::x, exec};\n// crate::session::X\nfn f() { \
         let s = \"crate::database\"; crate::syscat::y(); }\n\
         mod tests { use super::super::result::Row; }\n",
    );
    let refs: Vec<String> = referenced_modules(&code, &["sql".to_string()])
        .into_iter()
        .map(|(_, m)| m)
        .collect();
    assert_eq!(refs, ["plan", "exec", "syscat", "result"]);
}
