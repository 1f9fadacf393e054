//! A grammar-based SQL statement generator for robustness fuzzing.
//!
//! [`SqlFuzzer`] builds random statements from the grammar the engine
//! supports: typed expressions (literals of every common type, columns,
//! operators, functions, `CASE`, casts, `IN`, `BETWEEN`, `LIKE`, scalar and
//! `EXISTS` subqueries), queries with random clause combinations (joins,
//! `WHERE`, `GROUP BY`/`HAVING`, `ORDER BY`, `LIMIT`/`OFFSET`, `DISTINCT`,
//! set operations, CTEs, `VALUES`), DML with `RETURNING` and `ON CONFLICT`,
//! DDL, transaction control and `SET`. On top of that it produces the shapes
//! that break naive recursive code: random nesting depth and long flat
//! operator chains.
//!
//! Expressions are generated *typed* (an integer operand where an integer
//! is expected, ...) so that most statements are valid and reach the
//! executor; a small share is deliberately ill-typed or malformed so that
//! error paths are exercised too. The generator is deterministic for a seed:
//! a failure names the seed and the statement, and replaying the seed
//! reproduces it.
//!
//! The fixed schema the statements refer to is [`SqlFuzzer::schema`].

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The value types expressions are generated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Int,
    Big,
    Num,
    Float,
    Text,
    Bool,
    Date,
    Ts,
    Interval,
    IntArray,
}

const TYPES: [Ty; 10] = [
    Ty::Int,
    Ty::Big,
    Ty::Num,
    Ty::Float,
    Ty::Text,
    Ty::Bool,
    Ty::Date,
    Ty::Ts,
    Ty::Interval,
    Ty::IntArray,
];

/// A column of the fixed schema: table, name, type.
const COLUMNS: &[(&str, &str, Ty)] = &[
    ("fz1", "a", Ty::Int),
    ("fz1", "b", Ty::Text),
    ("fz1", "c", Ty::Num),
    ("fz1", "d", Ty::Float),
    ("fz1", "e", Ty::Bool),
    ("fz1", "f", Ty::Date),
    ("fz1", "g", Ty::Ts),
    ("fz2", "x", Ty::Int),
    ("fz2", "y", Ty::Big),
    ("fz2", "z", Ty::Text),
    ("fz3", "k", Ty::Int),
    ("fz3", "v", Ty::Text),
];

const TABLES: [&str; 3] = ["fz1", "fz2", "fz3"];

/// Generates random SQL statements over the schema of [`SqlFuzzer::schema`].
pub struct SqlFuzzer {
    rng: StdRng,
    /// Tables (with their aliases) visible to the expression being built.
    scope: Vec<(&'static str, String)>,
    /// How many more nested levels the current expression may open.
    depth_budget: u32,
    /// How many more compound nodes the current statement may hold (keeps
    /// the size linear in the depth instead of exponential).
    size_budget: u32,
    /// Names of views and extra tables this fuzzer has created.
    created: Vec<String>,
    counter: u64,
}

impl SqlFuzzer {
    /// A fuzzer whose statement sequence is fixed by `seed`.
    pub fn new(seed: u64) -> SqlFuzzer {
        SqlFuzzer {
            rng: StdRng::seed_from_u64(seed),
            scope: Vec::new(),
            depth_budget: 0,
            size_budget: 0,
            created: Vec::new(),
            counter: 0,
        }
    }

    /// The statements that create and fill the tables the generated
    /// statements use; run them once before the generated ones.
    pub fn schema() -> Vec<String> {
        let mut out = vec![
            "DROP TABLE IF EXISTS fz1, fz2, fz3".to_string(),
            "CREATE TABLE fz1 (a int PRIMARY KEY, b text, c numeric, d float8, e bool, f date, \
             g timestamp)"
                .to_string(),
            "CREATE TABLE fz2 (x int, y bigint, z text)".to_string(),
            "CREATE INDEX fz2_x ON fz2 (x)".to_string(),
            "CREATE TABLE fz3 (k int PRIMARY KEY, v text UNIQUE)".to_string(),
        ];
        out.push(
            "INSERT INTO fz1 SELECT i, 'row' || i, i * 1.5, i / 3.0, i % 2 = 0, \
             date '2024-01-01' + i, timestamp '2024-01-01 10:00' + i * interval '1 hour' \
             FROM generate_series(1, 20) AS s(i)"
                .to_string(),
        );
        out.push(
            "INSERT INTO fz2 SELECT i % 7, i * 1000, CASE WHEN i % 3 = 0 THEN NULL ELSE 'z' || i END \
             FROM generate_series(1, 30) AS s(i)"
                .to_string(),
        );
        out.push("INSERT INTO fz3 VALUES (1, 'one'), (2, 'two'), (3, NULL)".to_string());
        out
    }

    /// The next random statement.
    pub fn statement(&mut self) -> String {
        self.scope.clear();
        self.counter += 1;
        self.size_budget = self.rng.gen_range(5..80);
        match self.rng.gen_range(0..100) {
            0..=44 => {
                self.depth_budget = self.pick_depth();
                self.query(0)
            }
            45..=54 => self.insert(),
            55..=61 => self.update(),
            62..=65 => self.delete(),
            66..=71 => self.deep_statement(),
            72..=77 => self.txn_control(),
            78..=81 => self.set_statement(),
            82..=87 => self.ddl(),
            88..=91 => self.explain(),
            92..=95 => self.mangled(),
            _ => {
                self.depth_budget = self.pick_depth();
                let ty = self.any_type();
                let e = self.expr(ty);
                format!("SELECT {e}")
            }
        }
    }

    fn pick_depth(&mut self) -> u32 {
        match self.rng.gen_range(0..10) {
            0..=6 => self.rng.gen_range(1..4),
            7..=8 => self.rng.gen_range(4..10),
            _ => self.rng.gen_range(10..40),
        }
    }

    fn any_type(&mut self) -> Ty {
        TYPES[self.rng.gen_range(0..TYPES.len())]
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.rng.gen_range(0..100) < percent
    }

    // ----- expressions -------------------------------------------------

    fn expr(&mut self, ty: Ty) -> String {
        if self.depth_budget == 0 || self.size_budget == 0 {
            return self.leaf(ty);
        }
        self.depth_budget -= 1;
        self.size_budget -= 1;
        let e = self.compound(ty);
        self.depth_budget += 1;
        e
    }

    fn leaf(&mut self, ty: Ty) -> String {
        if self.chance(45) {
            if let Some(col) = self.column_of(ty) {
                return col;
            }
        }
        if self.chance(5) {
            return "NULL".to_string();
        }
        self.literal(ty)
    }

    fn column_of(&mut self, ty: Ty) -> Option<String> {
        let mut found = Vec::new();
        for (table, alias) in &self.scope {
            for (t, name, cty) in COLUMNS {
                if t == table && *cty == ty {
                    found.push(format!("{alias}.{name}"));
                }
            }
        }
        if found.is_empty() {
            None
        } else {
            let i = self.rng.gen_range(0..found.len());
            Some(found.swap_remove(i))
        }
    }

    fn literal(&mut self, ty: Ty) -> String {
        let r = &mut self.rng;
        match ty {
            Ty::Int => {
                let pool = [0i64, 1, -1, 2, 7, 100, 2147483647, -2147483648, 42, 13];
                pool[r.gen_range(0..pool.len())].to_string()
            }
            Ty::Big => {
                let pool = [
                    "0::bigint",
                    "9223372036854775807",
                    "-9223372036854775807",
                    "1000::int8",
                    "3000000000",
                ];
                pool[r.gen_range(0..pool.len())].to_string()
            }
            Ty::Num => {
                let pool = [
                    "0.5",
                    "1.25",
                    "-3.14159",
                    "1e10::numeric",
                    "'NaN'::numeric",
                    "123456789012345678901234567890.123",
                    "0.000001",
                ];
                pool[r.gen_range(0..pool.len())].to_string()
            }
            Ty::Float => {
                let pool = [
                    "1.5::float8",
                    "'Infinity'::float8",
                    "'-Infinity'::float8",
                    "'NaN'::float8",
                    "0.1::float8",
                    "-0.0::float8",
                    "1e300::float8",
                    "2.5::real",
                ];
                pool[r.gen_range(0..pool.len())].to_string()
            }
            Ty::Text => {
                let pool = [
                    "'abc'",
                    "''",
                    "'it''s'",
                    "'ünïcødé ✓'",
                    "'%_\\'",
                    "'row1'",
                    "'z1'",
                    "'one'",
                    "E'tab\\there'",
                    "'  padded  '",
                ];
                pool[r.gen_range(0..pool.len())].to_string()
            }
            Ty::Bool => ["true", "false", "'t'::bool", "NOT true"][r.gen_range(0..4)].to_string(),
            Ty::Date => [
                "date '2024-02-29'",
                "'1999-12-31'::date",
                "date '2000-01-01'",
                "current_date",
            ][r.gen_range(0..4)]
            .to_string(),
            Ty::Ts => [
                "timestamp '2024-01-01 12:34:56'",
                "'2000-02-29 23:59:59.999999'::timestamp",
                "timestamp '1970-01-01 00:00:00'",
            ][r.gen_range(0..3)]
            .to_string(),
            Ty::Interval => [
                "interval '1 day'",
                "interval '2 hours 30 minutes'",
                "'-1 month'::interval",
                "interval '0'",
            ][r.gen_range(0..4)]
            .to_string(),
            Ty::IntArray => [
                "ARRAY[1,2,3]",
                "'{}'::int[]",
                "ARRAY[NULL, 5]::int[]",
                "'{7}'::int[]",
            ][r.gen_range(0..4)]
            .to_string(),
        }
    }

    fn compound(&mut self, ty: Ty) -> String {
        let pick = self.rng.gen_range(0..100);
        match ty {
            Ty::Int | Ty::Big | Ty::Num | Ty::Float => self.numeric_compound(ty, pick),
            Ty::Text => self.text_compound(pick),
            Ty::Bool => self.bool_compound(pick),
            Ty::Date => match pick {
                0..=39 => format!("({} + {})", self.expr(Ty::Date), self.expr(Ty::Int)),
                40..=59 => format!("CAST({} AS date)", self.expr(Ty::Ts)),
                60..=79 => self.case_expr(Ty::Date),
                _ => format!("coalesce({}, {})", self.expr(Ty::Date), self.expr(Ty::Date)),
            },
            Ty::Ts => match pick {
                0..=39 => format!("({} + {})", self.expr(Ty::Ts), self.expr(Ty::Interval)),
                40..=59 => format!("date_trunc('day', {})", self.expr(Ty::Ts)),
                60..=79 => self.case_expr(Ty::Ts),
                _ => format!("greatest({}, {})", self.expr(Ty::Ts), self.expr(Ty::Ts)),
            },
            Ty::Interval => match pick {
                0..=49 => format!("({} - {})", self.expr(Ty::Ts), self.expr(Ty::Ts)),
                50..=74 => format!("({} * {})", self.expr(Ty::Interval), self.expr(Ty::Int)),
                _ => self.case_expr(Ty::Interval),
            },
            Ty::IntArray => match pick {
                0..=49 => format!("({} || {})", self.expr(Ty::IntArray), self.expr(Ty::Int)),
                50..=74 => format!("ARRAY[{}, {}]", self.expr(Ty::Int), self.expr(Ty::Int)),
                _ => format!(
                    "ARRAY(SELECT x FROM fz2 LIMIT {})",
                    self.rng.gen_range(0..4)
                ),
            },
        }
    }

    fn numeric_compound(&mut self, ty: Ty, pick: u32) -> String {
        const OPS: [&str; 6] = ["+", "-", "*", "/", "%", "+"];
        match pick {
            0..=44 => {
                let op = OPS[self.rng.gen_range(0..OPS.len())];
                let op = if ty == Ty::Float && op == "%" {
                    "+"
                } else {
                    op
                };
                format!("({} {op} {})", self.expr(ty), self.expr(ty))
            }
            45..=49 => format!("(-{})", self.expr(ty)),
            50..=57 => {
                let f = ["abs", "sign"][self.rng.gen_range(0..2)];
                let f = if f == "sign" && matches!(ty, Ty::Int | Ty::Big) {
                    "abs"
                } else {
                    f
                };
                format!("{f}({})", self.expr(ty))
            }
            58..=63 => self.case_expr(ty),
            64..=68 => format!("coalesce({}, {})", self.expr(ty), self.expr(ty)),
            69..=72 => format!("nullif({}, {})", self.expr(ty), self.expr(ty)),
            73..=76 => format!(
                "greatest({}, {}, {})",
                self.expr(ty),
                self.expr(ty),
                self.expr(ty)
            ),
            77..=80 if ty == Ty::Int => format!("length({})", self.expr(Ty::Text)),
            81..=84 => self.scalar_subquery(ty),
            85..=88 if ty == Ty::Big => "(SELECT count(*) FROM fz2)".to_string(),
            89..=92 => {
                let target = match ty {
                    Ty::Int => "int",
                    Ty::Big => "bigint",
                    Ty::Num => "numeric",
                    _ => "float8",
                };
                let src = self.any_numeric();
                format!("CAST({} AS {target})", self.expr(src))
            }
            93..=96 if ty == Ty::Num => format!("round({}, 2)", self.expr(Ty::Num)),
            _ => format!("({})", self.expr(ty)),
        }
    }

    fn any_numeric(&mut self) -> Ty {
        [Ty::Int, Ty::Big, Ty::Num, Ty::Float][self.rng.gen_range(0..4)]
    }

    fn text_compound(&mut self, pick: u32) -> String {
        match pick {
            0..=29 => format!("({} || {})", self.expr(Ty::Text), self.expr(Ty::Text)),
            30..=39 => {
                let f = ["upper", "lower", "btrim", "md5"][self.rng.gen_range(0..4)];
                format!("{f}({})", self.expr(Ty::Text))
            }
            40..=47 => format!(
                "substr({}, {}, {})",
                self.expr(Ty::Text),
                self.expr(Ty::Int),
                self.expr(Ty::Int)
            ),
            48..=55 => {
                let src = self.any_type();
                format!("CAST({} AS text)", self.expr(src))
            }
            56..=63 => self.case_expr(Ty::Text),
            64..=69 => format!("coalesce({}, {})", self.expr(Ty::Text), self.expr(Ty::Text)),
            70..=75 => self.scalar_subquery(Ty::Text),
            76..=81 => format!("replace({}, 'o', 'O')", self.expr(Ty::Text)),
            82..=87 => format!("repeat({}, 3)", self.expr(Ty::Text)),
            88..=93 => {
                let src = self.any_type();
                format!("{}::text", self.expr(src))
            }
            _ => format!("({})", self.expr(Ty::Text)),
        }
    }

    fn bool_compound(&mut self, pick: u32) -> String {
        const CMP: [&str; 6] = ["=", "<>", "<", "<=", ">", ">="];
        match pick {
            0..=24 => {
                let ty = self.any_type();
                let op = CMP[self.rng.gen_range(0..CMP.len())];
                format!("({} {op} {})", self.expr(ty), self.expr(ty))
            }
            25..=37 => {
                let op = ["AND", "OR"][self.rng.gen_range(0..2)];
                format!("({} {op} {})", self.expr(Ty::Bool), self.expr(Ty::Bool))
            }
            38..=41 => format!("(NOT {})", self.expr(Ty::Bool)),
            42..=47 => {
                let ty = self.any_type();
                let not = if self.chance(30) { "NOT " } else { "" };
                format!("({} IS {not}NULL)", self.expr(ty))
            }
            48..=54 => {
                let ty = self.any_type();
                let n = self.rng.gen_range(1..5);
                let items: Vec<String> = (0..n).map(|_| self.expr(ty)).collect();
                let not = if self.chance(30) { "NOT " } else { "" };
                format!("({} {not}IN ({}))", self.expr(ty), items.join(", "))
            }
            55..=59 => {
                let ty = self.any_numeric();
                format!(
                    "({} BETWEEN {} AND {})",
                    self.expr(ty),
                    self.expr(ty),
                    self.expr(ty)
                )
            }
            60..=65 => {
                let op = ["LIKE", "NOT LIKE", "ILIKE"][self.rng.gen_range(0..3)];
                let pat = ["'%o%'", "'r_w%'", "'%'", "''", "'%\\%%'"][self.rng.gen_range(0..5)];
                format!("({} {op} {pat})", self.expr(Ty::Text))
            }
            66..=71 => {
                let not = if self.chance(30) { "NOT " } else { "" };
                let q = self.subquery_text();
                format!("({not}EXISTS ({q}))")
            }
            72..=76 => format!(
                "({} IN (SELECT x FROM fz2 WHERE y > {}))",
                self.expr(Ty::Int),
                self.expr(Ty::Big)
            ),
            77..=80 => self.case_expr(Ty::Bool),
            81..=84 => format!(
                "({} = ANY({}))",
                self.expr(Ty::Int),
                self.expr(Ty::IntArray)
            ),
            85..=88 => format!(
                "({} IS DISTINCT FROM {})",
                self.expr(Ty::Int),
                self.expr(Ty::Int)
            ),
            _ => format!("({})", self.expr(Ty::Bool)),
        }
    }

    fn case_expr(&mut self, ty: Ty) -> String {
        let arms = self.rng.gen_range(1..4);
        let mut s = String::from("CASE");
        for _ in 0..arms {
            let c = self.expr(Ty::Bool);
            let v = self.expr(ty);
            s.push_str(&format!(" WHEN {c} THEN {v}"));
        }
        if self.chance(70) {
            let v = self.expr(ty);
            s.push_str(&format!(" ELSE {v}"));
        }
        s.push_str(" END");
        s
    }

    fn scalar_subquery(&mut self, ty: Ty) -> String {
        let col = COLUMNS
            .iter()
            .filter(|(_, _, t)| *t == ty)
            .map(|(t, c, _)| (*t, *c))
            .next();
        match col {
            Some((table, column)) => {
                let saved = std::mem::take(&mut self.scope);
                self.scope = vec![(table, "s".to_string())];
                let w = self.expr(Ty::Bool);
                self.scope = saved;
                format!("(SELECT s.{column} FROM {table} s WHERE {w} ORDER BY 1 LIMIT 1)")
            }
            None => format!("(SELECT {})", self.literal(ty)),
        }
    }

    fn subquery_text(&mut self) -> String {
        let table = TABLES[self.rng.gen_range(0..TABLES.len())];
        let alias = format!("q{}", self.scope.len());
        self.scope.push((table, alias.clone()));
        let w = self.expr(Ty::Bool);
        self.scope.pop();
        format!("SELECT 1 FROM {table} {alias} WHERE {w}")
    }

    // ----- queries -----------------------------------------------------

    fn query(&mut self, level: u32) -> String {
        let mut q = self.select_core();
        if level < 2 && self.chance(12) {
            let op = ["UNION", "UNION ALL", "INTERSECT", "EXCEPT"][self.rng.gen_range(0..4)];
            // Both sides select one integer column so they are compatible.
            let l = self.single_int_select();
            let r = self.single_int_select();
            q = format!("{l} {op} {r}");
            if self.chance(50) {
                q.push_str(" ORDER BY 1");
            }
        }
        if level == 0 && self.chance(10) {
            let inner = self.single_int_select();
            q = format!("WITH w AS ({inner}) SELECT * FROM w ORDER BY 1");
        }
        if level == 0 && self.chance(5) {
            let a = self.literal(Ty::Int);
            let b = self.literal(Ty::Text);
            q = format!("VALUES ({a}, {b}), (NULL, 'x') ORDER BY 1");
        }
        q
    }

    fn single_int_select(&mut self) -> String {
        self.scope.clear();
        let table = ["fz1", "fz2", "fz3"][self.rng.gen_range(0..3)];
        self.scope.push((table, "t".to_string()));
        let e = self.expr(Ty::Int);
        let w = self.expr(Ty::Bool);
        self.scope.clear();
        format!("SELECT {e} FROM {table} t WHERE {w}")
    }

    fn select_core(&mut self) -> String {
        let ntables = self.rng.gen_range(0..4);
        let mut from = String::new();
        for i in 0..ntables {
            let table = TABLES[self.rng.gen_range(0..TABLES.len())];
            let alias = format!("t{i}");
            if i == 0 {
                from = format!(" FROM {table} {alias}");
                self.scope.push((table, alias));
            } else {
                let kind = [
                    "JOIN",
                    "LEFT JOIN",
                    "RIGHT JOIN",
                    "FULL JOIN",
                    "CROSS JOIN",
                    ",",
                ][self.rng.gen_range(0..6)];
                self.scope.push((table, alias.clone()));
                if kind == "CROSS JOIN" || kind == "," {
                    from.push_str(&format!(" {kind} {table} {alias}"));
                } else {
                    let on = self.expr(Ty::Bool);
                    from.push_str(&format!(" {kind} {table} {alias} ON {on}"));
                }
            }
        }
        let aggregate = ntables > 0 && self.chance(25);
        let mut items = Vec::new();
        let nitems = self.rng.gen_range(1..4);
        let mut group_by = Vec::new();
        for _ in 0..nitems {
            let ty = self.any_type();
            if aggregate && self.chance(50) {
                let num = self.any_numeric();
                let agg = match self.rng.gen_range(0..6) {
                    0 => "count(*)".to_string(),
                    1 => format!("sum({})", self.expr(num)),
                    2 => format!("min({})", self.expr(ty)),
                    3 => format!("max({})", self.expr(ty)),
                    4 => format!("avg({})", self.expr(num)),
                    _ => format!("count(DISTINCT {})", self.expr(ty)),
                };
                items.push(agg);
            } else {
                let e = self.expr(ty);
                if aggregate {
                    group_by.push(e.clone());
                }
                items.push(e);
            }
        }
        let distinct = if self.chance(8) { "DISTINCT " } else { "" };
        let mut q = format!("SELECT {distinct}{}{from}", items.join(", "));
        if ntables > 0 && self.chance(60) {
            let w = self.expr(Ty::Bool);
            q.push_str(&format!(" WHERE {w}"));
        }
        if aggregate && !group_by.is_empty() {
            q.push_str(&format!(" GROUP BY {}", group_by.join(", ")));
            if self.chance(30) {
                let h = self.expr(Ty::Bool);
                q.push_str(&format!(" HAVING count(*) > 0 AND {h}"));
            }
        }
        if self.chance(40) {
            let n = self.rng.gen_range(1..=items.len());
            q.push_str(&format!(" ORDER BY {n}"));
            if self.chance(30) {
                q.push_str(" DESC NULLS LAST");
            }
        }
        if self.chance(20) {
            q.push_str(&format!(" LIMIT {}", self.rng.gen_range(0..10)));
            if self.chance(30) {
                q.push_str(&format!(" OFFSET {}", self.rng.gen_range(0..5)));
            }
        }
        q
    }

    // ----- DML ---------------------------------------------------------

    fn insert(&mut self) -> String {
        self.depth_budget = self.pick_depth().min(6);
        match self.rng.gen_range(0..4) {
            0 => {
                let a = self.rng.gen_range(-5..60);
                let b = self.expr(Ty::Text);
                let c = self.expr(Ty::Num);
                let d = self.expr(Ty::Float);
                let conflict = match self.rng.gen_range(0..3) {
                    0 => " ON CONFLICT DO NOTHING",
                    1 => " ON CONFLICT (a) DO UPDATE SET b = excluded.b || 'u'",
                    _ => "",
                };
                let ret = if self.chance(40) {
                    " RETURNING a, b"
                } else {
                    ""
                };
                format!("INSERT INTO fz1 (a, b, c, d) VALUES ({a}, {b}, {c}, {d}){conflict}{ret}")
            }
            1 => {
                let x = self.expr(Ty::Int);
                let y = self.expr(Ty::Big);
                let z = self.expr(Ty::Text);
                format!("INSERT INTO fz2 VALUES ({x}, {y}, {z})")
            }
            2 => {
                let k = self.rng.gen_range(0..40);
                let v = self.expr(Ty::Text);
                format!("INSERT INTO fz3 VALUES ({k}, {v}) ON CONFLICT DO NOTHING")
            }
            _ => {
                self.scope.push(("fz2", "s".to_string()));
                let w = self.expr(Ty::Bool);
                self.scope.clear();
                format!("INSERT INTO fz2 SELECT s.x + 1, s.y, s.z FROM fz2 s WHERE {w} LIMIT 3")
            }
        }
    }

    fn update(&mut self) -> String {
        self.depth_budget = self.pick_depth().min(6);
        let (table, col, ty) = match self.rng.gen_range(0..3) {
            0 => ("fz1", "b", Ty::Text),
            1 => ("fz2", "y", Ty::Big),
            _ => ("fz1", "c", Ty::Num),
        };
        self.scope.push((table, table.to_string()));
        let v = self.expr(ty);
        let w = self.expr(Ty::Bool);
        self.scope.clear();
        let ret = if self.chance(30) { " RETURNING *" } else { "" };
        format!("UPDATE {table} SET {col} = {v} WHERE {w}{ret}")
    }

    fn delete(&mut self) -> String {
        self.depth_budget = self.pick_depth().min(4);
        let table = TABLES[self.rng.gen_range(0..TABLES.len())];
        self.scope.push((table, table.to_string()));
        let w = self.expr(Ty::Bool);
        self.scope.clear();
        // Keep the tables from emptying: delete only a narrow slice.
        format!("DELETE FROM {table} WHERE {w} AND random() < 0.2")
    }

    // ----- the shapes that break recursion ------------------------------

    fn deep_statement(&mut self) -> String {
        let n = match self.rng.gen_range(0..10) {
            0..=5 => self.rng.gen_range(10..500),
            6..=8 => self.rng.gen_range(500..5_000),
            _ => self.rng.gen_range(5_000..20_000),
        };
        match self.rng.gen_range(0..9) {
            0 => format!("SELECT 1{}", " + 1".repeat(n)),
            1 => {
                let terms: Vec<String> = (0..n).map(|i| format!("a = {i}")).collect();
                format!("SELECT count(*) FROM fz1 WHERE {}", terms.join(" OR "))
            }
            2 => format!("SELECT length('a'{})", " || 'a'".repeat(n)),
            3 => {
                let terms: Vec<String> = (0..n).map(|i| format!("a <> {}", i + 1000)).collect();
                format!("SELECT count(*) FROM fz1 WHERE {}", terms.join(" AND "))
            }
            4 => {
                // Nested parentheses: depth limited like PostgreSQL's
                // parser, so also beyond what it accepts.
                let d = n.min(3_000);
                format!("SELECT {}1{}", "(".repeat(d), ")".repeat(d))
            }
            5 => {
                let d = (n / 10).clamp(2, 1_000);
                format!("SELECT {}0{}", "abs(".repeat(d), ")".repeat(d))
            }
            6 => {
                let d = (n / 20).clamp(2, 400);
                let mut q = "SELECT 1".to_string();
                for _ in 0..d {
                    q = format!("SELECT ({q})");
                }
                q
            }
            7 => {
                let d = (n / 10).clamp(2, 1_000);
                let mut e = "1".to_string();
                for i in 0..d {
                    e = format!("CASE WHEN {i} > 0 THEN {e} ELSE 0 END");
                }
                format!("SELECT {e}")
            }
            _ => {
                let items: Vec<String> = (0..n).map(|i| i.to_string()).collect();
                format!("SELECT count(*) FROM fz2 WHERE x IN ({})", items.join(", "))
            }
        }
    }

    fn explain(&mut self) -> String {
        self.depth_budget = self.pick_depth();
        let q = if self.chance(20) {
            self.deep_statement()
        } else {
            self.query(0)
        };
        format!("EXPLAIN {q}")
    }

    // ----- everything else ---------------------------------------------

    fn txn_control(&mut self) -> String {
        let pool = [
            "BEGIN",
            "COMMIT",
            "ROLLBACK",
            "SAVEPOINT s1",
            "ROLLBACK TO SAVEPOINT s1",
            "RELEASE SAVEPOINT s1",
            "BEGIN ISOLATION LEVEL REPEATABLE READ",
            "START TRANSACTION",
            "END",
            "ABORT",
        ];
        pool[self.rng.gen_range(0..pool.len())].to_string()
    }

    fn set_statement(&mut self) -> String {
        // statement_timeout is only ever set to a few seconds, never reset:
        // the runner relies on it to bound the joins the fuzzer generates.
        let pool = [
            "SET statement_timeout = '3s'",
            "SET search_path = public",
            "SET TIME ZONE 'UTC'",
            "SET datestyle = 'ISO, MDY'",
            "SHOW statement_timeout",
            "SHOW server_version",
            "RESET application_name",
            "SET extra_float_digits = 3",
            "SET application_name = 'fuzz'",
            "SHOW ALL",
            "SET nonexistent_setting = 1",
        ];
        pool[self.rng.gen_range(0..pool.len())].to_string()
    }

    fn ddl(&mut self) -> String {
        let id = self.counter;
        match self.rng.gen_range(0..6) {
            0 => {
                let name = format!("fzv{id}");
                self.created.push(name.clone());
                self.depth_budget = self.pick_depth().min(5);
                let q = self.single_int_select();
                format!("CREATE VIEW {name} AS {q}")
            }
            1 => {
                let name = format!("fzt{id}");
                self.created.push(name.clone());
                format!("CREATE TABLE {name} (id int PRIMARY KEY, v text, n numeric DEFAULT 0)")
            }
            2 => match self.created.pop() {
                Some(name) if name.starts_with("fzv") => format!("DROP VIEW {name}"),
                Some(name) => format!("DROP TABLE {name}"),
                None => "DROP TABLE IF EXISTS fz_none".to_string(),
            },
            3 => {
                let col = ["b", "c", "d", "f"][self.rng.gen_range(0..4)];
                format!("CREATE INDEX IF NOT EXISTS fz1_{col}_idx ON fz1 ({col})")
            }
            4 => match self.created.last() {
                Some(name) if name.starts_with("fzt") => {
                    format!(
                        "ALTER TABLE {name} ADD COLUMN c{id} int DEFAULT {}",
                        id % 100
                    )
                }
                _ => "SELECT count(*) FROM pg_class WHERE relname LIKE 'fz%'".to_string(),
            },
            _ => [
                "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = 'public' ORDER BY 1",
                "SELECT table_name, column_name FROM information_schema.columns \
                 WHERE table_name LIKE 'fz%' ORDER BY 1, 2",
                "SELECT viewname, definition FROM pg_views WHERE viewname LIKE 'fz%'",
                "TRUNCATE fz3",
                "INSERT INTO fz3 VALUES (1, 'one'), (2, 'two') ON CONFLICT DO NOTHING",
            ][self.rng.gen_range(0..5)]
            .to_string(),
        }
    }

    /// A valid statement with a random edit: a dropped, duplicated or
    /// swapped token, an unbalanced parenthesis, a stray quote.
    fn mangled(&mut self) -> String {
        self.depth_budget = self.pick_depth();
        let q = self.query(0);
        let mut tokens: Vec<&str> = q.split(' ').collect();
        if tokens.len() < 2 {
            return format!("{q} )");
        }
        let i = self.rng.gen_range(0..tokens.len());
        let j = self.rng.gen_range(0..tokens.len());
        match self.rng.gen_range(0..5) {
            0 => {
                tokens.remove(i);
            }
            1 => {
                let t = tokens[i];
                tokens.insert(j, t);
            }
            2 => tokens.swap(i, j),
            3 => tokens.insert(i, "("),
            _ => tokens.insert(i, "'"),
        }
        tokens.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::SqlFuzzer;

    #[test]
    fn the_same_seed_gives_the_same_statements() {
        let mut a = SqlFuzzer::new(7);
        let mut b = SqlFuzzer::new(7);
        for _ in 0..200 {
            assert_eq!(a.statement(), b.statement());
        }
    }

    #[test]
    fn statements_cover_every_kind() {
        let mut f = SqlFuzzer::new(1);
        let all: Vec<String> = (0..2_000).map(|_| f.statement()).collect();
        for prefix in [
            "SELECT", "INSERT", "UPDATE", "DELETE", "EXPLAIN", "BEGIN", "SET", "CREATE", "WITH",
        ] {
            assert!(
                all.iter().any(|s| s.starts_with(prefix)),
                "no statement starts with {prefix}"
            );
        }
        assert!(all.iter().any(|s| s.len() > 20_000), "no long chain");
        assert!(
            all.iter().all(|s| s.len() < 400_000),
            "a statement exploded in size"
        );
    }
}
