package org.leaderboard.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.gatling.app.Gatling$;

/**
 * CI's smoke runs of the viral simulations, so they keep working: the service jar the build just
 * packed, started on a database and a Redis index of this class's own, with the load generator as
 * its trusted proxy, then a few seconds of {@link ViralSurgeSimulation} and of
 * {@link ShareStormSimulation} with their own assertions and exactness checks, which fail the run.
 * The figures of a smoke run mean nothing; the full runs are in docs/benchmarks.md.
 */
class ViralSimulationsSmokeTests {

    private static final String PG_HOST = System.getProperty("test.pg.host", "127.0.0.1");
    private static final int PG_PORT = Integer.getInteger("test.pg.port", 5432);
    private static final String REDIS_HOST = System.getProperty("test.redis.host", "127.0.0.1");
    private static final int REDIS_PORT = Integer.getInteger("test.redis.port", 6379);
    private static final int REDIS_DB = 12;
    private static final String DATABASE = "lbt_viral_smoke";
    private static final Path JAR = Path.of(System.getProperty("serviceJar", "../service/target/leaderboard-service.jar"));
    private static final Path LOG = Path.of("target/viral-smoke-service.log");

    private static Process service;
    private static int port;

    @BeforeAll
    static void startService() throws Exception {
        assertTrue(Files.isRegularFile(JAR), "the service jar " + JAR.toAbsolutePath() + " is missing: build it first"
                + " (./mvnw -B verify from the top builds it before this module)");
        try (var c = DriverManager.getConnection("jdbc:postgresql://" + PG_HOST + ":" + PG_PORT + "/postgres",
                "postgres", ""); var st = c.createStatement()) {
            st.execute("drop database if exists " + DATABASE + " with (force)");
            st.execute("create database " + DATABASE);
        }
        flushRedis();
        port = freePort();
        Files.createDirectories(LOG.getParent());
        service = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", JAR.toString(),
                "--server.port=" + port,
                "--management.server.port=" + freePort(),
                "--spring.r2dbc.url=r2dbc:postgresql://" + PG_HOST + ":" + PG_PORT + "/" + DATABASE,
                "--spring.data.redis.host=" + REDIS_HOST,
                "--spring.data.redis.port=" + REDIS_PORT,
                "--spring.data.redis.database=" + REDIS_DB,
                "--leaderboard.auth.organizer-token=smoke-organizer",
                "--leaderboard.auth.ingest-token=smoke-ingest",
                "--leaderboard.http.trusted-proxies=127.0.0.1/32"))
                .redirectErrorStream(true).redirectOutput(LOG.toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
        while (!ready()) {
            assertTrue(service.isAlive(), "the service stopped; its log: " + LOG.toAbsolutePath());
            assertTrue(System.nanoTime() < deadline, "the service was not ready in 240 s; its log: "
                    + LOG.toAbsolutePath());
            Thread.sleep(250);
        }
    }

    @AfterAll
    static void stopService() throws InterruptedException {
        if (service != null) {
            service.destroy();
            if (!service.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                service.destroyForcibly();
            }
        }
    }

    @Test
    void surgeRunsWithItsAssertionsAndExactnessChecks() {
        run(ViralSurgeSimulation.class, Map.ofEntries(Map.entry("warmupSeconds", "3"),
                Map.entry("baselineSeconds", "2"), Map.entry("spikeSeconds", "2"), Map.entry("plateauSeconds", "3"),
                Map.entry("decaySeconds", "2"), Map.entry("paymentsPerSecond", "10"),
                Map.entry("batchesPerSecond", "1"), Map.entry("batchSize", "10"), Map.entry("sharesPerSecond", "5"),
                Map.entry("readsPerSecond", "5"), Map.entry("spectators", "5"), Map.entry("spectatorSliceSeconds", "1"),
                Map.entry("fundraisers", "10"), Map.entry("p99Ms", "15000")));
    }

    @Test
    void shareStormRunsWithItsAssertionsAndPledgeCheck() {
        // 300 clicks, about 240 counted: past the cap (100 shares) and the bonus (150 shares)
        run(ShareStormSimulation.class, Map.ofEntries(Map.entry("warmupSeconds", "0"), Map.entry("clicks", "300"),
                Map.entry("durationSeconds", "5"), Map.entry("visitors", "250"), Map.entry("fundraisers", "10"),
                Map.entry("pledgeCapMinor", "5000"), Map.entry("pledgeBonusAtShares", "150"),
                Map.entry("pledgeBonusMinor", "1000"), Map.entry("p99Ms", "15000")));
    }

    private static void run(Class<?> simulation, Map<String, String> parameters) {
        Map<String, String> common = Map.of("baseUrl", "http://127.0.0.1:" + port,
                "organizerToken", "smoke-organizer", "ingestToken", "smoke-ingest",
                "jdbcUrl", "jdbc:postgresql://" + PG_HOST + ":" + PG_PORT + "/" + DATABASE,
                "jdbcUser", "postgres", "jdbcPassword", "");
        common.forEach(System::setProperty);
        parameters.forEach(System::setProperty);
        try {
            int status = Gatling$.MODULE$.fromArgs(new String[] {"--simulation", simulation.getName(),
                    "--results-folder", Path.of("target/gatling-smoke").toAbsolutePath().toString(), "--no-reports"});
            assertEquals(0, status, simulation.getSimpleName() + " failed (Gatling's status), see its result block");
        } finally {
            common.keySet().forEach(System::clearProperty);
            parameters.keySet().forEach(System::clearProperty);
        }
    }

    private static boolean ready() {
        try {
            HttpResponse<Void> response = IngestSimulation.httpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/readyz")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** SELECT and FLUSHDB over a plain socket: no Redis client in this module. */
    private static void flushRedis() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(REDIS_HOST, REDIS_PORT), 2_000);
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(("*2\r\n$6\r\nSELECT\r\n$" + Integer.toString(REDIS_DB).length() + "\r\n" + REDIS_DB
                    + "\r\n*1\r\n$7\r\nFLUSHDB\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String replies = new String(in.readNBytes(10), StandardCharsets.US_ASCII);
            assertEquals("+OK\r\n+OK\r\n", replies, "Redis answered SELECT/FLUSHDB " + REDIS_DB);
        }
    }
}
