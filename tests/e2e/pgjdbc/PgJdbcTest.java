// PgJdbcTest: the PostgreSQL JDBC driver (Debian's libpostgresql-jdbc-java, /usr/share/java/postgresql.jar)
// against a server holding a table "clicks" (user_id bigint, url text, ts timestamptz, status int,
// bytes bigint) that another process keeps writing to (tests/e2e/pgclients.py). Compiled and run by
// tests/e2e/test_pg_clients.py; also run against real PostgreSQL there (PGCLIENT_TARGET=postgres) so the
// checks themselves are known to be right.
//
// Covers: connecting (startup, ParameterStatus), DatabaseMetaData (product name, getTables, getColumns with
// JDBC types), plain statements, PreparedStatement with parameters run more often than prepareThreshold (so
// the driver switches to named server-side statements and binary results), getString/getLong/getInt/
// getTimestamp, a timestamp parameter, fetch size with autocommit off (a portal read in row-limited
// Executes), an error's SQLState, and that counts stay between what the writer had acknowledged before a
// query and what it had sent after it.
//
// Usage: java -cp .:/usr/share/java/postgresql.jar PgJdbcTest JDBC_URL USER PROGRESS_FILE
// Prints PASS/FAIL per check and exits 1 if any check failed.
import java.nio.file.Files;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class PgJdbcTest {
    static int failures = 0;
    static String progressPath;

    interface Check { void run(Connection c) throws Exception; }

    static void check(boolean cond, String msg) {
        if (!cond) throw new AssertionError(msg);
    }

    static long[] progress() throws Exception {
        String s = new String(Files.readAllBytes(Paths.get(progressPath)), "UTF-8");
        Matcher sent = Pattern.compile("\"sent\":\\s*(\\d+)").matcher(s);
        Matcher acked = Pattern.compile("\"acked\":\\s*(\\d+)").matcher(s);
        check(sent.find() && acked.find(), "unreadable progress file: " + s);
        return new long[] {Long.parseLong(sent.group(1)), Long.parseLong(acked.group(1))};
    }

    static void run(Connection c, String name, Check k) {
        try {
            k.run(c);
            System.out.println("PASS " + name);
        } catch (Throwable t) {
            failures++;
            System.out.println("FAIL " + name + ": " + t);
        }
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        progressPath = args[2];
        Properties p = new Properties();
        p.setProperty("user", args[1]);
        p.setProperty("password", "");
        p.setProperty("prepareThreshold", "3");
        p.setProperty("ApplicationName", "weir-jdbc-test");
        try (Connection c = DriverManager.getConnection(url, p)) {
            run(c, "connect", conn -> {
                check(!conn.isClosed(), "connection closed");
                check(conn.isValid(5), "isValid");
            });
            run(c, "metadata_product", conn -> {
                DatabaseMetaData md = conn.getMetaData();
                check("PostgreSQL".equals(md.getDatabaseProductName()), "product " + md.getDatabaseProductName());
                check(md.getDatabaseMajorVersion() >= 9, "major version " + md.getDatabaseMajorVersion());
            });
            run(c, "metadata_getTables", conn -> {
                DatabaseMetaData md = conn.getMetaData();
                List<String> names = new ArrayList<>();
                try (ResultSet rs = md.getTables(null, "public", "%", new String[] {"TABLE"})) {
                    while (rs.next()) names.add(rs.getString("TABLE_NAME") + ":" + rs.getString("TABLE_TYPE"));
                }
                check(names.contains("clicks:TABLE"), "getTables: " + names);
            });
            run(c, "metadata_getColumns", conn -> {
                DatabaseMetaData md = conn.getMetaData();
                List<String> cols = new ArrayList<>();
                try (ResultSet rs = md.getColumns(null, "public", "clicks", null)) {
                    while (rs.next())
                        cols.add(rs.getString("COLUMN_NAME") + ":" + rs.getString("TYPE_NAME") + ":"
                                 + rs.getInt("DATA_TYPE") + ":" + rs.getInt("ORDINAL_POSITION"));
                }
                List<String> want = List.of("user_id:int8:" + Types.BIGINT + ":1", "url:text:" + Types.VARCHAR + ":2",
                                            "ts:timestamptz:" + Types.TIMESTAMP + ":3", "status:int4:" + Types.INTEGER + ":4",
                                            "bytes:int8:" + Types.BIGINT + ":5");
                check(cols.equals(want), "getColumns: " + cols + ", want " + want);
            });
            run(c, "statement_count", conn -> {
                try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM clicks")) {
                    check(rs.next(), "no row");
                    check(rs.getLong(1) >= 500, "count " + rs.getLong(1));
                    check(rs.getMetaData().getColumnType(1) == Types.BIGINT, "count type " + rs.getMetaData().getColumnTypeName(1));
                }
            });
            run(c, "prepared_parameters_repeated", conn -> {
                // more executions than prepareThreshold: named server-side statement, binary results
                try (PreparedStatement ps = conn.prepareStatement(
                        "SELECT count(*), sum(bytes) FROM clicks WHERE status = ? AND bytes < ?")) {
                    for (int i = 0; i < 8; i++) {
                        ps.setInt(1, 200);
                        ps.setLong(2, 300);
                        try (ResultSet rs = ps.executeQuery()) {
                            check(rs.next(), "no row");
                            // rows 0..299 are written first (preload), status 200 for i % 6 in {0,1,2}
                            check(rs.getLong(1) == 150, "count " + rs.getLong(1) + " at execution " + i);
                            long want = 0;
                            for (int b = 0; b < 300; b++) if (b % 6 < 3) want += b;
                            check(rs.getLong(2) == want, "sum " + rs.getLong(2) + " want " + want);
                        }
                    }
                }
            });
            run(c, "getters", conn -> {
                try (PreparedStatement ps = conn.prepareStatement(
                        "SELECT user_id, url, ts, status, bytes FROM clicks WHERE bytes < ? ORDER BY bytes")) {
                    for (int round = 0; round < 5; round++) {
                        ps.setLong(1, 120);
                        int n = 0;
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                long bytes = rs.getLong("bytes");
                                check(bytes == n, "row " + n + " has bytes " + bytes);
                                check(rs.getLong("user_id") == bytes % 100, "user_id " + rs.getLong("user_id"));
                                check(("/p/" + (bytes % 7)).equals(rs.getString("url")), "url " + rs.getString("url"));
                                int[] st = {200, 200, 200, 404, 500, 301};
                                check(rs.getInt("status") == st[(int) (bytes % 6)], "status " + rs.getInt("status"));
                                Timestamp ts = rs.getTimestamp("ts");
                                check(ts != null && ts.getTime() > 1577836800000L
                                      && ts.getTime() < System.currentTimeMillis() + 60000, "ts " + ts);
                                check(rs.getString("ts") != null, "ts as string");
                                n++;
                            }
                        }
                        check(n == 120, "rows " + n + " in round " + round);
                    }
                }
            });
            run(c, "timestamp_parameter", conn -> {
                try (PreparedStatement ps = conn.prepareStatement("SELECT count(*) FROM clicks WHERE ts > ? AND ts <= ?")) {
                    ps.setTimestamp(1, new Timestamp(0));
                    ps.setTimestamp(2, new Timestamp(System.currentTimeMillis() + 3600000L));
                    try (ResultSet rs = ps.executeQuery()) {
                        check(rs.next() && rs.getLong(1) >= 500, "count by time");
                    }
                }
            });
            run(c, "consistency_while_writing", conn -> {
                long last = -1;
                try (PreparedStatement ps = conn.prepareStatement("SELECT count(*) FROM clicks")) {
                    for (int i = 0; i < 20; i++) {
                        long acked = progress()[1];
                        long n;
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            n = rs.getLong(1);
                        }
                        long sent = progress()[0];
                        check(n >= acked, "count " + n + " < rows acknowledged before the query " + acked);
                        check(n <= sent, "count " + n + " > rows sent by the end of the query " + sent);
                        check(n >= last, "count went down: " + last + " -> " + n);
                        last = n;
                        Thread.sleep(50);
                    }
                }
            });
            run(c, "fetch_size_portal", conn -> {
                conn.setAutoCommit(false);
                try (Statement st = conn.createStatement()) {
                    st.setFetchSize(64);
                    int n = 0;
                    try (ResultSet rs = st.executeQuery("SELECT bytes FROM clicks WHERE bytes < 400 ORDER BY bytes")) {
                        while (rs.next()) {
                            check(rs.getLong(1) == n, "row " + n + " is " + rs.getLong(1));
                            n++;
                        }
                    }
                    check(n == 400, "rows " + n);
                } finally {
                    conn.commit();
                    conn.setAutoCommit(true);
                }
            });
            run(c, "error_sqlstate", conn -> {
                try (Statement st = conn.createStatement()) {
                    st.executeQuery("SELECT no_such_column FROM clicks");
                    check(false, "no error");
                } catch (SQLException e) {
                    check("42703".equals(e.getSQLState()), "SQLState " + e.getSQLState() + ": " + e.getMessage());
                }
                try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                    check(rs.next() && rs.getInt(1) == 1, "session unusable after an error");
                }
            });
        }
        System.out.println(failures == 0 ? "jdbc: all checks passed" : "jdbc: " + failures + " checks failed");
        System.exit(failures == 0 ? 0 : 1);
    }
}
