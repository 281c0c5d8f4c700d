package org.leaderboard.system;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Runs the Flyway migrations over JDBC against the database of {@code spring.r2dbc.url}, once,
 * while the context starts and before the web server accepts requests. Deriving the JDBC
 * URL from the R2DBC one keeps a single connection setting for both.
 */
@Configuration(proxyBeanMethods = false)
class DatabaseMigration {

    private static final Logger log = LoggerFactory.getLogger(DatabaseMigration.class);

    @Bean(initMethod = "migrate")
    Flyway flyway(R2dbcProperties r2dbc, DatabaseProperties database) throws SQLException {
        String jdbcUrl = jdbcUrl(r2dbc.getUrl());
        if (database.createIfMissing()) {
            createIfMissing(jdbcUrl, r2dbc.getUsername(), r2dbc.getPassword());
        }
        return Flyway.configure()
                .dataSource(jdbcUrl, r2dbc.getUsername(), r2dbc.getPassword())
                .locations("classpath:db/migration")
                .load();
    }

    /** {@code r2dbc:postgresql://h:p/db?x} or {@code r2dbc:pool:postgresql://…} becomes {@code jdbc:postgresql://h:p/db?x}. */
    static String jdbcUrl(String r2dbcUrl) {
        if (r2dbcUrl == null || !r2dbcUrl.startsWith("r2dbc:")) {
            throw new IllegalStateException("spring.r2dbc.url must be an r2dbc:postgresql:// URL, was " + r2dbcUrl);
        }
        String rest = r2dbcUrl.substring("r2dbc:".length());
        if (rest.startsWith("pool:")) {
            rest = rest.substring("pool:".length());
        }
        return "jdbc:" + rest;
    }

    private static void createIfMissing(String jdbcUrl, String user, String password) throws SQLException {
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        String name = uri.getPath().replaceFirst("^/", "");
        if (name.isEmpty() || "postgres".equals(name)) {
            return;
        }
        String maintenance = jdbcUrl.replaceFirst("/" + java.util.regex.Pattern.quote(name) + "(\\?|$)", "/postgres$1");
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        try (Connection connection = DriverManager.getConnection(maintenance, props);
                PreparedStatement exists = connection.prepareStatement("select 1 from pg_database where datname = ?")) {
            exists.setString(1, name);
            try (ResultSet rs = exists.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
            try (Statement create = connection.createStatement()) {
                create.execute("create database \"" + name.replace("\"", "\"\"") + "\"");
                log.info("Created database {}", name);
            }
            catch (SQLException ex) {
                // Another instance may have created it between the check and the create.
                if (!"42P04".equals(ex.getSQLState())) {
                    throw ex;
                }
            }
        }
    }
}
