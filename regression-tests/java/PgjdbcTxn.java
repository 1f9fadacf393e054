// Transactions, command counts and failed-transaction rules as pgjdbc
// (the PostgreSQL JDBC driver, extended protocol) sees them. Run with
// `java -cp postgresql.jar PgjdbcTxn.java PORT`; prints OK when every check
// passes. The same program runs against PostgreSQL 15 (the reference) and
// against Rocksgres: see regression-tests/tests/driver_pgjdbc.rs.

import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Objects;

public class PgjdbcTxn {
    static int failures = 0;

    static void eq(Object got, Object want, String what) {
        if (!Objects.equals(got, want)) {
            failures++;
            System.out.println("FAIL: " + what + ": got " + got + ", want " + want);
        }
    }

    static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The SQLSTATE `sql` fails with, or "ok". */
    static String stateOf(Connection c, String sql) {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
            return "ok";
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }

    /** The first column of every row of `sql` with `params`, arrays as lists. */
    static String rows(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            StringBuilder out = new StringBuilder();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    java.sql.Array a = rs.getArray(1);
                    out.append(a == null ? "null" : Arrays.toString((Object[]) a.getArray())).append(';');
                }
            }
            return out.toString();
        }
    }

    /** Array parameters and results (binary with prepareThreshold=-1). */
    static void arrays(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url)) {
            java.sql.Array ids = c.createArrayOf("int4", new Integer[] {1, 3, null});
            java.sql.Array tags = c.createArrayOf("text", new String[] {"a", "b c"});
            String what = url.endsWith("-1") ? " (binary)" : "";
            eq(rows(c, "SELECT ARRAY[g] FROM generate_series(1, 4) g WHERE g = ANY(?) ORDER BY g", ids),
                "[1];[3];", "= ANY(int[] parameter)" + what);
            eq(rows(c, "SELECT ? || ARRAY['d']", tags), "[a, b c, d];", "text[] parameter" + what);
            eq(rows(c, "SELECT array_agg(x ORDER BY x DESC) FROM unnest(?::int[]) x", ids),
                "[null, 3, 1];", "array_agg over unnest" + what);
            eq(rows(c, "SELECT ARRAY[1] WHERE ?::text[] @> ARRAY['a'] AND ?::text[] && ARRAY['x']", tags, tags),
                "", "@> and &&" + what);
        }
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/postgres?user=postgres&sslmode=disable";
        try (Connection c = DriverManager.getConnection(url)) {
            try (Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS jt");
                st.execute("CREATE TABLE jt (id int PRIMARY KEY, v text)");
            }

            // Autocommit prepared statements, past pgjdbc's prepareThreshold
            // (5) so that named server-side statements are used too.
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO jt VALUES (?, ?)");
                 PreparedStatement del = c.prepareStatement("DELETE FROM jt WHERE id = ?")) {
                for (int i = 1; i <= 8; i++) {
                    ins.setInt(1, i);
                    ins.setString(2, "v" + i);
                    eq(ins.executeUpdate(), 1, "insert " + i);
                }
                for (int i = 1; i <= 7; i++) {
                    del.setInt(1, i);
                    eq(del.executeUpdate(), 1, "delete " + i);
                    eq(count(c, "SELECT count(*) FROM jt WHERE id = " + i), 0L, "row " + i + " gone after its delete");
                }
                del.setLong(1, 8L);
                eq(del.executeUpdate(), 1, "delete with a bigint parameter");
                eq(count(c, "SELECT count(*) FROM jt"), 0L, "table empty after the deletes");
                del.setInt(1, 99);
                eq(del.executeUpdate(), 0, "delete of a missing row");
            }

            // executeBatch: one Sync for the whole batch.
            try (PreparedStatement bi = c.prepareStatement("INSERT INTO jt VALUES (?, ?)")) {
                for (int i = 10; i < 15; i++) {
                    bi.setInt(1, i);
                    bi.setString(2, "b");
                    bi.addBatch();
                }
                // pgjdbc reads each count from its CommandComplete tag
                // (`INSERT 0 1`), unless the Describe of the statement
                // answered a RowDescription instead of NoData.
                eq(Arrays.toString(bi.executeBatch()), "[1, 1, 1, 1, 1]", "prepared insert batch counts");
            }
            eq(count(c, "SELECT count(*) FROM jt"), 5L, "rows after the insert batch");
            try (PreparedStatement up = c.prepareStatement("UPDATE jt SET v = ? WHERE id >= ?")) {
                up.setString(1, "u");
                up.setInt(2, 13);
                up.addBatch();
                up.setString(1, "w");
                up.setInt(2, 100);
                up.addBatch();
                up.setString(1, "x");
                up.setInt(2, 10);
                up.addBatch();
                eq(Arrays.toString(up.executeBatch()), "[2, 0, 5]", "prepared update batch counts");
            }
            try (Statement st = c.createStatement()) {
                st.addBatch("INSERT INTO jt VALUES (20, 's'), (21, 's')");
                st.addBatch("UPDATE jt SET v = 't' WHERE id >= 20");
                st.addBatch("DELETE FROM jt WHERE id = 21");
                eq(Arrays.toString(st.executeBatch()), "[2, 2, 1]", "statement batch counts");
            }
            eq(count(c, "SELECT count(*) FROM jt"), 6L, "rows after the statement batch");
            eq(count(c, "SELECT count(*) FROM jt WHERE v = 'x'"), 5L, "rows the update batch changed last");

            // A batch that fails half-way is one implicit transaction in
            // autocommit mode: nothing of it remains.
            try (PreparedStatement bi = c.prepareStatement("INSERT INTO jt VALUES (?, 'f')")) {
                bi.setInt(1, 30);
                bi.addBatch();
                bi.setInt(1, 10); // duplicate key
                bi.addBatch();
                bi.setInt(1, 31);
                bi.addBatch();
                String state = "ok";
                try {
                    bi.executeBatch();
                } catch (BatchUpdateException e) {
                    state = e.getSQLState();
                }
                eq(state, "23505", "failing batch");
            }
            eq(count(c, "SELECT count(*) FROM jt WHERE id IN (30, 31)"), 0L, "failed batch left nothing");

            // After an error inside a transaction every statement fails with
            // 25P02 until ROLLBACK, whether the error came at execution or
            // while the statement was parsed.
            c.setAutoCommit(false);
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO jt VALUES (?, 'tx')")) {
                ins.setInt(1, 40);
                ins.executeUpdate();
            }
            eq(stateOf(c, "SELECT 1/0"), "22012", "error in the transaction");
            eq(stateOf(c, "SELECT 1"), "25P02", "statement after the error");
            eq(stateOf(c, "INSERT INTO jt VALUES (41, 'tx')"), "25P02", "insert after the error");
            c.rollback();
            eq(count(c, "SELECT count(*) FROM jt WHERE id >= 40"), 0L, "rolled back");
            c.commit();
            eq(stateOf(c, "SELECT * FROM missing_table"), "42P01", "parse-time error in the transaction");
            eq(stateOf(c, "SELECT 1"), "25P02", "statement after the parse-time error");
            c.rollback();

            // Commit and rollback through the driver.
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO jt VALUES (?, 'tx')")) {
                ins.setInt(1, 50);
                ins.executeUpdate();
                c.commit();
                ins.setInt(1, 51);
                ins.executeUpdate();
                c.rollback();
            }
            eq(count(c, "SELECT count(*) FROM jt WHERE id >= 50"), 1L, "commit kept, rollback undone");
            c.commit();

            // Read-only transactions (pgjdbc sends BEGIN READ ONLY).
            c.setReadOnly(true);
            eq(stateOf(c, "INSERT INTO jt VALUES (60, 'ro')"), "25006", "insert in a read-only transaction");
            c.rollback();
            c.setReadOnly(false);

            // Isolation through SET SESSION CHARACTERISTICS.
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW transaction_isolation")) {
                rs.next();
                eq(rs.getString(1), "repeatable read", "isolation level");
            }
            c.commit();
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            c.setAutoCommit(true);
            eq(count(c, "SELECT count(*) FROM jt"), 7L, "final row count");
        }
        arrays(url);
        arrays(url + "&prepareThreshold=-1");
        System.out.println(failures == 0 ? "OK" : "FAILED " + failures);
        System.exit(failures == 0 ? 0 : 1);
    }
}
