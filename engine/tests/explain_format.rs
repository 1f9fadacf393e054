//! EXPLAIN's JSON, YAML and XML formats through the embedding API: the
//! whole document in one row, compared with what PostgreSQL 15 prints for
//! the same tables and queries (copied from its output; `COSTS OFF`, and
//! `TIMING OFF, SUMMARY OFF` under ANALYZE so the numbers are stable).
//! The text format is covered by `regression-tests/slt/query/explain_detail.slt`.

use rocksgres_engine::Database;

const SETUP: &str = "CREATE TABLE ed_c (id int PRIMARY KEY, name text); \
    CREATE TABLE ed_o (id int PRIMARY KEY, cid int, amount int, note text); \
    INSERT INTO ed_c SELECT g, 'c' || g FROM generate_series(1, 5) g; \
    INSERT INTO ed_o SELECT g, g % 5 + 1, g * 7 % 50, 'n' || g FROM generate_series(1, 20) g";

/// (statement, PostgreSQL's output).
const CASES: &[(&str, &str)] = &[
    (
        "EXPLAIN (COSTS OFF, FORMAT JSON) SELECT o.id, c.name FROM ed_o o JOIN ed_c c ON o.cid = c.id",
        r#"[
  {
    "Plan": {
      "Node Type": "Hash Join",
      "Parallel Aware": false,
      "Async Capable": false,
      "Join Type": "Inner",
      "Inner Unique": true,
      "Hash Cond": "(o.cid = c.id)",
      "Plans": [
        {
          "Node Type": "Seq Scan",
          "Parent Relationship": "Outer",
          "Parallel Aware": false,
          "Async Capable": false,
          "Relation Name": "ed_o",
          "Alias": "o"
        },
        {
          "Node Type": "Hash",
          "Parent Relationship": "Inner",
          "Parallel Aware": false,
          "Async Capable": false,
          "Plans": [
            {
              "Node Type": "Seq Scan",
              "Parent Relationship": "Outer",
              "Parallel Aware": false,
              "Async Capable": false,
              "Relation Name": "ed_c",
              "Alias": "c"
            }
          ]
        }
      ]
    }
  }
]"#,
    ),
    (
        "EXPLAIN (COSTS OFF, FORMAT JSON) SELECT cid, sum(amount) FROM ed_o WHERE amount < 40 GROUP BY cid ORDER BY cid",
        r#"[
  {
    "Plan": {
      "Node Type": "Sort",
      "Parallel Aware": false,
      "Async Capable": false,
      "Sort Key": ["cid"],
      "Plans": [
        {
          "Node Type": "Aggregate",
          "Strategy": "Hashed",
          "Partial Mode": "Simple",
          "Parent Relationship": "Outer",
          "Parallel Aware": false,
          "Async Capable": false,
          "Group Key": ["cid"],
          "Plans": [
            {
              "Node Type": "Seq Scan",
              "Parent Relationship": "Outer",
              "Parallel Aware": false,
              "Async Capable": false,
              "Relation Name": "ed_o",
              "Alias": "ed_o",
              "Filter": "(amount < 40)"
            }
          ]
        }
      ]
    }
  }
]"#,
    ),
    (
        "EXPLAIN (COSTS OFF, FORMAT JSON) SELECT * FROM ed_o WHERE id = 3 AND amount > 1",
        r#"[
  {
    "Plan": {
      "Node Type": "Index Scan",
      "Parallel Aware": false,
      "Async Capable": false,
      "Scan Direction": "Forward",
      "Index Name": "ed_o_pkey",
      "Relation Name": "ed_o",
      "Alias": "ed_o",
      "Index Cond": "(id = 3)",
      "Filter": "(amount > 1)"
    }
  }
]"#,
    ),
    (
        "EXPLAIN (COSTS OFF, FORMAT JSON, ANALYZE, TIMING OFF, SUMMARY OFF) SELECT * FROM ed_o WHERE amount > 10 LIMIT 2",
        r#"[
  {
    "Plan": {
      "Node Type": "Limit",
      "Parallel Aware": false,
      "Async Capable": false,
      "Actual Rows": 2,
      "Actual Loops": 1,
      "Plans": [
        {
          "Node Type": "Seq Scan",
          "Parent Relationship": "Outer",
          "Parallel Aware": false,
          "Async Capable": false,
          "Relation Name": "ed_o",
          "Alias": "ed_o",
          "Actual Rows": 2,
          "Actual Loops": 1,
          "Filter": "(amount > 10)",
          "Rows Removed by Filter": 1
        }
      ]
    },
    "Triggers": [
    ]
  }
]"#,
    ),
    (
        "EXPLAIN (COSTS OFF, FORMAT YAML) SELECT * FROM ed_o ORDER BY amount DESC, id",
        r#"- Plan: 
    Node Type: "Sort"
    Parallel Aware: false
    Async Capable: false
    Sort Key: 
      - "amount DESC"
      - "id"
    Plans: 
      - Node Type: "Seq Scan"
        Parent Relationship: "Outer"
        Parallel Aware: false
        Async Capable: false
        Relation Name: "ed_o"
        Alias: "ed_o""#,
    ),
    (
        "EXPLAIN (COSTS OFF, FORMAT XML) SELECT * FROM ed_o WHERE note <> 'a&b' ORDER BY amount DESC, id",
        r#"<explain xmlns="http://www.postgresql.org/2009/explain">
  <Query>
    <Plan>
      <Node-Type>Sort</Node-Type>
      <Parallel-Aware>false</Parallel-Aware>
      <Async-Capable>false</Async-Capable>
      <Sort-Key>
        <Item>amount DESC</Item>
        <Item>id</Item>
      </Sort-Key>
      <Plans>
        <Plan>
          <Node-Type>Seq Scan</Node-Type>
          <Parent-Relationship>Outer</Parent-Relationship>
          <Parallel-Aware>false</Parallel-Aware>
          <Async-Capable>false</Async-Capable>
          <Relation-Name>ed_o</Relation-Name>
          <Alias>ed_o</Alias>
          <Filter>(note &lt;&gt; 'a&amp;b'::text)</Filter>
        </Plan>
      </Plans>
    </Plan>
  </Query>
</explain>"#,
    ),
    (
        "EXPLAIN (COSTS OFF, FORMAT YAML, ANALYZE, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM ed_o",
        r#"- Plan: 
    Node Type: "Aggregate"
    Strategy: "Plain"
    Partial Mode: "Simple"
    Parallel Aware: false
    Async Capable: false
    Actual Rows: 1
    Actual Loops: 1
    Plans: 
      - Node Type: "Seq Scan"
        Parent Relationship: "Outer"
        Parallel Aware: false
        Async Capable: false
        Relation Name: "ed_o"
        Alias: "ed_o"
        Actual Rows: 20
        Actual Loops: 1
  Triggers: "#,
    ),
    (
        "EXPLAIN (COSTS OFF, FORMAT XML, ANALYZE, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM ed_o",
        r#"<explain xmlns="http://www.postgresql.org/2009/explain">
  <Query>
    <Plan>
      <Node-Type>Aggregate</Node-Type>
      <Strategy>Plain</Strategy>
      <Partial-Mode>Simple</Partial-Mode>
      <Parallel-Aware>false</Parallel-Aware>
      <Async-Capable>false</Async-Capable>
      <Actual-Rows>1</Actual-Rows>
      <Actual-Loops>1</Actual-Loops>
      <Plans>
        <Plan>
          <Node-Type>Seq Scan</Node-Type>
          <Parent-Relationship>Outer</Parent-Relationship>
          <Parallel-Aware>false</Parallel-Aware>
          <Async-Capable>false</Async-Capable>
          <Relation-Name>ed_o</Relation-Name>
          <Alias>ed_o</Alias>
          <Actual-Rows>20</Actual-Rows>
          <Actual-Loops>1</Actual-Loops>
        </Plan>
      </Plans>
    </Plan>
    <Triggers>
    </Triggers>
  </Query>
</explain>"#,
    ),
];

#[test]
fn formats_match_postgresql() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    s.batch(SETUP).unwrap();
    let mut failed = Vec::new();
    for (sql, expected) in CASES {
        let r = s.query(sql, &[]).expect(sql);
        assert_eq!(r.rows.len(), 1, "{sql}");
        let got: String = r.rows[0].get::<String>(0).unwrap();
        if got != *expected {
            failed.push(format!("{sql}\n--- got:\n{got}\n--- expected:\n{expected}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}

#[test]
fn json_column_is_typed_json() {
    let db = Database::open_in_memory();
    let mut s = db.session();
    let r = s.query("EXPLAIN (FORMAT JSON) SELECT 1", &[]).unwrap();
    assert_eq!(r.columns[0].name, "QUERY PLAN");
    assert_eq!(r.columns[0].ty, rocksgres_engine::SqlType::Json);
    let r = s
        .query("EXPLAIN (ANALYZE, FORMAT JSON) SELECT 1", &[])
        .unwrap();
    let doc: String = r.rows[0].get::<String>(0).unwrap();
    for key in [
        "\"Actual Startup Time\": ",
        "\"Actual Total Time\": ",
        "\"Planning Time\": ",
        "\"Triggers\": [",
        "\"Execution Time\": ",
    ] {
        assert!(doc.contains(key), "{key} in {doc}");
    }
}
