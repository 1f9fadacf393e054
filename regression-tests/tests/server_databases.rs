//! Several databases through a real server, as PostgreSQL 15 behaves:
//! CREATE DATABASE and connecting to it, objects kept apart per database,
//! DROP DATABASE refused while others are connected (55006) and ending
//! them WITH (FORCE) (57P01 to them), FATAL 3D000 for a database that does
//! not exist, databases surviving a restart, and DROP DATABASE removing
//! the data (a database created again under the same name is empty).

mod server_harness;

use std::time::Duration;

use server_harness::TestServer;

/// A client session on database `db`.
fn connect_to(port: u16, db: &str) -> Result<postgres::Client, postgres::Error> {
    postgres::Config::new()
        .host("127.0.0.1")
        .port(port)
        .user("postgres")
        .dbname(db)
        .connect_timeout(Duration::from_secs(10))
        .connect(postgres::NoTls)
}

/// The error of a connection attempt that must fail.
fn refused(port: u16, db: &str) -> postgres::Error {
    match connect_to(port, db) {
        Ok(_) => panic!("connected to {db}"),
        Err(e) => e,
    }
}

fn code(e: &postgres::Error) -> String {
    e.code().map(|c| c.code().to_string()).unwrap_or_default()
}

fn ids(c: &mut postgres::Client) -> Vec<i32> {
    c.query("SELECT id FROM t ORDER BY id", &[])
        .expect("select")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn databases_are_separate_and_droppable() {
    let mut server = TestServer::start();
    let port = server.port();
    let mut admin = server.connect();

    // A database that does not exist: FATAL 3D000 at start-up.
    let e = refused(port, "nosuch");
    assert_eq!(code(&e), "3D000", "{e}");
    let db_error = e.as_db_error().expect("a server error");
    assert_eq!(db_error.severity(), "FATAL");
    assert_eq!(db_error.message(), "database \"nosuch\" does not exist");
    // template0 does not accept connections.
    let e = refused(port, "template0");
    assert_eq!(code(&e), "55000", "{e}");

    admin
        .batch_execute(
            "CREATE DATABASE shop TEMPLATE template0 ENCODING 'UTF8' \
             LOCALE_PROVIDER libc LOCALE 'C.UTF-8'",
        )
        .expect("create database");
    let e = admin
        .batch_execute("CREATE DATABASE shop")
        .expect_err("duplicate");
    assert_eq!(code(&e), "42P04");

    // The same table name in two databases, different rows.
    let mut shop = connect_to(port, "shop").expect("connect to shop");
    admin
        .batch_execute("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2)")
        .expect("postgres.t");
    shop.batch_execute("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (10)")
        .expect("shop.t");
    assert_eq!(ids(&mut admin), [1, 2]);
    assert_eq!(ids(&mut shop), [10]);
    let name: String = shop
        .query_one("SELECT current_database()", &[])
        .expect("current_database")
        .get(0);
    assert_eq!(name, "shop");
    let datcollate: String = shop
        .query_one(
            "SELECT datcollate FROM pg_database WHERE datname = current_database()",
            &[],
        )
        .expect("pg_database")
        .get(0);
    assert_eq!(datcollate, "C.UTF-8");

    // Others connected: 55006 with a DETAIL, nothing dropped.
    let e = admin
        .batch_execute("DROP DATABASE shop")
        .expect_err("in use");
    let db_error = e.as_db_error().expect("a server error");
    assert_eq!(db_error.code().code(), "55006");
    assert_eq!(
        db_error.message(),
        "database \"shop\" is being accessed by other users"
    );
    assert_eq!(
        db_error.detail(),
        Some("There is 1 other session using the database.")
    );
    let e = shop
        .batch_execute("DROP DATABASE shop")
        .expect_err("current");
    assert_eq!(code(&e), "55006");
    assert_eq!(
        e.as_db_error().expect("db error").message(),
        "cannot drop the currently open database"
    );

    // Both databases survive a restart.
    drop(shop);
    server.kill_and_restart(&[]);
    let port = server.port();
    let mut admin = server.connect();
    let mut shop = connect_to(port, "shop").expect("connect to shop after restart");
    assert_eq!(ids(&mut admin), [1, 2]);
    assert_eq!(ids(&mut shop), [10]);

    // WITH (FORCE) ends the other session: it is told FATAL 57P01.
    admin
        .batch_execute("DROP DATABASE shop WITH (FORCE)")
        .expect("drop with force");
    let e = shop.batch_execute("SELECT 1").expect_err("terminated");
    if let Some(db_error) = e.as_db_error() {
        assert_eq!(db_error.code().code(), "57P01");
    } else {
        assert!(shop.is_closed(), "{e}");
    }
    let e = refused(port, "shop");
    assert_eq!(code(&e), "3D000");

    // Created again under the same name: empty.
    admin
        .batch_execute("CREATE DATABASE shop")
        .expect("create again");
    let mut shop = connect_to(port, "shop").expect("connect to the new shop");
    let e = shop
        .batch_execute("SELECT * FROM t")
        .expect_err("no table t");
    assert_eq!(code(&e), "42P01");
    let tables: i64 = shop
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .expect("pg_class")
        .get(0);
    assert_eq!(tables, 0);
    drop(shop);
    admin.batch_execute("DROP DATABASE shop").expect("drop");
    assert_eq!(ids(&mut admin), [1, 2]);
}

/// `ALTER DATABASE d SET` reaches each new connection to `d`, outranking
/// the server's `-c` settings and outranked by the client's start-up
/// options, as PostgreSQL's sources (argv < database < client).
#[test]
fn alter_database_set_reaches_new_connections() {
    let server = TestServer::start_with(&["-c", "work_mem=2MB"]);
    let port = server.port();
    let mut admin = server.connect();
    admin.batch_execute("CREATE DATABASE dset").unwrap();
    admin
        .batch_execute("ALTER DATABASE dset SET work_mem = '64MB'")
        .unwrap();
    let show =
        |c: &mut postgres::Client| -> String { c.query_one("SHOW work_mem", &[]).unwrap().get(0) };
    let mut c = connect_to(port, "dset").unwrap();
    assert_eq!(show(&mut c), "64MB");
    assert_eq!(show(&mut admin), "2MB");
    let mut opt = postgres::Config::new()
        .host("127.0.0.1")
        .port(port)
        .user("postgres")
        .dbname("dset")
        .options("-c work_mem=8MB")
        .connect(postgres::NoTls)
        .unwrap();
    assert_eq!(show(&mut opt), "8MB");
    admin
        .batch_execute("ALTER DATABASE dset RESET work_mem")
        .unwrap();
    let mut c2 = connect_to(port, "dset").unwrap();
    assert_eq!(show(&mut c2), "2MB");
    drop((c, c2, opt));
}

/// `CREATE DATABASE b TEMPLATE a` copies `a` whole (rows, indexes,
/// sequences with their state, views), refuses with 55006 while another
/// connection is on `a`, and the copy and the template go their own ways,
/// across connections and a kill and restart of the server.
#[test]
fn create_database_copies_its_template() {
    let mut server = TestServer::start();
    let port = server.port();
    let mut admin = server.connect();
    admin
        .batch_execute("CREATE DATABASE tpl_a")
        .expect("create a");
    let mut a = connect_to(port, "tpl_a").expect("connect to a");
    a.batch_execute(
        "CREATE TABLE t (id serial PRIMARY KEY, v text); \
         INSERT INTO t (v) VALUES ('x'), ('y'); CREATE INDEX t_v ON t (v); \
         CREATE VIEW tv AS SELECT id FROM t WHERE v = 'y'",
    )
    .expect("objects of a");

    let e = admin
        .batch_execute("CREATE DATABASE tpl_b TEMPLATE tpl_a")
        .expect_err("a in use");
    let db_error = e.as_db_error().expect("a server error");
    assert_eq!(db_error.code().code(), "55006");
    assert_eq!(
        db_error.message(),
        "source database \"tpl_a\" is being accessed by other users"
    );
    assert_eq!(
        db_error.detail(),
        Some("There is 1 other session using the database.")
    );
    drop(a);
    admin
        .batch_execute("CREATE DATABASE tpl_b TEMPLATE tpl_a")
        .expect("copy once a is left");

    let mut b = connect_to(port, "tpl_b").expect("connect to b");
    assert_eq!(ids(&mut b), [1, 2]);
    let in_view: i32 = b.query_one("SELECT id FROM tv", &[]).expect("view").get(0);
    assert_eq!(in_view, 2);
    b.batch_execute("INSERT INTO t (v) VALUES ('b')")
        .expect("insert in b");
    let mut a = connect_to(port, "tpl_a").expect("connect to a again");
    a.batch_execute("INSERT INTO t (v) VALUES ('a')")
        .expect("insert in a");
    let v_of = |c: &mut postgres::Client, id: i32| -> String {
        c.query_one("SELECT v FROM t WHERE id = $1", &[&id])
            .expect("row 3")
            .get(0)
    };
    assert_eq!(v_of(&mut a, 3), "a");
    assert_eq!(v_of(&mut b, 3), "b");

    drop((a, b));
    server.kill_and_restart(&[]);
    let port = server.port();
    let mut admin = server.connect();
    let mut a = connect_to(port, "tpl_a").expect("a after restart");
    let mut b = connect_to(port, "tpl_b").expect("b after restart");
    assert_eq!(ids(&mut a), [1, 2, 3]);
    assert_eq!(ids(&mut b), [1, 2, 3]);
    // Each sequence resumes past the values it handed out.
    let next = |c: &mut postgres::Client| -> i64 {
        c.query_one("SELECT nextval('t_id_seq')", &[])
            .expect("nextval")
            .get(0)
    };
    assert!(next(&mut a) > 3);
    assert!(next(&mut b) > 3);
    drop(b);
    admin.batch_execute("DROP DATABASE tpl_b").expect("drop b");
    assert_eq!(ids(&mut a), [1, 2, 3]);
}
