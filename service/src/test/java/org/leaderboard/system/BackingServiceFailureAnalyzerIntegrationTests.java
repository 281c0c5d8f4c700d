package org.leaderboard.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.leaderboard.LeaderboardApplication;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The whole service started with PostgreSQL, then Redis, out of reach (a port nothing listens
 * on): the start fails, and what it logs is one analysis naming the service, where it looked and
 * how to start it, not a stack trace.
 */
@ExtendWith(OutputCaptureExtension.class)
class BackingServiceFailureAnalyzerIntegrationTests {

    @Test
    void postgresOutOfReachIsOneClearMessage(CapturedOutput output) throws IOException {
        int port = freePort();
        assertThatThrownBy(() -> start("--spring.r2dbc.url=r2dbc:postgresql://127.0.0.1:" + port + "/lbt_unreachable",
                "--spring.data.redis.host=" + RedisDatabases.HOST, "--spring.data.redis.port=" + RedisDatabases.PORT))
                .isNotNull();
        assertThat(output.getOut() + output.getErr()).contains("APPLICATION FAILED TO START")
                .contains("PostgreSQL cannot be reached: the service looked for it at 127.0.0.1:" + port
                        + " (database lbt_unreachable, user postgres, from spring.r2dbc.url)")
                .contains("sudo service postgresql start").contains("SPRING_R2DBC_URL")
                .doesNotContain("Redis cannot be reached")
                .doesNotContain("\tat org.postgresql").doesNotContain("Application run failed");
    }

    @Test
    void redisOutOfReachIsOneClearMessage(CapturedOutput output) throws IOException {
        int port = freePort();
        assertThatThrownBy(() -> start("--spring.r2dbc.url=r2dbc:postgresql://" + TestServices.PG_HOST + ":"
                + TestServices.PG_PORT + "/lbt_startup_check", "--spring.data.redis.host=127.0.0.1",
                "--spring.data.redis.port=" + port, "--spring.data.redis.database=3")).isNotNull();
        assertThat(output.getOut() + output.getErr()).contains("APPLICATION FAILED TO START")
                .contains("Redis cannot be reached: the service looked for it at 127.0.0.1:" + port + " (database 3")
                .contains("sudo service redis-server start").contains("SPRING_DATA_REDIS_HOST")
                .doesNotContain("PostgreSQL cannot be reached")
                .doesNotContain("\tat io.lettuce").doesNotContain("Application run failed");
    }

    static void start(String... args) {
        String[] all = new String[args.length + 5];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--server.port=0";
        all[args.length + 1] = "--management.server.port=0";
        all[args.length + 2] = "--spring.r2dbc.username=postgres";
        all[args.length + 3] = "--spring.main.banner-mode=off";
        all[args.length + 4] = "--spring.data.redis.timeout=2s";
        new SpringApplicationBuilder(LeaderboardApplication.class).run(all).close();
    }

    /** A port nothing listens on (bound, then released). */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
