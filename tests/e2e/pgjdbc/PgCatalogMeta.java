// PgCatalogMeta: prints what the PostgreSQL JDBC driver's DatabaseMetaData answers (Debian's
// libpostgresql-jdbc-java), one section per call, so tests/e2e/test_pg_catalog.py can compare weir's
// answers with a PostgreSQL 15's for the same table. Every call is a catalog query the driver writes
// itself (pg_class, pg_attribute, pg_namespace, pg_type, pg_index, pg_proc, ...): tables, columns,
// schemas, keys and indexes (information_schema._pg_expandarray in a SELECT list, field selection on its
// row), privileges, type info, functions and their columns (pg_proc.proargtypes / proargnames /
// proargmodes), and the ResultSetMetaData of queries, hidden columns included.
//
// Usage: java -cp .:/usr/share/java/postgresql.jar PgCatalogMeta JDBC_URL USER TABLE
// Output, per call:
//   == <call>
//   <column labels separated by |>
//   <one line per row, values separated by |, NULL as \N>
// or "ERROR <SQLState> <message>" after the "==" line when the call failed. Exits 0 unless it could not
// connect.
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.Properties;

public class PgCatalogMeta {
    interface Call { ResultSet run(DatabaseMetaData md) throws SQLException; }

    static void section(DatabaseMetaData md, String name, Call call) {
        System.out.println("== " + name);
        try (ResultSet rs = call.run(md)) {
            ResultSetMetaData m = rs.getMetaData();
            StringBuilder h = new StringBuilder();
            for (int i = 1; i <= m.getColumnCount(); i++) h.append(i > 1 ? "|" : "").append(m.getColumnLabel(i));
            System.out.println(h);
            while (rs.next()) {
                StringBuilder sb = new StringBuilder();
                for (int i = 1; i <= m.getColumnCount(); i++) {
                    String v = rs.getString(i);
                    sb.append(i > 1 ? "|" : "").append(v == null ? "\\N" : v);
                }
                System.out.println(sb);
            }
        } catch (SQLException e) {
            System.out.println("ERROR " + e.getSQLState() + " " + e.getMessage().replace('\n', ' '));
        }
    }

    static void resultSetMetaData(Connection c, String name, String sql) {
        System.out.println("== " + name);
        try (java.sql.Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData m = rs.getMetaData();
            System.out.println("name|type|jdbcType|nullable|table|precision|scale");
            for (int i = 1; i <= m.getColumnCount(); i++)
                System.out.println(m.getColumnName(i) + "|" + m.getColumnTypeName(i) + "|" + m.getColumnType(i) + "|"
                                   + m.isNullable(i) + "|" + m.getTableName(i) + "|" + m.getPrecision(i) + "|"
                                   + m.getScale(i));
        } catch (SQLException e) {
            System.out.println("ERROR " + e.getSQLState() + " " + e.getMessage().replace('\n', ' '));
        }
    }

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", args[1]);
        p.setProperty("password", "");
        p.setProperty("ApplicationName", "weir-catalog-test");
        String table = args[2];
        try (Connection c = DriverManager.getConnection(args[0], p)) {
            DatabaseMetaData md = c.getMetaData();
            section(md, "getTables", m -> m.getTables(null, "public", "%", new String[] {"TABLE"}));
            section(md, "getColumns", m -> m.getColumns(null, "public", table, null));
            section(md, "getSchemas", m -> m.getSchemas());
            section(md, "getSchemasPattern", m -> m.getSchemas(null, "pub%"));
            section(md, "getCatalogs", m -> m.getCatalogs());
            section(md, "getPrimaryKeys", m -> m.getPrimaryKeys(null, "public", table));
            section(md, "getIndexInfo", m -> m.getIndexInfo(null, "public", table, false, true));
            section(md, "getImportedKeys", m -> m.getImportedKeys(null, "public", table));
            section(md, "getTypeInfo", m -> m.getTypeInfo());
            section(md, "getFunctions", m -> m.getFunctions(null, "public", "%"));
            section(md, "getTablePrivileges", m -> m.getTablePrivileges(null, "public", table));
            section(md, "getTableTypes", m -> m.getTableTypes());
            section(md, "getColumnPrivileges", m -> m.getColumnPrivileges(null, "public", table, "%"));
            section(md, "getBestRowIdentifier",
                    m -> m.getBestRowIdentifier(null, "public", table, DatabaseMetaData.bestRowSession, true));
            section(md, "getVersionColumns", m -> m.getVersionColumns(null, "public", table));
            section(md, "getExportedKeys", m -> m.getExportedKeys(null, "public", table));
            section(md, "getCrossReference", m -> m.getCrossReference(null, "public", table, null, "public", table));
            section(md, "getProcedures", m -> m.getProcedures(null, "public", "%"));
            // built-in functions weir has with every overload PostgreSQL has, as PostgreSQL lists them
            // (pg_proc: argument types as an oidvector, names, modes of VARIADIC ones, defaults)
            for (String fn : new String[] {"abs", "make_interval", "to_timestamp", "date_trunc", "round", "to_char",
                                           "jsonb_extract_path_text", "concat_ws", "format"}) {
                section(md, "getFunctions " + fn, m -> m.getFunctions(null, "pg_catalog", fn));
                section(md, "getFunctionColumns " + fn, m -> m.getFunctionColumns(null, "pg_catalog", fn, "%"));
                section(md, "getProcedureColumns " + fn, m -> m.getProcedureColumns(null, "pg_catalog", fn, "%"));
            }
            // the result set of a plain query, described through the catalog (table name, nullability)
            resultSetMetaData(c, "resultSetMetaData", "SELECT * FROM " + table + " LIMIT 0");
            // weir's hidden columns, found in pg_attribute by the attnum RowDescription gives them (-1..-7, where
            // PostgreSQL keeps system columns): PostgreSQL has no such columns, the test checks weir's answer
            resultSetMetaData(c, "hiddenColumns", "SELECT _shard_id, _arrival_time, _message_length, user_id FROM " + table
                                                  + " LIMIT 0");
        }
    }
}
