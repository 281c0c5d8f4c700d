package org.leaderboard.system;

import java.net.URI;
import java.sql.SQLException;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.env.Environment;

/**
 * Turns "PostgreSQL or Redis cannot be reached" at start-up into one clear message: which one,
 * where the service looked (from the same settings it used), and how to start it or point the
 * service elsewhere, instead of a page of stack trace. PostgreSQL is recognised by a connection
 * failure (SQL state class 08) under the start-up's failure, as the migrations or the database's
 * creation meet it; Redis by {@link RedisStartupCheck}'s failure. Registered in
 * {@code META-INF/spring.factories}; Spring Boot logs the analysis and the service exits non-zero.
 */
class BackingServiceFailureAnalyzer implements FailureAnalyzer {

    private final Environment environment;

    BackingServiceFailureAnalyzer(Environment environment) {
        this.environment = environment;
    }

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BackingServiceUnavailableException unavailable) {
                return unavailable.service() == BackingServiceUnavailableException.Service.REDIS
                        ? redis(unavailable.getCause()) : postgres(unavailable.getCause());
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08")) {
                return postgres(sql);
            }
        }
        return null;
    }

    private FailureAnalysis postgres(Throwable cause) {
        String url = environment.getProperty("spring.r2dbc.url", "r2dbc:postgresql://127.0.0.1:5432/leaderboard");
        String user = environment.getProperty("spring.r2dbc.username", "postgres");
        String where = describePostgres(url, user);
        return new FailureAnalysis("""
                PostgreSQL cannot be reached: the service looked for it at %s and got "%s".
                PostgreSQL holds the ledger, the truth of every gift; the service does not start without it."""
                .formatted(where, rootMessage(cause)), """
                Start PostgreSQL there, for example:
                    sudo service postgresql start                 (a native server; Debian, Ubuntu)
                    docker compose -f deploy/dev-services.yml up -d postgres   (from the repository)
                or point the service at your server: SPRING_R2DBC_URL=r2dbc:postgresql://HOST:PORT/DATABASE and \
                SPRING_R2DBC_USERNAME, SPRING_R2DBC_PASSWORD (the database is created when missing).""", cause);
    }

    private FailureAnalysis redis(Throwable cause) {
        String where = describeRedis();
        return new FailureAnalysis("""
                Redis cannot be reached: the service looked for it at %s and got "%s".
                Redis holds the live totals, boards and feeds; the service does not start without it."""
                .formatted(where, rootMessage(cause)), """
                Start Redis there, for example:
                    sudo service redis-server start               (a native server; Debian, Ubuntu)
                    docker compose -f deploy/dev-services.yml up -d redis      (from the repository)
                or point the service at your server: SPRING_DATA_REDIS_HOST, SPRING_DATA_REDIS_PORT, \
                SPRING_DATA_REDIS_DATABASE (or SPRING_DATA_REDIS_URL).""", cause);
    }

    /** Host, port and database of the R2DBC URL, without any password it may carry. */
    static String describePostgres(String r2dbcUrl, String user) {
        try {
            String rest = r2dbcUrl.replaceFirst("^r2dbc:(pool:)?", "");
            URI uri = URI.create(rest);
            String host = uri.getHost() == null ? "?" : uri.getHost();
            int port = uri.getPort() < 0 ? 5432 : uri.getPort();
            String database = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres"
                    : uri.getPath().substring(1);
            return host + ":" + port + " (database " + database + ", user " + user + ", from spring.r2dbc.url)";
        }
        catch (IllegalArgumentException ex) {
            return "spring.r2dbc.url (which is not a valid URL)";
        }
    }

    private String describeRedis() {
        String url = environment.getProperty("spring.data.redis.url");
        if (url != null && !url.isBlank()) {
            URI uri = URI.create(url);
            return uri.getHost() + ":" + (uri.getPort() < 0 ? 6379 : uri.getPort()) + " (from spring.data.redis.url)";
        }
        return environment.getProperty("spring.data.redis.host", "localhost") + ":"
                + environment.getProperty("spring.data.redis.port", "6379") + " (database "
                + environment.getProperty("spring.data.redis.database", "0")
                + ", from spring.data.redis.host and .port)";
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null ? root.getClass().getSimpleName() : message.strip();
    }
}
