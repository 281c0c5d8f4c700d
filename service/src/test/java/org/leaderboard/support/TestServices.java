package org.leaderboard.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Points one test class at its own, freshly created PostgreSQL database and Redis database
 * index on the machine's real servers, so test classes never see each other's data.
 */
public final class TestServices {

    public static final String ORGANIZER_TOKEN = "test-organizer-token";
    public static final String INGEST_TOKEN = "test-ingest-token";
    public static final String PG_HOST = System.getProperty("test.pg.host", "127.0.0.1");
    public static final int PG_PORT = Integer.getInteger("test.pg.port", 5432);

    private TestServices() {
    }

    /**
     * Drops and recreates database {@code name}, then registers the properties that make the
     * service use it (through {@code pgPort}, which a test may point at a proxy) and Redis
     * database {@code redisDatabase}.
     */
    public static void isolate(DynamicPropertyRegistry registry, String name, int redisDatabase, int pgPort) {
        recreateDatabase(name);
        registry.add("spring.r2dbc.url", () -> "r2dbc:postgresql://" + PG_HOST + ":" + pgPort + "/" + name);
        registry.add("spring.r2dbc.username", () -> "postgres");
        redis(registry, redisDatabase);
        registry.add("leaderboard.auth.organizer-token", () -> ORGANIZER_TOKEN);
        registry.add("leaderboard.auth.ingest-token", () -> INGEST_TOKEN);
    }

    /**
     * Points the service at Redis database {@code redisDatabase} of the test server
     * ({@code test.redis.host}/{@code test.redis.port}, so two checkouts can test side by side).
     */
    public static void redis(DynamicPropertyRegistry registry, int redisDatabase) {
        registry.add("spring.data.redis.host", () -> RedisDatabases.HOST);
        registry.add("spring.data.redis.port", () -> RedisDatabases.PORT);
        registry.add("spring.data.redis.database", () -> redisDatabase);
    }

    /** As {@link #isolate(DynamicPropertyRegistry, String, int)}, on a Redis server of the test's own. */
    public static void isolate(DynamicPropertyRegistry registry, String name, RedisServer redis) {
        recreateDatabase(name);
        registry.add("spring.r2dbc.url", () -> "r2dbc:postgresql://" + PG_HOST + ":" + PG_PORT + "/" + name);
        registry.add("spring.r2dbc.username", () -> "postgres");
        registry.add("spring.data.redis.host", () -> "127.0.0.1");
        registry.add("spring.data.redis.port", redis::port);
        registry.add("spring.data.redis.database", () -> 0);
        registry.add("leaderboard.auth.organizer-token", () -> ORGANIZER_TOKEN);
        registry.add("leaderboard.auth.ingest-token", () -> INGEST_TOKEN);
    }

    public static void isolate(DynamicPropertyRegistry registry, String name, int redisDatabase) {
        isolate(registry, name, redisDatabase, PG_PORT);
    }

    /** A JDBC connection to a test database, straight to PostgreSQL; for assertions on the ledger. */
    public static Connection jdbc(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + PG_HOST + ":" + PG_PORT + "/" + database,
                "postgres", "");
    }

    /** Drops and recreates database {@code name}, empty (no migrations). */
    public static void freshDatabase(String name) {
        recreateDatabase(name);
    }

    private static void recreateDatabase(String name) {
        try (Connection connection = jdbc("postgres"); Statement statement = connection.createStatement()) {
            statement.execute("drop database if exists \"" + name + "\" with (force)");
            statement.execute("create database \"" + name + "\"");
        }
        catch (SQLException ex) {
            throw new IllegalStateException("Cannot prepare test database " + name
                    + " (is PostgreSQL running on " + PG_HOST + ":" + PG_PORT + "?)", ex);
        }
    }
}
