package org.leaderboard.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.leaderboard.support.RawHttp;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialects;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The OpenAPI document as a judge of real answers: an answer passes when its operation documents
 * its status, it carries the headers that status requires, its media type is one the status lists,
 * and its body is valid against that media type's schema (JSON Schema 2020-12 in the OpenAPI 3.1
 * dialect, formats asserted). It remembers which documented answers it has seen, so a test can
 * prove that every one of them was provoked and checked, and the document cannot list an answer
 * nobody ever saw.
 */
final class OpenApiContract {

    /** Where the schemas' {@code $ref}s resolve: the document itself, registered under this IRI. */
    private static final String DOCUMENT = "https://leaderboard.test/openapi.yaml";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JsonNode document;
    private final SchemaRegistry schemas;
    private final Map<String, Schema> loaded = new ConcurrentHashMap<>();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    OpenApiContract(String yaml) {
        this.document = YAMLMapper.builder().build().readTree(yaml);
        this.schemas = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi31(), builder -> builder
                .schemas(Map.of(DOCUMENT, yaml))
                .schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    }

    /**
     * Checks one real answer to {@code method} on the documented path {@code template}; returns it.
     * {@code sentBody}, when not null and the answer a success, must be valid against the
     * operation's request body schema too.
     */
    RawHttp.Response check(String method, String template, RawHttp.Response answer, String sentType, String sentBody) {
        String operation = method + " " + template;
        JsonNode op = document.path("paths").path(template).path(method.toLowerCase(Locale.ROOT));
        assertThat(op.isObject()).as("%s is documented", operation).isTrue();
        JsonNode response = resolve(op.path("responses").path(Integer.toString(answer.status())));
        assertThat(response.isObject()).as("%s answered %d, which the document does not list (body: %s)", operation,
                answer.status(), answer.body()).isTrue();
        for (Iterator<Map.Entry<String, JsonNode>> it = response.path("headers").properties().iterator();
                it.hasNext();) {
            Map.Entry<String, JsonNode> header = it.next();
            if (resolve(header.getValue()).path("required").asBoolean(false)) {
                assertThat(answer.header(header.getKey())).as("%s %d carries %s", operation, answer.status(),
                        header.getKey()).isNotNull();
            }
        }
        JsonNode content = response.path("content");
        if (content.isObject()) {
            String type = mediaType(answer.header("content-type"));
            assertThat(content.has(type)).as("%s %d answered as %s; documented: %s", operation, answer.status(), type,
                    content.propertyNames()).isTrue();
            validate(type, content.path(type).path("schema"), answer.body(),
                    operation + " " + answer.status() + " answer");
        }
        else {
            assertThat(answer.body()).as("%s %d has no documented body", operation, answer.status()).isEmpty();
        }
        if (sentBody != null && answer.status() < 300) {
            JsonNode body = op.path("requestBody").path("content").path(mediaType(sentType));
            assertThat(body.isObject()).as("%s takes %s", operation, sentType).isTrue();
            validate(mediaType(sentType), body.path("schema"), sentBody, operation + " request body");
        }
        seen.add(operation + " " + answer.status());
        return answer;
    }

    /** A body of a JSON media type checked against a component schema; another media type is text. */
    void validate(String mediaType, JsonNode schema, String body, String what) {
        if (!mediaType.equals("application/json") && !mediaType.endsWith("+json")) {
            return;
        }
        String ref = schema.path("$ref").asString("");
        assertThat(ref).as("the schema of %s is a component ($ref), so it can be loaded by itself", what)
                .startsWith("#/components/schemas/");
        validate(ref.substring("#/components/schemas/".length()), body, what);
    }

    /** {@code body} checked against {@code #/components/schemas/<name>}. */
    void validate(String name, String body, String what) {
        Schema schema = loaded.computeIfAbsent(name,
                n -> schemas.getSchema(SchemaLocation.of(DOCUMENT + "#/components/schemas/" + n)));
        List<Error> errors = schema.validate(JSON.readTree(body));
        assertThat(errors).as("%s valid against %s: %s", what, name, body).isEmpty();
    }

    /** Every documented operation and status, as {@code "METHOD /template status"}. */
    Set<String> documented() {
        Set<String> all = new TreeSet<>();
        document.path("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
            if (!op.getKey().equals("parameters")) {
                op.getValue().path("responses").propertyNames().forEach(status -> all.add(
                        op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey() + " " + status));
            }
        }));
        return all;
    }

    /** The documented answers no check has seen yet. */
    List<String> unseen() {
        List<String> missing = new ArrayList<>(documented());
        missing.removeAll(seen);
        return missing;
    }

    Set<String> seen() {
        return Set.copyOf(seen);
    }

    private JsonNode resolve(JsonNode node) {
        String ref = node.path("$ref").asString("");
        if (ref.isEmpty()) {
            return node;
        }
        JsonNode target = document;
        for (String part : ref.substring(2).split("/")) {
            target = target.path(part.replace("~1", "/").replace("~0", "~"));
        }
        return target;
    }

    private static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }
}
