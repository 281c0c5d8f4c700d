package org.leaderboard.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.leaderboard.support.Eventually;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.leaderboard.system.DashboardQueries.Query;
import org.leaderboard.system.DashboardQueries.Selector;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.StatusAssertions;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import reactor.core.Disposable;

/**
 * The Grafana dashboard kept in the repository (deploy/grafana/dashboards) must not go blank
 * silently: every metric its queries select, with every label value they require, is exposed by a
 * running service's /actuator/prometheus once it has seen the traffic the panels show. A meter
 * renamed in the service, or a typo in a panel, fails here instead of on the night.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
@AutoConfigureWebTestClient(timeout = "PT30S")
class DashboardMetricsIntegrationTests {

    static final Path DASHBOARDS = Path.of("../deploy/grafana/dashboards");
    /** Series Prometheus writes itself for each target, and labels it adds to every series it scrapes. */
    static final Set<String> PROMETHEUS_SERIES = Set.of("up");
    static final Set<String> PROMETHEUS_LABELS = Set.of("job", "instance");
    static final Pattern SERIES = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? ", Pattern.MULTILINE);
    static final Pattern LABEL = Pattern.compile("([a-zA-Z_]\\w*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        RedisDatabases.flush(5);
        TestServices.isolate(registry, "lbt_dashboard", 5);
    }

    @Autowired
    WebTestClient http;

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Test
    void everyMetricTheDashboardQueriesIsExposedByARunningService() {
        List<Query> queries = DashboardQueries.read(DASHBOARDS);
        assertThat(queries).as("queries of the dashboards in %s", DASHBOARDS.toAbsolutePath()).hasSizeGreaterThan(10);
        List<Selector> wanted = new ArrayList<>();
        for (Query query : queries) {
            List<Selector> selectors = DashboardQueries.selectors(query.expr());
            assertThat(selectors).as("metrics of %s: %s", query.where(), query.expr()).isNotEmpty();
            selectors.stream().filter(s -> !PROMETHEUS_SERIES.contains(s.metric())).forEach(wanted::add);
        }

        Disposable spectator = traffic();
        try {
            // Histograms and Lettuce's timers appear with their first sample, a GC pause with the first
            // collection: wait for them rather than for a fixed time.
            System.gc();
            Map<String, List<Map<String, String>>> exposed = Eventually.await(Duration.ofSeconds(15), this::exposed,
                    series -> missing(wanted, series).isEmpty());
            assertThat(missing(wanted, exposed)).as("queried by the dashboard but not exposed by the service").isEmpty();
        }
        finally {
            spectator.dispose();
        }
    }

    @Test
    void theQueryReaderFindsEveryMetricAndTheLabelValuesItRequires() {
        assertThat(DashboardQueries.selectors("""
                histogram_quantile(0.99, sum by (le) (rate(leaderboard_ingest_commit_seconds_bucket\
                {instance=~"$instance"}[$__rate_interval])))""")).containsExactly(
                new Selector("leaderboard_ingest_commit_seconds_bucket", Map.of()));
        assertThat(DashboardQueries.selectors("""
                sum(rate(lettuce_seconds_sum{instance=~"$instance", db_operation="EVALSHA"}[5m])) \
                / on (instance) group_left sum without (db_operation) (rate(lettuce_seconds_count[1m] offset 5m)) \
                > bool 1e3 and up{job="leaderboard", status!="x"}""")).containsExactly(
                new Selector("lettuce_seconds_sum", Map.of("db_operation", "EVALSHA")),
                new Selector("lettuce_seconds_count", Map.of()),
                new Selector("up", Map.of("job", "leaderboard")));
        assertThat(DashboardQueries.selectors("label_replace(jvm_info, \"v\", \"$1\", \"version\", \"(.*)\")"))
                .containsExactly(new Selector("jvm_info", Map.of()));
        assertThatThrownBy(() -> DashboardQueries.selectors("jvm_info{version~\"17\"}"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * What the panels show: events accepted, duplicate and rejected, a spectator's stream with its
     * frames, public reads (Redis scripts). Returns the open stream, to close at the end.
     */
    private Disposable traffic() {
        organizer("/api/campaigns/dash", """
                {"title":"Dashboard","currency":"EUR","goalMinor":100000}""");
        organizer("/api/campaigns/dash/fundraisers/ana", """
                {"displayName":"Ana"}""");
        List<String> frames = new CopyOnWriteArrayList<>();
        Disposable spectator = WebClient.create("http://127.0.0.1:" + port).get().uri("/api/campaigns/dash/stream")
                .accept(MediaType.TEXT_EVENT_STREAM).retrieve().bodyToFlux(String.class).subscribe(frames::add);
        for (int i = 1; i <= 5; i++) {
            event("""
                    {"type":"donation","eventId":"dash-%d","campaignId":"dash","fundraiserId":"ana",\
                    "amountMinor":%d,"currency":"EUR"}""".formatted(i, 100 * i)).isAccepted();
        }
        event("""
                {"type":"donation","eventId":"dash-1","campaignId":"dash","fundraiserId":"ana",\
                "amountMinor":100,"currency":"EUR"}""").isOk();
        event("""
                {"type":"donation","eventId":"dash-bad","campaignId":"dash","amountMinor":-1,"currency":"EUR"}""")
                .isBadRequest();
        http.get().uri("/api/campaigns/dash/totals").exchange().expectStatus().isOk();
        http.get().uri("/api/campaigns/dash/leaderboards/fundraisers").exchange().expectStatus().isOk();
        assertThat(Eventually.await(Duration.ofSeconds(10), () -> List.copyOf(frames),
                received -> received.stream().anyMatch(f -> f.contains("\"raisedMinor\":1500"))))
                .as("the spectator's frames").anyMatch(f -> f.contains("\"raisedMinor\":1500"));
        return spectator;
    }

    private void organizer(String path, String body) {
        http.put().uri(path).headers(h -> h.setBearerAuth(ORGANIZER_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange().expectStatus().isCreated();
    }

    private StatusAssertions event(String json) {
        return http.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(json).exchange().expectStatus();
    }

    /** The series of /actuator/prometheus on the management port: each name with the labels of each of its series. */
    private Map<String, List<Map<String, String>>> exposed() {
        String text = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + managementPort).build()
                .get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        Map<String, List<Map<String, String>>> series = new HashMap<>();
        Matcher line = SERIES.matcher(text);
        while (line.find()) {
            Map<String, String> labels = new HashMap<>();
            if (line.group(2) != null) {
                Matcher label = LABEL.matcher(line.group(2));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
            }
            series.computeIfAbsent(line.group(1), name -> new ArrayList<>()).add(labels);
        }
        return series;
    }

    /** The wanted selectors no exposed series matches, as {@code name{label="value"}}. */
    private static Set<String> missing(List<Selector> wanted, Map<String, List<Map<String, String>>> exposed) {
        Set<String> missing = new TreeSet<>();
        for (Selector selector : wanted) {
            Map<String, String> required = new HashMap<>(selector.labels());
            required.keySet().removeAll(PROMETHEUS_LABELS);
            boolean found = exposed.getOrDefault(selector.metric(), List.of()).stream()
                    .anyMatch(labels -> new HashSet<>(labels.entrySet()).containsAll(required.entrySet()));
            if (!found) {
                missing.add(selector.metric() + (required.isEmpty() ? "" : required.toString()));
            }
        }
        return missing;
    }
}
