//! psql's describe meta-commands (`\l`, `\dt`, `\d table`, ...) against a
//! real PostgreSQL 15 and against Rocksgres, compared line by line, with a
//! golden file recording every difference that remains and why.
//!
//! # Method
//!
//! 1. **Same schema on both servers.** A fresh Rocksgres server
//!    ([`TestServer`]) and a throwaway PostgreSQL 15 cluster
//!    ([`PostgresRef`]) each get [`SETUP`] (a table with a primary key, a
//!    UNIQUE constraint, CHECK constraints, a secondary index, NOT NULL and
//!    DEFAULT columns of several types; a second plain table without any index; a view; a few
//!    rows; a table with a serial and two identity columns, a standalone
//!    sequence and one OWNED BY a column; a parent and a child table linked by
//!    a foreign key; comments, a statistics target and a storage kind),
//!    then `pgbench -i -s 1` (the pgbench tables, for
//!    `\d pgbench_accounts`). Set-up must succeed on both: a failure there is
//!    a test failure, not a describe difference.
//! 2. **One psql per command.** Every entry of [`COMMANDS`] runs as its own
//!    `psql -X -E -f -` on each server (script on stdin, so error prefixes
//!    read `psql:<stdin>:N:` on both sides, and `LC_ALL=C` so psql's own
//!    messages are untranslated). stdout and stderr are captured separately
//!    and compared as stdout followed by stderr, which is deterministic
//!    (merged into one file, psql's buffered stdout and unbuffered stderr
//!    may interleave differently from run to run). A non-zero exit status
//!    or a timeout is appended as a line of its own, so it is compared too.
//!    `-E` (`--echo-hidden`) makes psql print each catalog query it sends;
//!    these echoes are cut out of the compared output and kept for
//!    diagnostics: when Rocksgres fails a command, the last echoed query is
//!    the one that failed, and the report shows it with the error.
//! 3. **Normalisation** ([`normalise`]), the same on both outputs, removes
//!    only what may legitimately differ between two correct servers; each
//!    rule is listed with its reason in [`COLUMN_RULES`], [`ROW_RULES`] and
//!    [`normalise_line`]. Values are replaced by placeholders such as
//!    `<owner>`, and the shape of every table (title, column names, rows,
//!    alignment) is kept ([`ROW_RULES`] may drop rows and recount, but
//!    lists none today). Where a
//!    replaced value changes a column's width, the table is re-rendered
//!    exactly as psql's aligned format would print it (and only after
//!    checking that re-rendering the unchanged table reproduces psql's
//!    output byte for byte; otherwise the table is left untouched).
//! 4. **Diff.** Per command, a unified line diff (one line of context) from
//!    PostgreSQL's normalised output (`-`) to Rocksgres's (`+`). An empty
//!    diff is the goal.
//! 5. **Golden file.** `golden/psql_describe.diff` records every expected
//!    non-empty diff: an entry `=== <command>`, one or more `# reason:`
//!    lines written by a human, then the diff lines. The test passes only
//!    when the set of diffs equals the file exactly: a new difference, a
//!    changed one and one that disappeared (remove its entry) all fail, and
//!    so does any entry whose reason is missing or still `TODO`.
//!
//! # Running and updating
//!
//! ```sh
//! export CARGO_TARGET_DIR=$HOME/.cache/rocksgres-target
//! cargo test --release --workspace --test psql_describe -- --nocapture
//! # rewrite the diff part of the golden file from this run:
//! UPDATE_GOLDEN=1 cargo test --release --workspace --test psql_describe
//! ```
//!
//! `UPDATE_GOLDEN=1` keeps the reason lines of entries that still exist,
//! writes `# reason: TODO` for new ones and drops entries whose difference
//! is gone; the test then still fails until every `TODO` is replaced by a
//! real explanation. The per-command report (status, Rocksgres's failing
//! query and error) is printed on stdout: `--nocapture` shows it on
//! success, and cargo shows it anyway when the test fails.

mod server_harness;

use std::fmt::Write as _;
use std::io::{Read, Seek, Write};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rocksgres_regression_tests::postgres_ref::PostgresRef;
use server_harness::{pg_tool, psql_command, TestServer};

/// The schema and rows created on both servers before `pgbench -i`, one
/// statement per entry.
const SETUP: &[&str] = &[
    "create table items (id int primary key, sku varchar(20) not null unique, \
     name text not null default 'unnamed', price numeric(10,2) default 0 check (price >= 0), \
     qty int not null default 1, created timestamp, active boolean default true, \
     constraint qty_range check (qty > 0 and qty < 1000), check (sku <> ''))",
    "create index items_name_idx on items (name)",
    // A plain table: no primary key, no index, no defaults.
    "create table notes (note_id bigint, body text, weight double precision, tag char(3))",
    "create view expensive_items as select id, name, price from items where price > 100",
    "insert into items (id, sku, name, price, created) values \
     (1, 'A-1', 'widget', 9.50, '2024-01-02 03:04:05'), (2, 'B-2', 'gadget', 120.00, null)",
    "insert into notes values (1, 'hello', 1.5, 'abc')",
    // Sequences: a serial column, identity columns of both kinds, a
    // standalone sequence with every option and one OWNED BY a column.
    "create table tickets (id serial primary key, code bigint generated always as identity, \
     seq_no int generated by default as identity (start with 100 increment by 10), note text)",
    "create sequence order_numbers as integer increment by -5 minvalue -1000 maxvalue 1000 \
     start with 500 cache 10 cycle",
    "create sequence note_seq owned by notes.note_id",
    "insert into tickets (note) values ('first'), ('second')",
    "select nextval('order_numbers')",
    // A foreign key: `\d` prints "Foreign-key constraints:" for the
    // referencing table and "Referenced by:" for the referenced one.
    "create table fk_parent (id int primary key, label text)",
    "create table fk_child (id int primary key, parent_id int not null \
     references fk_parent (id) on delete cascade, note text)",
    "insert into fk_parent values (1, 'one')",
    "insert into fk_child values (10, 1, 'child')",
    // Comments (`\dt+`, `\d+` Description), a statistics target and a
    // storage kind (`\d+` Stats target and Storage).
    "comment on table notes is 'free-form notes'",
    "comment on column items.sku is 'stock keeping unit'",
    "alter table items alter column name set statistics 200, alter column sku set storage main",
];

/// The commands compared: the label used in the golden file and report,
/// and the psql script run (each in a fresh psql, so `\x` and `\timing`
/// start from off and toggle on).
const COMMANDS: &[(&str, &str)] = &[
    ("\\l", "\\l"),
    ("\\dn", "\\dn"),
    ("\\du", "\\du"),
    ("\\dt", "\\dt"),
    ("\\dt+", "\\dt+"),
    ("\\di", "\\di"),
    ("\\dv", "\\dv"),
    ("\\ds", "\\ds"),
    ("\\d", "\\d"),
    ("\\d items", "\\d items"),
    ("\\d+ items", "\\d+ items"),
    ("\\d notes", "\\d notes"),
    ("\\d expensive_items", "\\d expensive_items"),
    ("\\d+ expensive_items", "\\d+ expensive_items"),
    ("\\d pgbench_accounts", "\\d pgbench_accounts"),
    ("\\d pgbench_branches", "\\d pgbench_branches"),
    ("\\d tickets", "\\d tickets"),
    ("\\d+ tickets", "\\d+ tickets"),
    ("\\ds+", "\\ds+"),
    ("\\d tickets_id_seq", "\\d tickets_id_seq"),
    ("\\d tickets_code_seq", "\\d tickets_code_seq"),
    ("\\d tickets_seq_no_seq", "\\d tickets_seq_no_seq"),
    ("\\d order_numbers", "\\d order_numbers"),
    ("\\d note_seq", "\\d note_seq"),
    ("\\d fk_parent", "\\d fk_parent"),
    ("\\d fk_child", "\\d fk_child"),
    (
        "select * from pg_sequences",
        "select * from pg_sequences order by sequencename;",
    ),
    (
        "\\dt + \\d of a temp table",
        "CREATE TEMP TABLE tmp_items (id int PRIMARY KEY, note text NOT NULL);\n\\dt\n\\d tmp_items",
    ),
    (
        "\\d of a table with NULLS NOT DISTINCT, INCLUDE and partial indexes",
        "CREATE TEMP TABLE ix_opts (a int, b int, c text, UNIQUE NULLS NOT DISTINCT (a));\n\
         CREATE UNIQUE INDEX ix_opts_b ON ix_opts (b) INCLUDE (c) NULLS NOT DISTINCT WHERE b > 0 AND c IS NOT NULL;\n\
         CREATE INDEX ix_opts_c ON ix_opts (c) WHERE c <> 'x';\n\\d ix_opts",
    ),
    (
        "schemas: \\dn, \\dn+, \\dt s.*, \\d s.t, \\dt along search_path",
        "CREATE SCHEMA sch;\n\
         CREATE TABLE sch.st (id serial PRIMARY KEY, v text NOT NULL);\n\
         CREATE INDEX st_v ON sch.st (v);\n\
         CREATE TABLE sch.items (x int);\n\
         \\dn\n\\dn+\n\\dt sch.*\n\\d sch.st\n\\dt\n\
         SET search_path TO sch, public;\n\\dt\n\\d st\n\
         DROP SCHEMA sch CASCADE;",
    ),
    (
        "\\d of a table with generated columns",
        "CREATE TEMP TABLE gen_cols (a int NOT NULL, b int GENERATED ALWAYS AS (a * 2) STORED, c text, d text GENERATED ALWAYS AS (upper(c)) STORED);\n\\d gen_cols",
    ),
    (
        "\\d of tables with DEFERRABLE primary keys and INCLUDE columns (rolled back)",
        "BEGIN;\n\
         CREATE TABLE dpk1 (a int PRIMARY KEY DEFERRABLE, b text);\n\
         CREATE TABLE dpk2 (a int, b int, c text, CONSTRAINT dpk2_k PRIMARY KEY (a, b) INCLUDE (c) DEFERRABLE INITIALLY DEFERRED, UNIQUE (c) INCLUDE (a));\n\
         ALTER TABLE dpk1 ADD COLUMN u int UNIQUE;\n\
         \\d dpk1\n\\d dpk2\nROLLBACK;",
    ),
    ("\\df", "\\df"),
    ("\\dT", "\\dT"),
    (
        "\\dT, \\dT+ and \\d of an enum type and a table using it (rolled back)",
        "BEGIN;\n\
         CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');\n\
         ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok';\n\
         CREATE TABLE moods (id int PRIMARY KEY, m mood NOT NULL DEFAULT 'ok');\n\
         \\dT\n\\dT+\n\\d moods\nROLLBACK;",
    ),
    (
        "\\dT, \\dT+ and \\d of a composite type and a table using it (rolled back)",
        "BEGIN;\n\
         CREATE TYPE public.pair AS (a int, b text);\n\
         CREATE TABLE pairs (id int PRIMARY KEY, p pair);\n\
         \\dT\n\\dT+\n\\d pair\n\\d pairs\nROLLBACK;",
    ),
    (
        "\\dT and \\d of a table with columns of another table's row type (rolled back)",
        "BEGIN;\n\
         CREATE TABLE rowt_p (a int, b text);\n\
         CREATE TABLE rowt_q (id int PRIMARY KEY, r rowt_p, rs rowt_p[]);\n\
         \\dT\n\\d rowt_q\nROLLBACK;",
    ),
    (
        "\\dD, \\dT and \\d of domains and a table using them (rolled back)",
        "BEGIN;\n\
         CREATE DOMAIN public.posint AS int CHECK (VALUE > 0);\n\
         CREATE DOMAIN code varchar(5) DEFAULT 'AB' NOT NULL CONSTRAINT code_upper CHECK (upper(VALUE) = VALUE);\n\
         CREATE TABLE dom_t (id int PRIMARY KEY, p posint, c code DEFAULT 'XY');\n\
         \\dD\n\\dT\n\\d dom_t\nROLLBACK;",
    ),
    (
        "\\x + select * from items order by id",
        "\\x\nselect * from items order by id;",
    ),
    (
        "\\timing + select count(*) from pgbench_accounts",
        "\\timing\nselect count(*) from pgbench_accounts;",
    ),
];

/// How long one psql invocation may take before it is killed (a server
/// that never answers must fail the test, not hang it).
const PSQL_TIMEOUT: Duration = Duration::from_secs(60);

/// Lines of unchanged context around each change in a diff.
const DIFF_CONTEXT: usize = 1;

/// The first line of a query echo printed by `psql -E`.
const ECHO_START: &str = "********* QUERY **********";

/// The last line of a query echo printed by `psql -E` (followed by one
/// blank line).
const ECHO_END: &str = "**************************";

/// A column normalisation: in every table titled `title`, each non-empty
/// value of the column headed `header` becomes `placeholder`. Empty values
/// stay empty (an owner that is missing is a real difference).
struct ColumnRule {
    title: &'static str,
    header: &'static str,
    placeholder: &'static str,
}

/// The column normalisations and why each value may legitimately differ.
const COLUMN_RULES: &[ColumnRule] = &[
    // Owner and role names: PostgreSQL's objects belong to the bootstrap
    // superuser of the test cluster (`postgres`) and the public schema to
    // `pg_database_owner`; Rocksgres names owners after its own users.
    ColumnRule {
        title: "List of relations",
        header: "Owner",
        placeholder: "<owner>",
    },
    ColumnRule {
        title: "List of schemas",
        header: "Owner",
        placeholder: "<owner>",
    },
    ColumnRule {
        title: "List of databases",
        header: "Owner",
        placeholder: "<owner>",
    },
    ColumnRule {
        title: "List of roles",
        header: "Role name",
        placeholder: "<owner>",
    },
    // On-disk sizes (`\dt+`): heap pages in PostgreSQL (`8192 bytes`,
    // `16 kB`), whatever Rocksgres's storage reports.
    ColumnRule {
        title: "List of relations",
        header: "Size",
        placeholder: "<size>",
    },
    // Collation and ctype of a database depend on the locale the cluster
    // was created with (`initdb --locale=C` for the reference).
    ColumnRule {
        title: "List of databases",
        header: "Collate",
        placeholder: "<locale>",
    },
    ColumnRule {
        title: "List of databases",
        header: "Ctype",
        placeholder: "<locale>",
    },
];

/// A row normalisation: in every table titled `title`, rows whose column
/// `header` holds one of `values` are dropped, and the `(N rows)` footer is
/// recounted.
struct RowRule {
    title: &'static str,
    header: &'static str,
    values: &'static [&'static str],
}

/// The row normalisations and why each row may legitimately be absent:
/// none today (`\l` lists `postgres`, `template0` and `template1` on both
/// servers; the database *name* is never normalised).
const ROW_RULES: &[RowRule] = &[];

/// Line normalisations that apply anywhere in the output, with the reason
/// for each:
///
/// * `Time: 1.234 ms` (and `Time: 1234.567 ms (00:01.235)`) printed by
///   `\timing` becomes `Time: <ms>`: wall-clock time.
/// * `OID 16384` becomes `OID <oid>`: object identifiers are assigned by
///   each server independently (they appear in messages such as `relation
///   with OID 16384 does not exist`).
/// * `pg_temp_3` becomes `pg_temp_<n>`: a session's temp schema is
///   numbered by its backend slot, which each server assigns independently.
fn normalise_line(line: &str) -> String {
    let line = normalise_temp_schema(line);
    let line = line.as_str();
    if let Some(rest) = line.strip_prefix("Time: ") {
        let number = rest.split(' ').next().unwrap_or("");
        let is_number =
            !number.is_empty() && number.chars().all(|c| c.is_ascii_digit() || c == '.');
        if is_number && rest[number.len()..].starts_with(" ms") {
            return "Time: <ms>".to_owned();
        }
    }
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("OID ") {
        let (before, after) = rest.split_at(at + 4);
        out.push_str(before);
        // Only the word `OID` (not e.g. `VOID`), followed by digits.
        let word = !before[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if word && digits > 0 {
            out.push_str("<oid>");
            rest = &after[digits..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Replaces the number of every `pg_temp_<digits>` by `<n>` (both
/// servers use one-digit numbers here, so table alignment is unaffected).
fn normalise_temp_schema(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("pg_temp_") {
        let (before, after) = rest.split_at(at + "pg_temp_".len());
        out.push_str(before);
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push_str("<n>");
            rest = &after[digits..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Normalises one command's output (query echoes already removed): the
/// line rules of [`normalise_line`], then the table rules
/// ([`COLUMN_RULES`], [`ROW_RULES`]).
fn normalise(output: &str) -> Vec<String> {
    let lines: Vec<String> = output.lines().map(normalise_line).collect();
    normalise_tables(&lines)
}

/// What one psql invocation printed.
struct PsqlRun {
    /// Standard output, with the `-E` query echoes cut out.
    stdout: String,
    /// Standard error.
    stderr: String,
    /// The catalog queries psql sent and echoed (`-E`), in order.
    hidden: Vec<String>,
    /// Empty when psql exited with status 0; otherwise a line such as
    /// `[psql exit status 1]` or `[psql timed out after 60 s]`.
    status: String,
}

impl PsqlRun {
    /// The output that is compared: stdout, then stderr, then the status
    /// line when there is one.
    fn output(&self) -> String {
        let mut out = self.stdout.clone();
        out.push_str(&self.stderr);
        if !self.status.is_empty() {
            out.push_str(&self.status);
            out.push('\n');
        }
        out
    }

    /// The first error psql printed (the first stderr line containing
    /// `ERROR:`, `FATAL:` or `error:`), if any.
    fn first_error(&self) -> Option<&str> {
        self.stderr
            .lines()
            .find(|l| l.contains("ERROR:") || l.contains("FATAL:") || l.contains("error:"))
    }
}

/// Runs `script` through `psql -X -E -f -` against `port`; see the module
/// documentation for why stdout and stderr are kept apart.
fn run_psql(port: u16, script: &str) -> PsqlRun {
    let mut stdout_file = tempfile::tempfile().expect("cannot create a temporary file");
    let mut stderr_file = tempfile::tempfile().expect("cannot create a temporary file");
    let mut child = psql_command(port)
        .args(["-E", "-v", "ON_ERROR_STOP=0", "-f", "-"])
        .env("LC_ALL", "C")
        .stdin(Stdio::piped())
        .stdout(Stdio::from(stdout_file.try_clone().expect("dup")))
        .stderr(Stdio::from(stderr_file.try_clone().expect("dup")))
        .spawn()
        .expect("cannot run psql");
    {
        let mut stdin = child.stdin.take().expect("stdin is piped");
        stdin
            .write_all(format!("{script}\n").as_bytes())
            .expect("cannot write the script to psql");
    }
    let deadline = Instant::now() + PSQL_TIMEOUT;
    let status = loop {
        match child.try_wait().expect("cannot wait for psql") {
            Some(status) if status.success() => break String::new(),
            Some(status) => break format!("[psql exit status {}]", status.code().unwrap_or(-1)),
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break format!("[psql timed out after {} s]", PSQL_TIMEOUT.as_secs());
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    let read = |file: &mut std::fs::File| {
        let mut bytes = Vec::new();
        file.rewind().expect("rewind");
        file.read_to_end(&mut bytes).expect("read psql output");
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let (stdout, hidden) = split_echoes(&read(&mut stdout_file));
    PsqlRun {
        stdout,
        stderr: read(&mut stderr_file),
        hidden,
        status,
    }
}

/// Cuts the query echoes of `psql -E` out of `stdout`: returns the rest and
/// the echoed queries.
fn split_echoes(stdout: &str) -> (String, Vec<String>) {
    let mut rest = String::new();
    let mut queries = Vec::new();
    let mut lines = stdout.lines();
    while let Some(line) = lines.next() {
        if line != ECHO_START {
            rest.push_str(line);
            rest.push('\n');
            continue;
        }
        let mut query = Vec::new();
        for line in lines.by_ref() {
            if line == ECHO_END {
                break;
            }
            query.push(line);
        }
        queries.push(query.join("\n"));
        // The echo ends with a blank line.
        let mut peek = lines.clone();
        if peek.next() == Some("") {
            lines = peek;
        }
    }
    (rest, queries)
}

/// One table printed in psql's default aligned format (border 1), parsed
/// back into cells.
#[derive(Debug, Clone, PartialEq)]
struct Table {
    /// The title line, without its centring.
    title: String,
    headers: Vec<String>,
    /// Per column: right-aligned (numbers) rather than left-aligned.
    right: Vec<bool>,
    /// Rows of cells; a cell holds one string per line (values containing
    /// newlines span several lines).
    rows: Vec<Vec<Vec<String>>>,
}

/// Display width of a psql cell (the outputs compared are ASCII; psql
/// counts display columns, which equals chars there).
fn width(s: &str) -> usize {
    s.chars().count()
}

impl Table {
    /// Column widths: the widest header or cell line of each column.
    fn widths(&self) -> Vec<usize> {
        (0..self.headers.len())
            .map(|j| {
                let cells = self.rows.iter().flat_map(|r| r[j].iter()).map(|s| width(s));
                cells.chain([width(&self.headers[j])]).max().unwrap_or(0)
            })
            .collect()
    }

    /// Renders the table exactly as psql's `print_aligned_text` does with
    /// border 1 and no wrapping: centred title, centred headers, a
    /// `---+---` rule, then the rows (a cell that continues on the next
    /// line ends with `+`; the last column is not padded unless
    /// right-aligned or continued). Footers are not part of the table.
    fn render(&self) -> Vec<String> {
        let widths = self.widths();
        let n = widths.len();
        let total: usize = widths.iter().sum::<usize>() + 3 * n - 1;
        let mut out = Vec::new();
        let title_width = width(&self.title);
        if title_width >= total {
            out.push(self.title.clone());
        } else {
            out.push(format!(
                "{}{}",
                " ".repeat((total - title_width) / 2),
                self.title
            ));
        }
        let headers: Vec<String> = self
            .headers
            .iter()
            .zip(&widths)
            .map(|(h, &w)| {
                let left = (w - width(h)) / 2;
                format!("{}{h}{}", " ".repeat(left), " ".repeat(w - width(h) - left))
            })
            .collect();
        out.push(format!(" {} ", headers.join(" | ")));
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(w + 2)).collect();
        out.push(rule.join("+"));
        for row in &self.rows {
            let height = row.iter().map(Vec::len).max().unwrap_or(1).max(1);
            for k in 0..height {
                let mut line = String::new();
                for j in 0..n {
                    let last = j + 1 == n;
                    let text = row[j].get(k);
                    let more = k + 1 < row[j].len();
                    line.push(' ');
                    let pad = " ".repeat(widths[j] - text.map_or(0, |t| width(t)));
                    match text {
                        Some(t) if self.right[j] => {
                            line.push_str(&pad);
                            line.push_str(t);
                        }
                        Some(t) => {
                            line.push_str(t);
                            if !last || more {
                                line.push_str(&pad);
                            }
                        }
                        None if !last => line.push_str(&pad),
                        None => {}
                    }
                    if more {
                        line.push('+');
                    } else if !last {
                        line.push(' ');
                    }
                    if !last {
                        line.push('|');
                    }
                }
                out.push(line);
            }
        }
        out
    }

    /// Parses the table whose `---+---` rule is `lines[rule]` (title at
    /// `rule - 2`, headers at `rule - 1`). Returns the table and the index
    /// of the first line after its rows, or `None` when the lines are not
    /// such a table or re-rendering it would not reproduce them exactly.
    fn parse(lines: &[String], rule: usize) -> Option<(Table, usize)> {
        if rule < 2 {
            return None;
        }
        let rule_line = &lines[rule];
        if !rule_line.starts_with('-') || !rule_line.chars().all(|c| c == '-' || c == '+') {
            return None;
        }
        let widths: Vec<usize> = rule_line
            .split('+')
            .map(|s| s.len().checked_sub(2))
            .collect::<Option<_>>()?;
        let n = widths.len();
        if n < 2 {
            return None;
        }
        // Column j's text occupies chars [starts[j], starts[j] + widths[j]).
        let starts: Vec<usize> = widths
            .iter()
            .scan(1, |at, w| {
                let start = *at;
                *at += w + 3;
                Some(start)
            })
            .collect();
        let total = starts[n - 1] + widths[n - 1] + 1;
        let slice = |chars: &[char], j: usize| -> String {
            chars[starts[j]..starts[j] + widths[j]].iter().collect()
        };
        let padded = |line: &str| -> Option<Vec<char>> {
            let mut chars: Vec<char> = line.chars().collect();
            if chars.len() > total {
                return None;
            }
            chars.resize(total, ' ');
            Some(chars)
        };
        let is_row_line = |chars: &[char]| {
            chars[0] == ' '
                && (1..n).all(|j| {
                    let bar = starts[j] - 2;
                    chars[bar] == '|'
                        && matches!(chars[bar - 1], ' ' | '+')
                        && chars[bar + 1] == ' '
                })
        };
        let header_chars = padded(&lines[rule - 1])?;
        if !is_row_line(&header_chars) {
            return None;
        }
        let headers: Vec<String> = (0..n)
            .map(|j| slice(&header_chars, j).trim().to_owned())
            .collect();

        // Physical lines -> rows of raw (padded) cell slices.
        let mut raw_rows: Vec<Vec<Vec<String>>> = Vec::new();
        let mut continuing = vec![false; n];
        let mut end = rule + 1;
        while end < lines.len() {
            let Some(chars) = padded(&lines[end]) else {
                break;
            };
            if !is_row_line(&chars) {
                break;
            }
            let new_row = !continuing.iter().any(|&c| c);
            if new_row {
                raw_rows.push(vec![Vec::new(); n]);
            }
            let row = raw_rows.last_mut()?;
            let mut next = vec![false; n];
            for j in 0..n {
                let text = slice(&chars, j);
                let mark = chars[starts[j] + widths[j]];
                if new_row || continuing[j] {
                    row[j].push(text);
                    next[j] = mark == '+';
                } else if mark != ' ' || !text.trim().is_empty() {
                    // Text in a column whose value has already ended.
                    return None;
                }
            }
            continuing = next;
            end += 1;
        }
        if continuing.iter().any(|&c| c) {
            return None;
        }

        // A column is right-aligned when some value is padded on the left
        // and none on the right.
        let right: Vec<bool> = (0..n)
            .map(|j| {
                let cells = || {
                    raw_rows
                        .iter()
                        .flat_map(|r| r[j].iter())
                        .filter(|s| !s.trim().is_empty())
                };
                cells().any(|s| s.starts_with(' ')) && !cells().any(|s| s.ends_with(' '))
            })
            .collect();
        let rows = raw_rows
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .enumerate()
                    .map(|(j, cell)| {
                        cell.into_iter()
                            .map(|s| {
                                if right[j] {
                                    s.trim_start()
                                } else {
                                    s.trim_end()
                                }
                                .to_owned()
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let table = Table {
            title: lines[rule - 2].trim_start().to_owned(),
            headers,
            right,
            rows,
        };
        (table.render() == lines[rule - 2..end]).then_some((table, end))
    }
}

/// Applies [`COLUMN_RULES`] and [`ROW_RULES`] to every psql table in
/// `lines` whose title has a rule; everything else is kept as it is.
fn normalise_tables(lines: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let titled = i + 2 < lines.len() && {
            let title = lines[i].trim();
            COLUMN_RULES.iter().any(|r| r.title == title)
                || ROW_RULES.iter().any(|r| r.title == title)
        };
        let parsed = if titled {
            Table::parse(lines, i + 2)
        } else {
            None
        };
        let Some((mut table, end)) = parsed else {
            out.push(lines[i].clone());
            i += 1;
            continue;
        };
        let rows_before = table.rows.len();
        for rule in ROW_RULES.iter().filter(|r| r.title == table.title) {
            if let Some(j) = table.headers.iter().position(|h| h == rule.header) {
                table.rows.retain(|row| {
                    !(row[j].len() == 1 && rule.values.contains(&row[j][0].as_str()))
                });
            }
        }
        for rule in COLUMN_RULES.iter().filter(|r| r.title == table.title) {
            if let Some(j) = table.headers.iter().position(|h| h == rule.header) {
                for row in &mut table.rows {
                    for line in row[j].iter_mut().filter(|l| !l.is_empty()) {
                        *line = rule.placeholder.to_owned();
                    }
                }
            }
        }
        out.extend(table.render());
        i = end;
        // Recount the `(N rows)` footer when rows were dropped.
        if table.rows.len() != rows_before && lines.get(i).is_some_and(|l| is_row_count(l)) {
            let n = table.rows.len();
            out.push(if n == 1 {
                "(1 row)".to_owned()
            } else {
                format!("({n} rows)")
            });
            i += 1;
        }
    }
    out
}

/// Whether `line` is psql's row-count footer, `(1 row)` or `(N rows)`.
fn is_row_count(line: &str) -> bool {
    line.strip_prefix('(')
        .and_then(|l| l.strip_suffix(" rows)").or_else(|| l.strip_suffix(" row)")))
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// A unified diff from `old` to `new`, with [`DIFF_CONTEXT`] lines of
/// context: `@@ -a,b +c,d @@` hunk headers, then lines prefixed with ` `
/// (both), `-` (only in `old`) or `+` (only in `new`). Empty when the
/// inputs are equal. Uses a longest common subsequence, so the outputs here
/// (tens of lines) are cheap.
fn unified_diff(old: &[String], new: &[String]) -> Vec<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Op {
        Same,
        Del,
        Ins,
    }
    let (n, m) = (old.len(), new.len());
    // lcs[i][j]: length of the LCS of old[i..] and new[j..].
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if old[i] == new[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // The edit script, each op with the (old, new) position before it.
    let mut ops: Vec<(Op, usize, usize)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            ops.push((Op::Same, i, j));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push((Op::Del, i, j));
            i += 1;
        } else {
            ops.push((Op::Ins, i, j));
            j += 1;
        }
    }
    let changes: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != Op::Same).collect();
    let mut out = Vec::new();
    let mut c = 0;
    while c < changes.len() {
        let start = changes[c].saturating_sub(DIFF_CONTEXT);
        let mut last = changes[c];
        while c + 1 < changes.len() && changes[c + 1] <= last + 2 * DIFF_CONTEXT + 1 {
            c += 1;
            last = changes[c];
        }
        c += 1;
        let end = (last + DIFF_CONTEXT + 1).min(ops.len());
        let hunk = &ops[start..end];
        let old_count = hunk.iter().filter(|o| o.0 != Op::Ins).count();
        let new_count = hunk.iter().filter(|o| o.0 != Op::Del).count();
        // As in GNU diff, an empty range starts at the line before it.
        let old_start = hunk[0].1 + usize::from(old_count > 0);
        let new_start = hunk[0].2 + usize::from(new_count > 0);
        out.push(format!(
            "@@ -{old_start},{old_count} +{new_start},{new_count} @@"
        ));
        for &(op, i, j) in hunk {
            out.push(match op {
                Op::Same => format!(" {}", old[i]),
                Op::Del => format!("-{}", old[i]),
                Op::Ins => format!("+{}", new[j]),
            });
        }
    }
    out
}

/// The golden file of known differences.
fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden/psql_describe.diff")
}

/// The explanation written at the top of a new golden file.
const GOLDEN_PREAMBLE: &str = "\
# Known differences between PostgreSQL 15 and Rocksgres in psql's describe
# meta-commands, checked by regression-tests/tests/psql_describe.rs (its module
# documentation describes the method and the normalisations applied first).
#
# One entry per command whose normalised output differs:
#   === <command>
#   # reason: <why the difference is acceptable; written by a human>
#   <unified diff: '-' PostgreSQL 15, '+' Rocksgres, ' ' context>
# `UPDATE_GOLDEN=1 cargo test --release --workspace --test psql_describe`
# rewrites the diff lines, keeps existing reasons and writes `# reason: TODO`
# for new entries; the test fails while any TODO is left.";

/// The reason written for a new golden entry; the test fails on it.
const TODO_REASON: &str = "# reason: TODO";

/// One entry of the golden file.
#[derive(Debug, Clone, PartialEq)]
struct GoldenEntry {
    /// The command label (see [`COMMANDS`]).
    command: String,
    /// The `#` lines after the header: the `# reason:` and any comment.
    comments: Vec<String>,
    /// The expected diff lines.
    diff: Vec<String>,
}

impl GoldenEntry {
    /// Why the entry's reason is not acceptable, if it is not: every entry
    /// needs a `# reason:` line with a real explanation, not `TODO`.
    fn reason_problem(&self) -> Option<&'static str> {
        let reasons: Vec<&str> = self
            .comments
            .iter()
            .filter_map(|c| c.strip_prefix("# reason:"))
            .map(str::trim)
            .collect();
        if reasons.is_empty() || reasons.iter().all(|r| r.is_empty()) {
            Some("has no `# reason:` line")
        } else if reasons.iter().any(|r| r.starts_with("TODO")) {
            Some("has a `# reason: TODO` still to be written")
        } else {
            None
        }
    }
}

/// The golden file: a comment preamble, then the entries.
#[derive(Debug, Clone, PartialEq)]
struct Golden {
    preamble: Vec<String>,
    entries: Vec<GoldenEntry>,
}

impl Golden {
    /// Parses the file's text. Blank lines separate entries and are
    /// otherwise ignored (a diff line always starts with ` `, `-`, `+` or
    /// `@`, so none is blank).
    fn parse(text: &str) -> Golden {
        let mut golden = Golden {
            preamble: Vec::new(),
            entries: Vec::new(),
        };
        for line in text.lines() {
            if let Some(command) = line.strip_prefix("=== ") {
                golden.entries.push(GoldenEntry {
                    command: command.to_owned(),
                    comments: Vec::new(),
                    diff: Vec::new(),
                });
            } else if let Some(entry) = golden.entries.last_mut() {
                if line.is_empty() {
                    continue;
                }
                if line.starts_with('#') && entry.diff.is_empty() {
                    entry.comments.push(line.to_owned());
                } else {
                    entry.diff.push(line.to_owned());
                }
            } else {
                golden.preamble.push(line.to_owned());
            }
        }
        while golden.preamble.last().is_some_and(|l| l.is_empty()) {
            golden.preamble.pop();
        }
        golden
    }

    /// The file's text.
    fn render(&self) -> String {
        let mut out = String::new();
        for line in &self.preamble {
            out.push_str(line);
            out.push('\n');
        }
        for entry in &self.entries {
            out.push('\n');
            out.push_str(&format!("=== {}\n", entry.command));
            for line in entry.comments.iter().chain(&entry.diff) {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }

    /// The golden file for the current `diffs` (command label, diff; only
    /// non-empty diffs, in [`COMMANDS`] order), keeping this file's
    /// preamble and the comments of entries that remain.
    fn updated(&self, diffs: &[(&str, Vec<String>)]) -> Golden {
        let entries = diffs
            .iter()
            .filter(|(_, diff)| !diff.is_empty())
            .map(|(command, diff)| GoldenEntry {
                command: (*command).to_owned(),
                comments: self
                    .entries
                    .iter()
                    .find(|e| e.command == *command)
                    .map(|e| e.comments.clone())
                    .filter(|c| !c.is_empty())
                    .unwrap_or_else(|| vec![TODO_REASON.to_owned()]),
                diff: diff.clone(),
            })
            .collect();
        Golden {
            preamble: self.preamble.clone(),
            entries,
        }
    }

    /// Every way the current `diffs` and this file disagree, and every
    /// entry without an acceptable reason; empty when the test passes.
    fn problems(&self, diffs: &[(&str, Vec<String>)]) -> Vec<String> {
        let mut problems = Vec::new();
        for (command, diff) in diffs {
            match (
                self.entries.iter().find(|e| e.command == *command),
                diff.is_empty(),
            ) {
                (None, false) => problems.push(format!(
                    "{command}: unexpected difference (not in the golden file):\n{}",
                    diff.join("\n")
                )),
                (Some(_), true) => problems.push(format!(
                    "{command}: now matches PostgreSQL; remove its entry from the golden file"
                )),
                (Some(entry), false) if entry.diff != *diff => problems.push(format!(
                    "{command}: the difference changed.\nexpected (golden file):\n{}\nactual:\n{}",
                    entry.diff.join("\n"),
                    diff.join("\n")
                )),
                _ => {}
            }
        }
        for entry in &self.entries {
            if !diffs.iter().any(|(c, _)| *c == entry.command) {
                problems.push(format!(
                    "{}: golden entry for a command this test does not run",
                    entry.command
                ));
            }
            if let Some(problem) = entry.reason_problem() {
                problems.push(format!("{}: golden entry {problem}", entry.command));
            }
        }
        problems
    }
}

/// Runs [`SETUP`] and `pgbench -i -s 1` on the server at `port` (`what`
/// names it in failure messages, `log` returns its log if there is one).
fn set_up(what: &str, mut client: postgres::Client, port: u16, log: &dyn Fn() -> String) {
    for statement in SETUP {
        if let Err(e) = client.batch_execute(statement) {
            panic!("set-up on {what} failed: {statement}\n{e}\n{}", log());
        }
    }
    let init = pg_tool("pgbench", port, &["-i", "-s", "1", "postgres"]);
    assert!(
        init.status.success(),
        "pgbench -i on {what} failed:\n{}{}\n{}",
        String::from_utf8_lossy(&init.stdout),
        String::from_utf8_lossy(&init.stderr),
        log()
    );
}

/// A block of text indented for the report.
fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

#[test]
fn psql_describe_matches_postgres() {
    let server = TestServer::start();
    set_up("Rocksgres", server.connect(), server.port(), &|| {
        format!("server log:\n{}", server.log())
    });
    let reference = PostgresRef::start().expect("cannot start the reference PostgreSQL 15");
    let pg_client = reference
        .connect("postgres")
        .expect("cannot connect to PostgreSQL");
    set_up("PostgreSQL", pg_client, reference.port(), &String::new);

    let mut diffs: Vec<(&str, Vec<String>)> = Vec::new();
    let mut report = String::from("psql describe commands, PostgreSQL 15 vs Rocksgres:\n");
    for &(label, script) in COMMANDS {
        let pg = run_psql(reference.port(), script);
        assert!(
            pg.status.is_empty() && !pg.stderr.contains("ERROR:"),
            "{label} fails on PostgreSQL itself, so the comparison means nothing:\n{}",
            pg.output()
        );
        let rg = run_psql(server.port(), script);
        let diff = unified_diff(&normalise(&pg.output()), &normalise(&rg.output()));
        let status = if diff.is_empty() {
            "matches"
        } else {
            "DIFFERS"
        };
        let _ = writeln!(report, "\n{label}: {status}");
        if !diff.is_empty() {
            if let Some(error) = rg.first_error() {
                let query = rg
                    .hidden
                    .last()
                    .map_or("(the command's own SQL)", String::as_str);
                let _ = write!(
                    report,
                    "  Rocksgres: {error}\n  failing query:\n{}",
                    indent(query)
                );
            }
            let _ = write!(
                report,
                "  diff (- PostgreSQL, + Rocksgres):\n{}",
                indent(&diff.join("\n"))
            );
        }
        diffs.push((label, diff));
    }
    println!("{report}");

    let path = golden_path();
    let existing = std::fs::read_to_string(&path)
        .ok()
        .map(|t| Golden::parse(&t));
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        let base = existing
            .clone()
            .unwrap_or_else(|| Golden::parse(GOLDEN_PREAMBLE));
        std::fs::write(&path, base.updated(&diffs).render()).expect("write the golden file");
    }
    let golden = std::fs::read_to_string(&path)
        .map(|t| Golden::parse(&t))
        .unwrap_or_else(|e| {
            panic!(
                "cannot read {} (UPDATE_GOLDEN=1 creates it): {e}",
                path.display()
            )
        });
    let problems = golden.problems(&diffs);
    assert!(
        problems.is_empty(),
        "psql describe output disagrees with {}:\n\n{}\n\n(UPDATE_GOLDEN=1 rewrites the diffs; \
         every entry then needs a human-written `# reason:`)",
        path.display(),
        problems.join("\n\n")
    );
}

/// The tests below check the comparison machinery itself; they need no
/// server.
fn strings(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

#[test]
fn tables_round_trip_through_the_parser() {
    // Real psql 15 outputs: a listing; right-aligned numbers and cells that
    // span lines (the continuation mark `+`, a last column that continues).
    let samples = [
        "      List of schemas\n  Name  |       Owner       \n--------+-------------------\n public | pg_database_owner\n(1 row)",
        "            T\n  x  | n | y | m | last  \n-----+---+---+---+-------\n a  +| 5 | z | q+| 12345\n bcd |   |   | r | \n(1 row)",
        "   T\n x  | m \n----+---\n ab | q+\n    | r\n(1 row)",
    ];
    for sample in samples {
        let lines = strings(sample);
        let (table, end) = Table::parse(&lines, 2).expect("parses");
        assert_eq!(table.render(), lines[..end], "{sample}");
        assert_eq!(lines[end], "(1 row)");
    }
    let (table, _) = Table::parse(&strings(samples[1]), 2).expect("parses");
    let cells = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        table.rows,
        vec![vec![
            cells(&["a", "bcd"]),
            cells(&["5"]),
            cells(&["z"]),
            cells(&["q", "r"]),
            cells(&["12345"])
        ]]
    );
    // Every value fills its column: the alignment cannot be seen (and does
    // not change the rendering), so it is taken as left.
    assert_eq!(table.right, vec![false; 5]);
    // Here the numbers are padded on the left: right-aligned, also in the
    // last column, which is then padded.
    let lines = strings(
        "       T\n num | x | last \n-----+---+------\n   5 | a+|   42\n     | b | \n(1 row)",
    );
    let (table, end) = Table::parse(&lines, 2).expect("parses");
    assert_eq!(table.render(), lines[..end]);
    assert_eq!(table.right, vec![true, false, true]);
}

#[test]
fn databases_listing_is_normalised() {
    // PostgreSQL's `\l`, a listing as Rocksgres might print it, and what
    // both must become (the last one printed by psql itself).
    let pg = strings(
        "                                            List of databases
   Name    |  Owner   | Encoding | Collate | Ctype | ICU Locale | Locale Provider |   Access privileges   
-----------+----------+----------+---------+-------+------------+-----------------+-----------------------
 postgres  | postgres | UTF8     | C       | C     |            | libc            | 
 template0 | postgres | UTF8     | C       | C     |            | libc            | =c/postgres          +
           |          |          |         |       |            |                 | postgres=CTc/postgres
 template1 | postgres | UTF8     | C       | C     |            | libc            | =c/postgres          +
           |          |          |         |       |            |                 | postgres=CTc/postgres
(3 rows)
",
    );
    let rocksgres = strings(
        "                                                  List of databases
   Name    |   Owner   | Encoding |   Collate   |    Ctype    | ICU Locale | Locale Provider |   Access privileges   
-----------+-----------+----------+-------------+-------------+------------+-----------------+-----------------------
 postgres  | rocksgres | UTF8     | en_US.UTF-8 | en_US.UTF-8 |            | libc            | 
 template0 | rocksgres | UTF8     | en_US.UTF-8 | en_US.UTF-8 |            | libc            | =c/postgres          +
           |           |          |             |             |            |                 | postgres=CTc/postgres
 template1 | rocksgres | UTF8     | en_US.UTF-8 | en_US.UTF-8 |            | libc            | =c/postgres          +
           |           |          |             |             |            |                 | postgres=CTc/postgres
(3 rows)
",
    );
    let expected = strings(
        "                                              List of databases
   Name    |  Owner  | Encoding | Collate  |  Ctype   | ICU Locale | Locale Provider |   Access privileges   
-----------+---------+----------+----------+----------+------------+-----------------+-----------------------
 postgres  | <owner> | UTF8     | <locale> | <locale> |            | libc            | 
 template0 | <owner> | UTF8     | <locale> | <locale> |            | libc            | =c/postgres          +
           |         |          |          |          |            |                 | postgres=CTc/postgres
 template1 | <owner> | UTF8     | <locale> | <locale> |            | libc            | =c/postgres          +
           |         |          |          |          |            |                 | postgres=CTc/postgres
(3 rows)
",
    );
    assert_eq!(normalise_tables(&pg), expected);
    assert_eq!(normalise_tables(&rocksgres), expected);
}

#[test]
fn lines_are_normalised() {
    assert_eq!(normalise_line("Time: 7.610 ms"), "Time: <ms>");
    assert_eq!(
        normalise_line("Time: 1234.567 ms (00:01.235)"),
        "Time: <ms>"
    );
    assert_eq!(normalise_line("Time: is money"), "Time: is money");
    assert_eq!(
        normalise_line("ERROR:  relation with OID 16384 does not exist, OID x"),
        "ERROR:  relation with OID <oid> does not exist, OID x"
    );
    assert_eq!(normalise_line("VOID 12, OID 7"), "VOID 12, OID <oid>");
    // A table without a rule is left alone, even with an Owner column.
    let other = strings(" Owner \n-------\n a");
    assert_eq!(normalise_tables(&other), other);
}

#[test]
fn echoes_are_split_off() {
    let stdout = "********* QUERY **********\nSELECT 1;\n**************************\n\n x \n---\n";
    let (rest, queries) = split_echoes(stdout);
    assert_eq!(rest, " x \n---\n");
    assert_eq!(queries, vec!["SELECT 1;".to_owned()]);
}

#[test]
fn diff_is_unified() {
    let old = strings("a\nb\nc\nd\ne\nf\ng");
    let new = strings("a\nB\nc\nd\ne\nf\ng\nh");
    assert_eq!(
        unified_diff(&old, &new),
        strings("@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n@@ -7,1 +7,2 @@\n g\n+h")
    );
    assert!(unified_diff(&old, &old).is_empty());
    assert_eq!(
        unified_diff(&[], &strings("x")),
        strings("@@ -0,0 +1,1 @@\n+x")
    );
}

#[test]
fn golden_requires_reasons_and_exact_diffs() {
    let diffs = vec![
        ("\\dt", strings("@@ -1,1 +1,1 @@\n-a\n+b")),
        ("\\l", Vec::new()),
    ];
    let fresh = Golden::parse(GOLDEN_PREAMBLE).updated(&diffs);
    assert_eq!(Golden::parse(&fresh.render()), fresh);
    assert_eq!(fresh.entries[0].comments, vec![TODO_REASON.to_owned()]);
    let problems = fresh.problems(&diffs);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("TODO"));

    let explained = fresh.render().replace(TODO_REASON, "# reason: b is fine");
    let golden = Golden::parse(&explained);
    assert!(golden.problems(&diffs).is_empty());
    // Updating keeps the reason; a changed or vanished diff is reported.
    assert_eq!(golden.updated(&diffs), golden);
    let changed = vec![
        ("\\dt", strings("@@ -1,1 +1,1 @@\n-a\n+c")),
        ("\\l", Vec::new()),
    ];
    assert!(golden.problems(&changed)[0].contains("changed"));
    let gone = vec![("\\dt", Vec::new()), ("\\l", Vec::new())];
    assert!(golden.problems(&gone)[0].contains("now matches"));
    let new = vec![
        ("\\dt", diffs[0].1.clone()),
        ("\\l", strings("@@ -1,1 +1,0 @@\n-x")),
    ];
    assert!(golden.problems(&new)[0].contains("unexpected"));
}
