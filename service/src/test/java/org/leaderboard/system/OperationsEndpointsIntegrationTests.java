package org.leaderboard.system;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.json.JsonCompareMode;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Operations endpoints stay off the public port: metrics and detailed health answer on the
 * management port only, and the public port has {@code /livez} and {@code /readyz} with a bare
 * status for load balancers.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
@AutoConfigureWebTestClient(timeout = "PT30S")
class OperationsEndpointsIntegrationTests {

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        RedisDatabases.flush(8);
        TestServices.isolate(registry, "lbt_operations", 8);
    }

    @Autowired
    WebTestClient http;

    @LocalManagementPort
    int managementPort;

    @Test
    void actuatorIsNotOnThePublicPort() {
        for (String path : new String[] {"/actuator/prometheus", "/actuator/health", "/actuator/metrics",
                "/actuator"}) {
            http.get().uri(path).exchange().expectStatus().isNotFound()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        }
    }

    @Test
    void thePublicPortAnswersLivenessAndReadinessWithAStatusOnly() {
        for (String path : new String[] {"/livez", "/readyz"}) {
            http.get().uri(path).exchange().expectStatus().isOk()
                    .expectBody().json("{\"status\":\"UP\"}", JsonCompareMode.STRICT);
        }
    }

    @Test
    void theManagementPortServesMetricsAndDetailedHealth() {
        WebTestClient management = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + managementPort).build();
        management.get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).value(body -> assertThat(body)
                        .contains("leaderboard_ingest_queue_depth"));
        management.get().uri("/actuator/health").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.components.r2dbc.status").isEqualTo("UP");
    }
}
