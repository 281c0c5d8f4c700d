package org.leaderboard.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.leaderboard.support.Eventually;
import org.leaderboard.support.RawHttp;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Throws {@code fuzz.requests} (default 10,000) generated malformed requests, from a seeded
 * generator ({@code fuzz.seed}), at every endpoint of the running service over raw sockets:
 * bodies (truncated, deeply nested, huge numbers, floats, wrong types, NUL, invalid UTF-8,
 * repeated keys, unknown references), headers (content types, tokens of the wrong kind, oversized),
 * paths (odd characters, encoded slashes, path parameters, long ids), query strings, methods,
 * WebSocket upgrades (bad origin, no key, wrong version) and requests that never finish. The
 * endpoints of issue 17 too: the milestone, pledge and match PUTs (wrong types, out-of-range
 * numbers, ratios with three decimals, 0 or 10.01, {@code endsAt <= startsAt}, nested bonus
 * defects, huge strings, NUL, unpaired surrogates; or a valid body without the organizer's token,
 * with another method or to a path naming nothing valid), hiding and unhiding messages (unknown
 * ids, odd ids, another campaign's gift; the campaign's own gifts only without the organizer's
 * token), the moderation queue, the viral reads and the referrals board, self-service signups
 * (bad bodies, a closed or unknown campaign, an unknown team), a page's manage token used on
 * another page, and shares (bad channel, visitor id or JSON, unknown fundraiser, bad host).
 *
 * <p>Every request carries at least one defect the contract rejects, so every answer must be a 4xx
 * problem+json (a read may answer 2xx, a batch 200 with every event rejected), never a 5xx, never
 * no answer within 10 s (a request that never finishes may instead be closed). Afterwards every
 * row of the ledger, the campaigns, teams and fundraisers, the viral definitions, the match
 * allocations and the hidden messages is what it was, and so is every public figure (totals,
 * boards, feeds, milestones, pledges, matches). The rate limits of the public write endpoints are
 * set out of reach so the fuzz meets their validation; their 429 is checked in
 * {@link PublicRateLimitIntegrationTests}.
 *
 * <p>Values whose rejection belongs to the ingest-side validation of stored values (JSON-escaped
 * lone surrogates in text, timestamps outside PostgreSQL's range) are generated too;
 * {@code -Dfuzz.storedValues=false} leaves them out.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class HttpEdgeFuzzIntegrationTests {

    static final String DB = "lbt_http_edge_fuzz";
    static final long SEED = Long.getLong("fuzz.seed", 20261203L);
    static final int REQUESTS = Integer.getInteger("fuzz.requests", 10_000);
    static final boolean STORED_VALUES = Boolean.parseBoolean(System.getProperty("fuzz.storedValues", "true"));
    static final int WORKERS = 8;
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** The tables whose rows the fuzz must leave exactly as they were. */
    static final List<String> TABLES = List.of("campaigns", "teams", "fundraisers", "milestones", "pledges", "matches",
            "match_allocations", "hidden_messages", "ledger_events");

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        RedisDatabases.flush(6);
        TestServices.isolate(registry, DB, 6);
        // Short enough that requests which never finish are cut off quickly.
        registry.add("leaderboard.edge.header-timeout", () -> "500ms");
        registry.add("leaderboard.edge.body-read-timeout", () -> "500ms");
        registry.add("leaderboard.edge.body-timeout", () -> "1s");
        registry.add("leaderboard.ingest.max-event-bytes", () -> "16KB");
        registry.add("leaderboard.ingest.max-batch-bytes", () -> "64KB");
        // Out of the fuzz's reach, so it meets the public endpoints' validation rather than their 429.
        registry.add("leaderboard.share.burst", () -> "1000000");
        registry.add("leaderboard.signup.burst", () -> "1000000");
        // The page routes answer from the test's own build of the pages, whether the frontend was built or not.
        registry.add("leaderboard.web.location", () -> "classpath:/web-fixture/");
        registry.add("logging.level.reactor.netty.http.server.HttpServerOperations", () -> "ERROR");
    }

    @LocalServerPort
    int port;

    /** One generated request: its bytes, what it is (for the report), and how its answer is judged. */
    record Case(String label, byte[] bytes, Kind kind, boolean head) {
    }

    enum Kind {
        /** Must be refused: 4xx problem+json (a batch: 200 with every event rejected). */
        REJECTED,
        /** A read: 2xx or 4xx problem+json. */
        READ,
        /** A stream or WebSocket request: its head is judged, its body not waited for. */
        STREAM,
        /** Never finishes: 408 problem+json or closed, within the deadline. */
        UNFINISHED
    }

    @Test
    void malformedRequestsAreRefusedCleanlyAndChangeNothing() throws Exception {
        setUp();
        Map<String, String> figuresBefore = publicFigures();
        Map<String, List<String>> rowsBefore = rows();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        Map<String, AtomicInteger> statuses = new ConcurrentHashMap<>();
        AtomicLong sent = new AtomicLong();
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            Random random = new Random(SEED * 31 + w);
            workers.add(pool.submit(() -> {
                Generator generator = new Generator(random);
                for (int i = 0; i < REQUESTS / WORKERS; i++) {
                    Case c = generator.next();
                    String verdict = judge(c, statuses);
                    sent.incrementAndGet();
                    if (verdict != null && failures.size() < 200) {
                        failures.add(verdict);
                    }
                }
            }));
        }
        for (Future<?> worker : workers) {
            worker.get();
        }
        pool.shutdown();
        System.out.printf("fuzz: %d requests in %d ms (seed %d), answers %s%n", sent.get(),
                (System.nanoTime() - started) / 1_000_000, SEED, new java.util.TreeMap<>(statuses));
        assertThat(failures).as("seed " + SEED + ": requests answered against the contract").isEmpty();
        assertThat(sent.get()).isGreaterThanOrEqualTo(REQUESTS - WORKERS);
        Map<String, List<String>> rowsAfter = rows();
        for (String table : TABLES) {
            assertThat(rowsAfter.get(table)).as("rows of " + table).isEqualTo(rowsBefore.get(table));
        }
        assertThat(rowsAfter.get("ledger_events")).as("the ledger holds the set-up's events only").hasSize(4);
        assertThat(rowsAfter.get("hidden_messages")).as("the one message hidden in the set-up").hasSize(1);
        assertThat(publicFigures()).isEqualTo(figuresBefore);
    }

    /** Null when the answer keeps the contract, else what went wrong. */
    private String judge(Case c, Map<String, AtomicInteger> statuses) {
        Answer answer;
        try {
            answer = exchange(c);
        }
        catch (IOException ex) {
            return c.label + ": " + ex;
        }
        statuses.computeIfAbsent(answer.status == 0 ? "closed" : Integer.toString(answer.status),
                k -> new AtomicInteger()).incrementAndGet();
        if (answer.timedOut) {
            return c.label + ": no answer within 10 s";
        }
        if (answer.status == 0) {
            return c.kind == Kind.UNFINISHED ? null : c.label + ": closed without an answer";
        }
        if (answer.status >= 500) {
            return c.label + ": " + answer.status + " " + answer.body;
        }
        if (answer.status >= 400) {
            if (!c.head && !isProblem(answer)) {
                return c.label + ": " + answer.status + " without problem+json: " + answer.contentType + " "
                        + answer.body;
            }
            return null;
        }
        return switch (c.kind) {
            case READ -> answer.status < 300 ? null : c.label + ": " + answer.status;
            case STREAM -> answer.status == 101 || answer.status == 200 ? null : c.label + ": " + answer.status;
            case UNFINISHED -> c.label + ": answered " + answer.status + " to a request that never finished";
            case REJECTED -> answer.status == 200 && c.label.startsWith("batch") && !answer.body.contains("\"accepted\"")
                    && !answer.body.contains("\"duplicate\"") ? null
                            : c.label + ": accepted with " + answer.status + " " + answer.body;
        };
    }

    private static boolean isProblem(Answer answer) {
        if (answer.contentType == null || !answer.contentType.startsWith("application/problem+json")) {
            return false;
        }
        try {
            JsonNode node = JSON.readTree(answer.body);
            return node.path("status").asInt() == answer.status && node.path("type").isString()
                    && node.path("title").isString() && node.path("detail").isString();
        }
        catch (RuntimeException ex) {
            return false;
        }
    }

    record Answer(int status, String contentType, String body, boolean timedOut) {
    }

    /** Sends the case on its own connection and reads one answer (a stream's head only). */
    private Answer exchange(Case c) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            socket.setSoTimeout(10_000);
            socket.setSoLinger(true, 0);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(c.bytes);
                out.flush();
            }
            catch (IOException refusedEarly) {
                // The server may answer and close before reading it all (413, 431): read what it said.
            }
            InputStream in = socket.getInputStream();
            String head;
            try {
                head = RawHttp.readHead(in);
            }
            catch (SocketTimeoutException ex) {
                return new Answer(0, null, "", true);
            }
            if (head == null) {
                return new Answer(0, null, "", false);
            }
            String[] lines = head.split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            String contentType = null;
            int length = -1;
            boolean chunked = false;
            for (String line : lines) {
                String lower = line.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-type:")) {
                    contentType = line.substring(13).trim();
                }
                else if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
                else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            if (status == 101 || c.kind == Kind.STREAM && status == 200 || c.head) {
                return new Answer(status, contentType, "", false);
            }
            try {
                byte[] body = length >= 0 ? in.readNBytes(length) : chunked ? chunks(in) : in.readAllBytes();
                return new Answer(status, contentType, new String(body, StandardCharsets.UTF_8), false);
            }
            catch (SocketTimeoutException ex) {
                return new Answer(status, contentType, "", true);
            }
        }
    }

    private static byte[] chunks(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = line(in);
            int n = Integer.parseInt(size.split(";")[0].trim(), 16);
            if (n == 0) {
                line(in);
                return body.toByteArray();
            }
            body.write(in.readNBytes(n));
            line(in);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    /** The generator: a random endpoint, then one or more defects of the kinds that endpoint can have. */
    final class Generator {

        private final Random random;

        Generator(Random random) {
            this.random = random;
        }

        /** Where each kind of request ends in a draw of 0 to 999: its share of the run, per thousand. */
        private static final int[] UP_TO = {5, 220, 330, 400, 550, 620, 660, 720, 810, 850, 920, 1000};

        private final List<java.util.function.Supplier<Case>> kinds = List.of(this::unfinished, this::single,
                this::batch, this::organizer, this::read, this::webSocket, this::rawGarbage, this::oddPath,
                this::definition, this::moderation, this::signup, this::share);

        Case next() {
            int pick = random.nextInt(1000);
            int kind = 0;
            while (pick >= UP_TO[kind]) {
                kind++;
            }
            return kinds.get(kind).get();
        }

        // --- ingest ---

        private Case single() {
            Mutated event = badEvent();
            Request request = new Request("POST", "/api/events").token(INGEST_TOKEN).json(event.body);
            String headerDefect = random.nextInt(4) == 0 ? headerDefect(request) : "";
            return request.build("single " + event.label + headerDefect, Kind.REJECTED);
        }

        private Case batch() {
            int n = 1 + random.nextInt(5);
            boolean ndjson = random.nextBoolean();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            StringBuilder label = new StringBuilder(ndjson ? "batch ndjson" : "batch json");
            if (!ndjson) {
                body.write('[');
            }
            for (int i = 0; i < n; i++) {
                Mutated event = badEvent();
                label.append(' ').append(event.label);
                if (i > 0) {
                    body.write(ndjson ? '\n' : ',');
                }
                body.writeBytes(event.body);
            }
            if (!ndjson) {
                body.write(']');
            }
            byte[] bytes = body.toByteArray();
            if (random.nextInt(10) == 0) {
                bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
                label.append(" truncated");
            }
            Request request = new Request("POST", "/api/events/batch").token(INGEST_TOKEN)
                    .contentType(ndjson ? "application/x-ndjson" : "application/json").body(bytes);
            if (random.nextInt(5) == 0) {
                label.append(headerDefect(request));
            }
            return request.build(label.toString(), Kind.REJECTED);
        }

        /** A header defect that alone gets the request refused. */
        private String headerDefect(Request request) {
            switch (random.nextInt(8)) {
                case 0:
                    request.token(null);
                    return " no-token";
                case 1:
                    request.token(ORGANIZER_TOKEN);
                    return " organizer-token";
                case 2:
                    request.rawAuthorization(pick("Basic dGVzdDp0ZXN0", "Bearer", "Bearer " + INGEST_TOKEN + "x",
                            "bearer  ", "Token " + INGEST_TOKEN, "Bearer \u00e9\u00e9"));
                    return " bad-authorization";
                case 3:
                    String type = pick("garbage", "application/json; charset=", "application/json; charset=nope",
                            "text/plain", "application/json; charset=latin1", "application/xml", "*/*", "json",
                            "application/json;charset=\"utf-8", "application/x-www-form-urlencoded", "application/",
                            "/", "application/json; =utf-8", "multipart/form-data; boundary=x");
                    request.contentType(type);
                    return " content-type=" + type;
                case 4:
                    request.header("Content-Type", "application/json");
                    request.header("Content-Type", "text/plain");
                    return " two-content-types";
                case 5:
                    request.header("X-Padding", "p".repeat(9_000));
                    return " oversized-header";
                case 6:
                    // Waits for the body read timeout: rarer than the others.
                    if (random.nextInt(4) == 0) {
                        request.declaredLength(request.body.length + 1 + random.nextInt(100));
                        return " body-shorter-than-declared";
                    }
                    request.header("Authorization", "Bearer " + INGEST_TOKEN);
                    return " two-authorizations";
                default:
                    request.method(pick("GET", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO"));
                    return " method=" + request.method;
            }
        }

        record Mutated(String label, byte[] body) {
        }

        /** An event with at least one defect. */
        private Mutated badEvent() {
            String type = pick("donation", "donation", "refund", "share");
            StringBuilder label = new StringBuilder(type);
            String[][] fields = baseEvent(type);
            int defects = 1 + random.nextInt(3);
            String raw = null;
            for (int d = 0; d < defects; d++) {
                int kind = random.nextInt(STORED_VALUES ? 22 : 20);
                switch (kind) {
                    case 0 -> { set(fields, "amountMinor", pick("25.5", "\"2500\"", "-1", "0", "1e30", "10000000001",
                            "true", "null", "{}", "[]", "2500.0", "1E2", "99999999999999999999999999", "-0", "0x10")); label.append(" amount"); }
                    case 1 -> { set(fields, "currency", pick("\"USD\"", "\"eur\"", "123", "\"\"", "\"EURO\"", "null")); label.append(" currency"); }
                    case 2 -> { set(fields, "eventId", pick("\"\"", "\"" + "e".repeat(256) + "\"", "\"\u00e9t\u00e9\"",
                            "\"a\\u0000b\"", "17", "null", "\"tab\\there\"")); label.append(" eventId"); }
                    case 3 -> { set(fields, "campaignId", pick("\"nope\"", "\"UPPER\"", "1", "\"fuzz-run/../x\"", "null",
                            "\"-x\"", "\"" + "c".repeat(65) + "\"")); label.append(" campaignId"); }
                    case 4 -> { set(fields, "fundraiserId", pick("\"zed\"", "\"Bad Id\"", "42", "\"\"")); label.append(" fundraiserId"); }
                    case 5 -> { set(fields, "type", pick("\"gift\"", "1", "null", "\"DONATION\"", "[\"donation\"]")); label.append(" type"); }
                    case 6 -> { set(fields, "occurredAt", pick("\"yesterday\"", "1700000000", "\"2026-13-01T00:00:00Z\"",
                            "\"2026-11-21T20:15:00\"", "\"\"")); label.append(" occurredAt"); }
                    case 7 -> { set(fields, "donorName", pick("\"" + "n".repeat(5_000) + "\"", "12", "\"\\u0001bell\"",
                            "\"   \"", "\"nul\\u0000name\"", "{\"a\":1}")); label.append(" donorName"); }
                    case 8 -> { set(fields, "anonymous", pick("\"yes\"", "1", "\"true\"")); label.append(" anonymous"); }
                    case 9 -> { set(fields, "unknownField", "1"); label.append(" unknown-field"); }
                    case 10 -> { set(fields, "channel", pick("\"myspace\"", "1", "\"FACEBOOK\"")); label.append(" channel"); }
                    case 11 -> { set(fields, "donationEventId", pick("\"never-seen\"", "5", "\"\"")); label.append(" donationEventId"); }
                    case 12 -> { remove(fields, pick("eventId", "campaignId", "type")); label.append(" missing-required"); }
                    case 13 -> { raw = "repeated"; label.append(" repeated-key"); }
                    case 14 -> { raw = "truncated"; label.append(" truncated"); }
                    case 15 -> { raw = "nested"; label.append(" deeply-nested"); }
                    case 16 -> { raw = "nul"; label.append(" raw-nul"); }
                    case 17 -> { raw = "utf8"; label.append(" invalid-utf8"); }
                    case 18 -> { raw = "notObject"; label.append(" not-an-object"); }
                    case 19 -> { raw = "hugeNumber"; label.append(" huge-number"); }
                    case 20 -> { set(fields, pick("donorName", "message"), pick("\"\\ud800\"", "\"a\\udc00b\"",
                            "\"\\udbff\"")); label.append(" lone-surrogate(item 5)"); }
                    default -> { set(fields, "occurredAt", pick("\"+99999-01-01T00:00:00Z\"", "\"-4714-01-01T00:00:00Z\"",
                            "\"0000-01-01T00:00:00Z\"")); label.append(" occurredAt-range(item 5)"); }
                }
            }
            String json = render(fields);
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            if (raw != null) {
                bytes = switch (raw) {
                    case "repeated" -> ("{\"type\":\"donation\",\"type\":\"share\"," + json.substring(1))
                            .getBytes(StandardCharsets.UTF_8);
                    case "truncated" -> java.util.Arrays.copyOf(bytes, Math.max(1, random.nextInt(bytes.length)));
                    case "nested" -> {
                        int depth = 600 + random.nextInt(5_000);
                        yield ("{\"a\":" + "[".repeat(depth) + "]".repeat(depth) + "}").getBytes(StandardCharsets.UTF_8);
                    }
                    case "nul" -> json.replace("Chlo", "Ch\u0000lo").replace("fuzz-run\"", "fuzz\u0000run\"")
                            .getBytes(StandardCharsets.UTF_8);
                    case "utf8" -> withInvalidUtf8(bytes);
                    case "notObject" -> pick("[]", "\"event\"", "42", "null", "true", "").getBytes(StandardCharsets.UTF_8);
                    default -> json.replaceFirst("\"amountMinor\":[^,}]*", "\"amountMinor\":" + "9".repeat(2_000))
                            .replace("\"amountMinor\":" + "9".repeat(2_000), "\"amountMinor\":" + "9".repeat(2_000)
                                    + (random.nextBoolean() ? ".5" : "")).getBytes(StandardCharsets.UTF_8);
                };
                if (raw.equals("hugeNumber") && !json.contains("\"amountMinor\"")) {
                    bytes = ("{\"type\":\"donation\",\"amountMinor\":" + "9".repeat(2_000) + "}").getBytes(StandardCharsets.UTF_8);
                }
            }
            return new Mutated(label.toString(), bytes);
        }

        private byte[] withInvalidUtf8(byte[] json) {
            byte[][] bad = {{(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xFF},
                    {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
                    {(byte) 0xC3}, {(byte) 0x80}};
            byte[] insert = bad[random.nextInt(bad.length)];
            String text = new String(json, StandardCharsets.UTF_8);
            int at = text.indexOf("\"eventId\":\"");
            int offset = at >= 0 ? text.substring(0, at + 11).getBytes(StandardCharsets.UTF_8).length : 1;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(json, 0, offset);
            out.writeBytes(insert);
            out.write(json, offset, json.length - offset);
            return out.toByteArray();
        }

        private String[][] baseEvent(String type) {
            String id = "\"fz-" + Long.toHexString(random.nextLong()) + "\"";
            return switch (type) {
                case "refund" -> new String[][] {{"type", "\"refund\""}, {"eventId", id}, {"campaignId", "\"fuzz-run\""},
                        {"donationEventId", "\"fz-missing\""}, {"amountMinor", "100"}};
                case "share" -> new String[][] {{"type", "\"share\""}, {"eventId", id}, {"campaignId", "\"fuzz-run\""},
                        {"fundraiserId", "\"alice\""}, {"channel", "\"facebook\""}, {"visitorId", "\"v-1\""}};
                default -> new String[][] {{"type", "\"donation\""}, {"eventId", id}, {"campaignId", "\"fuzz-run\""},
                        {"fundraiserId", "\"alice\""}, {"amountMinor", "2500"}, {"currency", "\"EUR\""},
                        {"donorName", "\"Chlo\u00e9\""}, {"message", "\"Allez !\""},
                        {"occurredAt", "\"2026-11-21T20:15:00Z\""}};
            };
        }

        private void set(String[][] fields, String name, String value) {
            for (String[] f : fields) {
                if (f[0].equals(name)) {
                    f[1] = value;
                    return;
                }
            }
            // Not a field of this event type: adding it is a defect too (unknown field).
            String[][] grown = java.util.Arrays.copyOf(fields, fields.length + 1);
            grown[fields.length] = new String[] {name, value};
            extra = grown;
        }

        private String[][] extra;

        private void remove(String[][] fields, String name) {
            for (String[] f : fields) {
                if (f[0].equals(name)) {
                    f[1] = null;
                }
            }
        }

        private String render(String[][] fields) {
            String[][] all = extra != null ? extra : fields;
            extra = null;
            StringBuilder json = new StringBuilder("{");
            for (String[] f : all) {
                if (f[1] == null) {
                    continue;
                }
                if (json.length() > 1) {
                    json.append(',');
                }
                json.append('"').append(f[0]).append("\":").append(f[1]);
            }
            return json.append('}').toString();
        }

        // --- organizer ---

        private Case organizer() {
            String campaign = pick("fuzz-run", "fuzz-new", "Fuzz", "x;a=b", "a%2Fb", "%00", "c".repeat(65), "..",
                    "fuzz-run%20", "\u00e9t\u00e9");
            int what = random.nextInt(4);
            String path;
            String body;
            String label;
            if (what == 0) {
                path = "/api/campaigns/" + campaign;
                body = pick("{\"title\":\"T\",\"currency\":\"XXX\",\"goalMinor\":100}",
                        "{\"title\":\"\",\"currency\":\"EUR\",\"goalMinor\":100}",
                        "{\"title\":\"T\",\"currency\":\"EUR\",\"goalMinor\":-5}",
                        "{\"title\":\"T\",\"currency\":\"EUR\",\"goalMinor\":1.5}",
                        "{\"title\":\"T\",\"currency\":\"USD\",\"goalMinor\":100,\"x\":1}",
                        "{\"title\":\"T\",\"currency\":\"EUR\",\"goalMinor\":100,\"endsAt\":\"soon\"}",
                        "{\"title\":\"T\",\"title\":\"U\",\"currency\":\"EUR\",\"goalMinor\":100}",
                        "{\"title\":\"T\",\"currency\":\"XTS\",\"goalMinor\":100}",
                        "[]", "{", "{\"title\":\"\\u0000\",\"currency\":\"EUR\",\"goalMinor\":100}");
                label = "put-campaign " + campaign + " " + body;
            }
            else if (what == 1) {
                path = "/api/campaigns/" + campaign + "/teams/" + pick("red", "Red!", "", "t".repeat(70));
                body = pick("{\"name\":\"\"}", "{\"name\":5}", "{}", "{\"name\":\"R\",\"extra\":true}", "nope");
                label = "put-team " + path + " " + body;
            }
            else if (what == 2) {
                path = "/api/campaigns/" + campaign + "/fundraisers/" + pick("alice", "bob", "B0b!", "f;x=1");
                body = pick("{\"displayName\":\"\"}", "{\"displayName\":\"Bob\",\"teamId\":\"nope-team\",\"goalMinor\":0}",
                        "{\"displayName\":\"Bob\",\"goalMinor\":\"5\"}", "{\"displayName\":null}", "");
                label = "put-fundraiser " + path + " " + body;
            }
            else {
                path = "/api/admin/rebuild";
                body = "";
                Request request = new Request("POST", path).token(pick(null, INGEST_TOKEN, "wrong"));
                return request.build("rebuild without the organizer token", Kind.REJECTED);
            }
            Request request = new Request("PUT", path).token(ORGANIZER_TOKEN).json(body.getBytes(StandardCharsets.UTF_8));
            if (random.nextInt(4) == 0) {
                label += headerDefect(request);
            }
            return request.build(label, Kind.REJECTED);
        }

        // --- viral definitions (organizer PUTs) ---

        /**
         * A milestone, pledge or match PUT that must change nothing: a body with one to three defects,
         * or a valid body without the organizer's token, with another method, Content-Type or a path
         * naming nothing valid.
         */
        private Case definition() {
            String what = pick("milestones", "pledges", "matches");
            boolean existing = random.nextInt(3) > 0;
            String id = existing ? switch (what) {
                case "milestones" -> pick("half-way", "first-gift");
                case "pledges" -> "acme";
                default -> "double";
            } : "fresh-" + what;
            String campaign = "fuzz-run";
            String[][] fields = switch (what) {
                case "milestones" -> new String[][] {{"metric", "\"raisedMinor\""}, {"threshold", "50000"},
                        {"label", "\"Half way\""}};
                case "pledges" -> new String[][] {{"sponsor", "\"Acme\""}, {"perShareMinor", "50"},
                        {"capMinor", "100000"}, {"bonus", "{\"atShares\":1000,\"amountMinor\":5000}"}};
                default -> new String[][] {{"sponsor", "\"Bank\""}, {"ratio", "1"}, {"capMinor", "50000"},
                        {"startsAt", "\"2026-01-01T00:00:00Z\""}, {"endsAt", "\"2100-01-01T00:00:00Z\""}};
            };
            StringBuilder label = new StringBuilder("put-" + what);
            Request request;
            if (random.nextInt(5) < 3) {
                String raw = null;
                int defects = 1 + random.nextInt(3);
                for (int d = 0; d < defects; d++) {
                    int kind = random.nextInt(12);
                    if (kind >= 6) {
                        raw = RAW[kind - 6];
                        label.append(' ').append(raw);
                        continue;
                    }
                    switch (what) {
                        case "milestones" -> milestoneDefect(fields, kind, label);
                        case "pledges" -> pledgeDefect(fields, kind, label);
                        default -> matchDefect(fields, kind, label, existing);
                    }
                }
                byte[] body = spoil(render(fields), raw, fields[0][0], 20_000);
                request = new Request("PUT", "/api/campaigns/" + campaign + "/" + what + "/" + id)
                        .token(ORGANIZER_TOKEN).json(body);
                if (random.nextInt(4) == 0) {
                    label.append(headerDefect(request));
                }
            }
            else {
                byte[] body = render(fields).getBytes(StandardCharsets.UTF_8);
                String defect;
                switch (random.nextInt(4)) {
                    case 0 -> {
                        campaign = pick("nope", "Fuzz", "c".repeat(65), "fuzz-run;x=1", "fuzz-run%00", "fuzz-open%2F..");
                        defect = "campaign=" + campaign;
                    }
                    case 1 -> {
                        id = pick("Bad!", "m".repeat(70), "%2e%2e", "a%2Fb", "-lead", "UPPER", "a%00", "%ZZ", "a;b=c");
                        defect = "id=" + id;
                    }
                    default -> defect = null;
                }
                request = new Request("PUT", "/api/campaigns/" + campaign + "/" + what + "/" + id)
                        .token(ORGANIZER_TOKEN).json(body);
                label.append(" valid body");
                label.append(defect != null ? " " + defect : notTheOrganizer(request, true));
            }
            return request.build(label + " " + request.path, Kind.REJECTED);
        }

        private void milestoneDefect(String[][] fields, int kind, StringBuilder label) {
            switch (kind) {
                case 0 -> { set(fields, "metric", pick("\"RaisedMinor\"", "\"donationCount\"", "\"\"", "1", "null",
                        "[\"raisedMinor\"]", "{}", "\"raisedMinor \"", "\"shareCount\\u0000\"")); label.append(" metric"); }
                case 1 -> { set(fields, "threshold", pick("0", "-1", "1.5", "\"50000\"", "1000000000000001", "1e3",
                        "99999999999999999999", "true", "null", "50000.0", "-0")); label.append(" threshold"); }
                case 2 -> { set(fields, "label", badText()); label.append(" label"); }
                case 3 -> { set(fields, pick("reachedAt", "id", "campaignId", "Label", "unknown"),
                        pick("\"x\"", "1", "null")); label.append(" unknown-field"); }
                case 4 -> { remove(fields, pick("metric", "threshold", "label")); label.append(" missing-required"); }
                default -> { set(fields, "threshold", pick("{\"value\":50000}", "[50000]")); label.append(" threshold-nested"); }
            }
        }

        private void pledgeDefect(String[][] fields, int kind, StringBuilder label) {
            switch (kind) {
                case 0 -> { set(fields, "sponsor", badText()); label.append(" sponsor"); }
                case 1 -> { set(fields, "perShareMinor", pick("0", "-5", "10000000001", "1.5", "\"50\"", "null", "true",
                        "1e2", "[50]")); label.append(" perShareMinor"); }
                case 2 -> { set(fields, "capMinor", pick("0", "-1", "1000000000000001", "2.5", "\"100000\"", "null",
                        "{}", "99999999999999999999")); label.append(" capMinor"); }
                case 3 -> { set(fields, "bonus", pick("\"5\"", "[]", "true", "1", "{}",
                        "{\"atShares\":0,\"amountMinor\":5000}", "{\"atShares\":1000,\"amountMinor\":0}",
                        "{\"atShares\":1.5,\"amountMinor\":5000}", "{\"atShares\":1000,\"amountMinor\":5000,\"extra\":1}",
                        "{\"atShares\":\"1000\",\"amountMinor\":5000}", "{\"atShares\":1000000000001,\"amountMinor\":5000}",
                        "{\"amountMinor\":5000}", "{\"atShares\":1000}", "{\"atShares\":{\"n\":1},\"amountMinor\":5000}",
                        "{\"atShares\":1000,\"amountMinor\":1000000000000001}", "{\"atShares\":null,\"amountMinor\":5000}",
                        "{\"atShares\":1000,\"amountMinor\":5000,\"atShares\":1}", "{\"atShares\":-1,\"amountMinor\":-1}",
                        "{\"atShares\":1000,\"amountMinor\":\"5000\\u0000\"}")); label.append(" bonus"); }
                case 4 -> { set(fields, pick("earnedMinor", "bonusPaid", "id", "remainingMinor", "unknown"), "0");
                    label.append(" unknown-field"); }
                default -> { remove(fields, pick("sponsor", "perShareMinor", "capMinor")); label.append(" missing-required"); }
            }
        }

        private void matchDefect(String[][] fields, int kind, StringBuilder label, boolean existing) {
            switch (kind) {
                case 0 -> { set(fields, "sponsor", badText()); label.append(" sponsor"); }
                case 1 -> { set(fields, "ratio", pick("0", "-1", "10.01", "1.005", "0.001", "11", "\"1\"", "null",
                        "true", "1e400", "-0", "0.00", "99999999999999999999999", "[1]", "{}", "1e-3", "10.001",
                        "-0.5", "1E-400", "0.0000000000000000000000000001")); label.append(" ratio"); }
                case 2 -> {
                    // A cap below what the match has matched (422) is a defect only of the match that matched it.
                    set(fields, "capMinor", existing && random.nextInt(3) == 0 ? "1"
                            : pick("0", "-1", "1000000000000001", "2.5", "\"50000\"", "null"));
                    label.append(" capMinor");
                }
                case 3 -> { set(fields, pick("startsAt", "endsAt"), pick("\"yesterday\"", "1700000000",
                        "\"2026-13-01T00:00:00Z\"", "\"2026-11-21T20:15:00\"", "\"\"", "\"+99999-01-01T00:00:00Z\"",
                        "\"0000-01-01T00:00:00Z\"", "null", "\"2026-01-01T00:00:00Z\\u0000\"", "\"\\ud800\"",
                        "\"10000-01-01T00:00:00Z\"")); label.append(" timestamp"); }
                case 4 -> { set(fields, "endsAt", pick("\"2026-01-01T00:00:00Z\"", "\"2025-12-31T23:59:59Z\"",
                        "\"2026-01-01T01:00:00+01:00\"", "\"0001-01-01T00:00:00Z\"")); label.append(" endsAt<=startsAt"); }
                default -> {
                    if (random.nextBoolean()) {
                        set(fields, pick("matchedMinor", "remainingMinor", "id", "ratioPercent"), "0");
                        label.append(" unknown-field");
                    }
                    else {
                        remove(fields, pick("sponsor", "ratio", "capMinor", "startsAt", "endsAt"));
                        label.append(" missing-required");
                    }
                }
            }
        }

        /** A value of a 1 to 200 character text field that the field refuses. */
        private String badText() {
            return pick("\"\"", "\"   \"", "\"" + "l".repeat(201) + "\"", "5", "null", "\"a\\u0000b\"", "\"\\ud800\"",
                    "\"a\\udc00b\"", "\"bell\\u0007\"", "\"esc\\u001b[31m\"", "[]", "\"" + "\uD83D\uDE00".repeat(201) + "\"",
                    "\"\\udbff\"");
        }

        /**
         * Spoils the request's authorization for an organizer route, or its method or Content-Type
         * when {@code withBody} (a route that reads a body); answers what it did.
         */
        private String notTheOrganizer(Request request, boolean withBody) {
            switch (random.nextInt(withBody ? 4 : 3)) {
                case 0:
                    String token = pick(null, INGEST_TOKEN, pageToken, ORGANIZER_TOKEN + "x", ORGANIZER_TOKEN.toUpperCase(Locale.ROOT),
                            "x" + ORGANIZER_TOKEN);
                    request.token(token);
                    return " token=" + (token == null ? "none" : token.equals(pageToken) ? "manage-token" : token);
                case 1:
                    String authorization = pick("Basic " + java.util.Base64.getEncoder().encodeToString(
                            ("organizer:" + ORGANIZER_TOKEN).getBytes(StandardCharsets.UTF_8)), "Bearer", "Token " + ORGANIZER_TOKEN,
                            "Bearer" + ORGANIZER_TOKEN, ORGANIZER_TOKEN, "Bearer \u00e9" + ORGANIZER_TOKEN);
                    request.rawAuthorization(authorization);
                    return " authorization=" + authorization;
                case 2:
                    String method = pick("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO");
                    // Another method than the route's own.
                    request.method(method.equals(request.method) ? "TRACE" : method);
                    return " method=" + request.method;
                default:
                    return contentTypeDefect(request);
            }
        }

        /** A Content-Type the body endpoints refuse (415), or two of them. */
        private String contentTypeDefect(Request request) {
            if (random.nextInt(5) == 0) {
                request.header("Content-Type", "application/json");
                request.header("Content-Type", "application/json");
                return " two-content-types";
            }
            String type = pick("garbage", "application/json; charset=", "application/json; charset=nope", "text/plain",
                    "application/json; charset=latin1", "application/xml", "*/*", "json", "application/x-ndjson",
                    "application/json;charset=\"utf-8", "application/x-www-form-urlencoded", "application/",
                    "application/json; charset=utf-8; charset=utf-8", "multipart/form-data; boundary=x");
            request.contentType(type);
            return " content-type=" + type;
        }

        private static final String[] RAW = {"repeated", "truncated", "nested", "utf8", "notObject", "huge"};

        /**
         * The JSON object, spoiled as {@code raw} says (null: left as it is): a key repeated, cut short,
         * nested too deep, invalid UTF-8, not an object, or a string over {@code hugeBytes}.
         */
        private byte[] spoil(String json, String raw, String key, int hugeBytes) {
            if (raw == null) {
                return json.getBytes(StandardCharsets.UTF_8);
            }
            return switch (raw) {
                case "repeated" -> ("{\"" + key + "\":1,\"" + key + "\":2," + json.substring(1)).getBytes(StandardCharsets.UTF_8);
                case "truncated" -> {
                    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
                    yield java.util.Arrays.copyOf(bytes, Math.max(1, random.nextInt(bytes.length)));
                }
                case "nested" -> {
                    int depth = 600 + random.nextInt(5_000);
                    yield ("{\"a\":" + "[".repeat(depth) + "]".repeat(depth) + "}").getBytes(StandardCharsets.UTF_8);
                }
                case "utf8" -> withInvalidUtf8(json.getBytes(StandardCharsets.UTF_8));
                case "notObject" -> pick("[]", "\"x\"", "42", "null", "true", "", "[{}]", " ").getBytes(StandardCharsets.UTF_8);
                default -> ("{\"" + key + "\":\"" + "x".repeat(hugeBytes + random.nextInt(hugeBytes)) + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
            };
        }

        // --- moderation ---

        /**
         * Hiding or unhiding a message: with the organizer's token only ids that are not a donation
         * of the campaign (unknown, odd characters, another campaign's gift); the campaign's own
         * gifts only without that token or with another method. Or the moderation queue, a read.
         */
        private Case moderation() {
            if (random.nextInt(10) < 3) {
                String campaign = pick("fuzz-run", "fuzz-run", "nope", "Fuzz", "fuzz-run;x=1", "%00", "c".repeat(65));
                String query = pick("", "?limit=" + pick("0", "201", "-1", "abc", "1.5", "", "99999999999", "200", "1",
                        "50&limit=0", "%00", "1e2", "+5", " 5"), "?offset=3", "?%%%");
                Request request = new Request("GET", "/api/campaigns/" + campaign + "/messages" + query)
                        .token(ORGANIZER_TOKEN);
                String label = "messages";
                if (random.nextInt(3) == 0) {
                    label += notTheOrganizer(request, false);
                }
                boolean read = request.method.equals("GET") || request.method.equals("HEAD");
                return request.build(label + " " + request.path, read ? Kind.READ : Kind.REJECTED);
            }
            String action = pick("hide", "unhide");
            Request request;
            String label;
            if (random.nextBoolean()) {
                String[] target = pick(new String[] {"fuzz-run", pick("never-seen", "fuzz-open-gift", "fz-" + Long.toHexString(random.nextLong()),
                                "a%20b", "%00", "e".repeat(300), "%2F", "x;y=1", "%C3%A9t%C3%A9", "..", "%ZZ", "fuzz-gift-1%00",
                                "FUZZ-GIFT-1", "fuzz-gift-1%20", "fuzz-gift-1;x=1", "%2e%2e", "*", "fuzz-gift-%31%0A")},
                        new String[] {pick("fuzz-open", "nope", "Fuzz", "x;a=b", "fuzz-run%00", "c".repeat(65)),
                                pick("fuzz-gift-1", "fuzz-gift-2")});
                request = new Request("POST", "/api/campaigns/" + target[0] + "/feed/" + target[1] + "/" + action)
                        .token(ORGANIZER_TOKEN);
                label = action + " not a gift of the campaign";
                if (random.nextInt(4) == 0) {
                    request.json("{\"hidden\":false}".getBytes(StandardCharsets.UTF_8));
                }
            }
            else {
                request = new Request("POST", "/api/campaigns/fuzz-run/feed/" + pick("fuzz-gift-1", "fuzz-gift-2") + "/" + action)
                        .token(ORGANIZER_TOKEN);
                label = action + notTheOrganizer(request, false);
            }
            return request.build(label + " " + request.path, Kind.REJECTED);
        }

        // --- public write endpoints: self-service pages and shares ---

        /**
         * A signup that must create nothing: a bad body in the open campaign, a valid one in a
         * closed or unknown campaign, with an unknown team, another method or Content-Type; or a
         * fundraiser PUT with the manage token of a page in another campaign, a bad body, or a
         * token that is no page's.
         */
        private Case signup() {
            String[][] fields = {{"displayName", "\"Zo\u00e9 Dupont\""}, {"teamId", "\"blue\""}, {"goalMinor", "20000"},
                    {"story", "\"For the run\""}};
            StringBuilder label = new StringBuilder("signup");
            int what = random.nextInt(10);
            Request request;
            if (what < 5) {
                String raw = null;
                int defects = 1 + random.nextInt(3);
                for (int d = 0; d < defects; d++) {
                    int kind = random.nextInt(12);
                    switch (kind) {
                        case 0 -> { set(fields, "displayName", pick("\"\"", "\"   \"", "null", "5", "\"\\u0000\"",
                                "\"\\u0001\\u0002\"", "\"\\u202e\\u2066\"", "\"" + "n".repeat(81) + "\"", "\"\\ud800\"",
                                "\"a\\udc00\"", "[\"x\"]", "{}", "\"\\u2028\\u0000\\t\"")); label.append(" displayName"); }
                        case 1 -> { set(fields, "teamId", pick("\"nope-team\"", "\"Bad Team\"", "5", "\"\"", "\"red\"",
                                "\"" + "t".repeat(70) + "\"", "\"blue\\u0000\"")); label.append(" teamId"); }
                        case 2 -> { set(fields, "goalMinor", pick("0", "-1", "1.5", "\"5\"", "1000000000000001", "true",
                                "1e3")); label.append(" goalMinor"); }
                        case 3 -> { set(fields, "story", pick("\"" + "s".repeat(2_001) + "\"", "5", "\"\\ud800\"", "[]",
                                "{\"a\":1}", "\"" + "\u00e9".repeat(2_001) + "\"")); label.append(" story"); }
                        case 4 -> { set(fields, pick("id", "manageToken", "campaignId", "raisedMinor", "x"), "\"x\"");
                            label.append(" unknown-field"); }
                        default -> {
                            if (kind == 5) {
                                remove(fields, "displayName");
                                label.append(" missing-required");
                            }
                            else {
                                raw = RAW[kind - 6];
                                label.append(' ').append(raw);
                            }
                        }
                    }
                }
                request = new Request("POST", "/api/campaigns/fuzz-open/fundraisers")
                        .json(spoil(render(fields), raw, "displayName", 16_384));
                if (random.nextInt(4) == 0) {
                    label.append(random.nextBoolean() ? contentTypeDefect(request) : headerDefect(request));
                }
            }
            else if (what < 8) {
                byte[] body = render(fields).getBytes(StandardCharsets.UTF_8);
                String campaign = what == 5 ? "fuzz-open" : pick("fuzz-run", "fuzz-run", "nope", "Fuzz", "x;a=b", "%00",
                        "c".repeat(65), "fuzz-open%00");
                request = new Request("POST", "/api/campaigns/" + campaign + "/fundraisers").json(body);
                if (what == 5) {
                    if (random.nextBoolean()) {
                        label.append(contentTypeDefect(request));
                    }
                    else {
                        request.method(pick("PUT", "DELETE", "PATCH", "GET"));
                        label.append(" method=").append(request.method);
                    }
                }
                else {
                    label.append(" valid body, closed or unknown campaign");
                }
            }
            else {
                label = new StringBuilder("manage-token");
                String body = "{\"displayName\":\"Taken\",\"goalMinor\":100}";
                switch (random.nextInt(3)) {
                    case 0 -> {
                        request = new Request("PUT", "/api/campaigns/" + pick("fuzz-run/fundraisers/alice",
                                "fuzz-run/fundraisers/bob", "fuzz-open/fundraisers/alice", "fuzz-run/fundraisers/" + pageId))
                                .token(pageToken).json(body.getBytes(StandardCharsets.UTF_8));
                        label.append(" of another page");
                    }
                    case 1 -> {
                        request = new Request("PUT", "/api/campaigns/fuzz-open/fundraisers/" + pageId).token(pageToken)
                                .json(pick("{\"displayName\":\"\"}", "{\"displayName\":\"" + "n".repeat(81) + "\"}",
                                        "{\"displayName\":\"Ok\",\"id\":\"other\"}", "{\"displayName\":\"Ok\",\"teamId\":\"red\"}",
                                        "{\"displayName\":\"Ok\",\"manageToken\":\"x\"}", "[]", "{", "{\"displayName\":5}")
                                        .getBytes(StandardCharsets.UTF_8));
                        label.append(" bad body");
                    }
                    default -> {
                        request = new Request("PUT", "/api/campaigns/fuzz-open/fundraisers/" + pageId)
                                .json(body.getBytes(StandardCharsets.UTF_8));
                        String authorization = pick("Bearer " + pageToken + "x", "Bearer " + pageToken.substring(1),
                                "Bearer " + "A".repeat(43), "Bearer " + INGEST_TOKEN, "Basic " + pageToken, pageToken,
                                "Bearer " + pageToken.substring(0, 42) + (pageToken.endsWith("A") ? "B" : "A"));
                        request.rawAuthorization(authorization);
                        label.append(" not a page's token");
                    }
                }
            }
            return request.build(label + " " + request.path, Kind.REJECTED);
        }

        /**
         * A share that must count nothing: a bad body for a real fundraiser, a valid one for an unknown
         * fundraiser or campaign, or a valid one with another method, Content-Type or a bad host.
         */
        private Case share() {
            String[][] fields = {{"channel", "\"facebook\""}, {"visitorId", "\"visitor-fuzz-" + random.nextInt(1_000) + "\""}};
            StringBuilder label = new StringBuilder("share");
            String target = pick("fuzz-run/fundraisers/alice", "fuzz-run/fundraisers/alice", "fuzz-open/fundraisers/" + pageId);
            int what = random.nextInt(10);
            Request request;
            if (what < 6) {
                String raw = null;
                int defects = 1 + random.nextInt(3);
                for (int d = 0; d < defects; d++) {
                    int kind = random.nextInt(10);
                    switch (kind) {
                        case 0 -> { set(fields, "channel", pick("\"myspace\"", "\"FACEBOOK\"", "\"\"", "1", "null",
                                "[\"x\"]", "\"facebook \"", "\"x\\u0000\"", "\"\\ud800\"", "\"x:y\"")); label.append(" channel"); }
                        case 1 -> { set(fields, "visitorId", pick("\"short\"", "\"" + "v".repeat(65) + "\"", "\"bad id!!\"",
                                "\"\u00e9t\u00e9-visitor\"", "12345678", "null", "\"\\u0000aaaaaaaa\"", "\"\\ud800aaaaaaaa\"",
                                "\"aaaa/aaaa\"", "\"aaaa:aaaa\"", "\"aaaa%3aaaaa\"", "\"\"", "\"aaaaaaaa\\n\"")); label.append(" visitorId"); }
                        case 2 -> { set(fields, pick("fundraiserId", "referrerId", "eventId", "campaignId", "x"), "\"bob\"");
                            label.append(" unknown-field"); }
                        case 3 -> { remove(fields, pick("channel", "visitorId")); label.append(" missing-required"); }
                        default -> {
                            raw = RAW[kind - 4];
                            label.append(' ').append(raw);
                        }
                    }
                }
                request = new Request("POST", "/api/campaigns/" + target + "/shares").json(spoil(render(fields), raw,
                        "channel", 4_096));
                if (random.nextInt(4) == 0) {
                    label.append(random.nextBoolean() ? contentTypeDefect(request) : headerDefect(request));
                }
            }
            else {
                byte[] body = render(fields).getBytes(StandardCharsets.UTF_8);
                if (what < 8) {
                    target = pick("fuzz-run/fundraisers/zed", "fuzz-run/fundraisers/Bad!", "fuzz-run/fundraisers/" + "f".repeat(70),
                            "nope/fundraisers/alice", "Fuzz/fundraisers/alice", "fuzz-open/fundraisers/alice",
                            "fuzz-run/fundraisers/alice;x=1", "fuzz-run%00/fundraisers/alice", "fuzz-run/fundraisers/alice%2Fx",
                            "fuzz-run/fundraisers/" + pageId, "fuzz-run/fundraisers/%ZZ");
                    request = new Request("POST", "/api/campaigns/" + target + "/shares").json(body);
                    label.append(" unknown target");
                }
                else {
                    request = new Request("POST", "/api/campaigns/" + target + "/shares").json(body);
                    switch (random.nextInt(4)) {
                        case 0 -> label.append(contentTypeDefect(request));
                        case 1 -> {
                            request.method(pick("PUT", "DELETE", "PATCH", "GET", "FOO"));
                            label.append(" method=").append(request.method);
                        }
                        case 2 -> {
                            request.host(pick("", "a b", "%%%", "h".repeat(300), "127.0.0.1:-1", "[::1", "exa_mple.example",
                                    "-bad.example", "a..b", "host/path", "x:y", "evil.example:123456", "\u00e9vil.example",
                                    "evil.example@127.0.0.1"));
                            label.append(" host=").append(request.host);
                        }
                        default -> {
                            request.header("X-Padding", "p".repeat(9_000));
                            label.append(" oversized-header");
                        }
                    }
                }
            }
            return request.build(label + " " + request.path, Kind.REJECTED);
        }

        // --- reads ---

        private Case read() {
            String campaign = pick("fuzz-run", "fuzz-run", "fuzz-open", "nope", "FUZZ", "fuzz-run;x=1", "fuzz%2Frun", "%2e%2e",
                    "c".repeat(3_000), "%ZZ", "\u00e9", "fuzz-run%00");
            String path = switch (random.nextInt(8)) {
                case 0 -> "/api/campaigns/" + campaign;
                case 1 -> "/api/campaigns/" + campaign + "/totals";
                case 2 -> "/api/campaigns/" + campaign + "/leaderboards/" + pick("fundraisers", "teams", "sharers",
                        "trending", "referrals", "referrals", "nope", "FUNDRAISERS", "", "%2F", "Referrals");
                case 3 -> "/api/campaigns/" + campaign + "/fundraisers/" + pick("alice", "zed", "A", "alice;y=2", pageId);
                case 4 -> "/api/campaigns/" + campaign + "/feed";
                case 5, 6 -> "/api/campaigns/" + campaign + "/" + pick("milestones", "pledges", "matches", "milestones/half-way",
                        "pledges/acme", "matches/double", "Milestones", "matches/");
                default -> pick("/livez", "/readyz", "/livez/x", "/api/campaigns", "/actuator/prometheus",
                        "/actuator/health", "/api", "/api/", "/api/events");
            };
            String query = pick("", "", "?limit=" + pick("-1", "0", "101", "abc", "1e3", "99999999999999999999", "",
                    "10&limit=20", "%00", "1.5"), "?offset=" + pick("-1", "x", "999999999999", ""), "?%%%", "?a=%ZZ",
                    "?limit=5&offset=5", "?" + "q".repeat(5_000));
            String method = random.nextInt(5) == 0 ? pick("HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE")
                    : "GET";
            Request request = new Request(method, path + query);
            if (random.nextInt(5) == 0) {
                request.header(pick("Accept", "Accept-Encoding", "If-None-Match", "Range", "Accept-Language"),
                        pick("garbage", "*/*;q=x", "application/json;;;", "text/html", "bytes=0-1", "\u00e9", ""));
            }
            return request.build(method + " " + path + query, Kind.READ);
        }

        // --- WebSocket and SSE ---

        private Case webSocket() {
            Request request = new Request("GET", "/ws/campaigns/" + pick("fuzz-run", "nope", "BAD", "x;a=b"));
            List<String> defects = new ArrayList<>();
            request.header("Upgrade", random.nextInt(8) == 0 ? pick("h2c", "websocket2", "") : "websocket");
            request.header("Connection", "Upgrade");
            if (random.nextInt(3) > 0) {
                request.header("Sec-WebSocket-Key", pick("dGhlIHNhbXBsZSBub25jZQ==", "", "short", "!!!"));
            }
            else {
                defects.add("no-key");
            }
            switch (random.nextInt(4)) {
                case 0 -> defects.add("no-version");
                case 1 -> {
                    String v = pick("8", "12", "x", "", "13, 8");
                    request.header("Sec-WebSocket-Version", v);
                    defects.add("version=" + v);
                }
                default -> request.header("Sec-WebSocket-Version", "13");
            }
            String origin = pick("%%%", "http://a b", "http://127.0.0.1:-1", "null", "http://evil.example", "",
                    "http://[::1", "javascript:alert(1)", "http://127.0.0.1:" + port + "/../x", "\u00e9");
            request.header("Origin", origin);
            defects.add("origin=" + origin);
            if (random.nextInt(5) == 0) {
                request.host(pick("", "%%%", "a b", "127.0.0.1:-1", "[::1", "h".repeat(300)));
                defects.add("host=" + request.host);
            }
            if (random.nextInt(6) == 0) {
                request.method(pick("POST", "PUT", "HEAD"));
                defects.add("method=" + request.method);
            }
            // Every upgrade here has a foreign or unparsable origin, so none may succeed.
            return request.build("websocket " + request.path + " " + defects, Kind.REJECTED);
        }

        // --- the bytes themselves ---

        private Case rawGarbage() {
            String text = pick(
                    "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\nConnection: close\r\n\r\n",
                    "GET /api/campaigns/fuzz-run HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                            + "Content-Length: 5\r\nConnection: close\r\n\r\n0\r\n\r\n",
                    "GET /" + "a".repeat(5_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
                    "POST /api/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZ\r\n",
                    "GARBAGE\r\n\r\n",
                    "GET /api/campaigns/fuzz-run HTTP/9.9\r\nHost: x\r\n\r\n",
                    "GET /api/campaigns/fuzz-run HTTP/1.1\r\nHost: x\r\nBad Header: y\r\nConnection: close\r\n\r\n",
                    "GET /api/campaigns/fuzz-run HTTP/1.1\r\nHost: x\r\n" + "X-H: v\r\n".repeat(2_000) + "\r\n",
                    "GET /api/campaigns/fuzz-run HTTP/1.1\r\nHost: x\r\nX-Nul: a\u0000b\r\nConnection: close\r\n\r\n",
                    "GET http://evil.example/api/campaigns/fuzz-run HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    "GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    "GET api/campaigns HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    "POST /api/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + INGEST_TOKEN + "\r\n"
                            + "Content-Length: 99999999999\r\nConnection: close\r\n\r\n{}",
                    "POST /api/events/batch HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + INGEST_TOKEN + "\r\n"
                            + "Content-Length: 2\r\nContent-Length: 3\r\nConnection: close\r\n\r\n[]",
                    "GET /api/campaigns/fuzz-run HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
                    "\r\n\r\nGET /api/campaigns/fuzz-run HTTP/1.1\r\nConnection: close\r\n\r\n",
                    "POST /api/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + INGEST_TOKEN + "\r\n"
                            + "Expect: 100-continue\r\nContent-Length: 70000\r\nConnection: close\r\n\r\n");
            Kind kind = text.contains("Expect: 100-continue") || text.startsWith("POST /api/events HTTP/1.1\r\nHost: x\r\n"
                    + "Transfer-Encoding") ? Kind.UNFINISHED : Kind.READ;
            return new Case("raw " + text.substring(0, Math.min(80, text.length())).replace("\r\n", "\\r\\n"),
                    text.getBytes(StandardCharsets.ISO_8859_1), kind, false);
        }

        private Case oddPath() {
            String path = pick("/api/campaigns/fuzz-run/%2e%2e/%2e%2e/etc/passwd", "/api/campaigns//totals",
                    "/api/campaigns/fuzz-run/totals/", "/api//campaigns/fuzz-run", "/API/campaigns/fuzz-run",
                    "/api/campaigns/fuzz-run%2Ftotals", "/api/campaigns/fuzz-run/totals%00", "/%", "/%%%",
                    "/api/campaigns/fuzz-run/leaderboards/fundraisers/extra", "/api/events/batch/", "/api/events;x=y",
                    "/ws/campaigns/", "/ws/campaigns/fuzz-run/x", "/c/fuzz-run", "/favicon.ico", "/index.html",
                    "/c/fuzz-open/join", "/c/fuzz-run/f/alice", "/c/fuzz-open/f/" + pageId,
                    "/api/campaigns/fuzz-run/feed/fuzz-gift-1", "/api/campaigns/fuzz-run/feed/fuzz-gift-2/hide/x",
                    "/api/campaigns/fuzz-run/milestones/", "/api/campaigns/fuzz-open/fundraisers/",
                    "/api/campaigns/" + "%41".repeat(1_000), "/\u00e9t\u00e9", "/api/campaigns/fuzz-run\u0001",
                    "/api/campaigns/fuzz-run/stream;x=1", "/..%2F..%2F", "/api/campaigns/fuzz-run?limit=1#frag");
            String method = pick("GET", "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS");
            Request request = new Request(method, path);
            if (!method.equals("GET") && !method.equals("HEAD") && random.nextBoolean()) {
                request.token(pick(INGEST_TOKEN, ORGANIZER_TOKEN)).json("{\"type\":\"donation\"}".getBytes(StandardCharsets.UTF_8));
            }
            boolean mutating = method.equals("POST") || method.equals("PUT") || method.equals("DELETE");
            return request.build(method + " " + path, mutating ? Kind.REJECTED : Kind.READ);
        }

        /** A request whose head or body never completes. */
        private Case unfinished() {
            String text = pick("GET /api/campaigns/fuzz-run HTTP/1.1\r\nHost: x\r\nX-Slow: ",
                    "POST /api/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + INGEST_TOKEN + "\r\n"
                            + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"typ\r\n",
                    "POST /api/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + INGEST_TOKEN + "\r\n"
                            + "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"type\":",
                    "GET /api/campai");
            return new Case("unfinished " + text.substring(0, Math.min(60, text.length())).replace("\r\n", "\\r\\n"),
                    text.getBytes(StandardCharsets.ISO_8859_1), Kind.UNFINISHED, false);
        }

        @SafeVarargs
        private <T> T pick(T... options) {
            return options[random.nextInt(options.length)];
        }
    }

    /** A request being generated: method, path, headers, body; rendered as HTTP/1.1 bytes. */
    final class Request {

        String method;
        final String path;
        String host = "127.0.0.1:" + port;
        String token;
        String rawAuthorization;
        String contentType;
        final List<String[]> headers = new ArrayList<>();
        byte[] body = new byte[0];
        boolean hasBody;
        long declaredLength = -1;

        Request(String method, String path) {
            this.method = method;
            this.path = path;
        }

        Request method(String value) {
            method = value;
            return this;
        }

        Request host(String value) {
            host = value;
            return this;
        }

        Request token(String value) {
            token = value;
            rawAuthorization = null;
            return this;
        }

        Request rawAuthorization(String value) {
            rawAuthorization = value;
            return this;
        }

        Request contentType(String value) {
            contentType = value;
            return this;
        }

        Request header(String name, String value) {
            headers.add(new String[] {name, value});
            return this;
        }

        Request json(byte[] value) {
            contentType = contentType == null ? "application/json" : contentType;
            return body(value);
        }

        Request body(byte[] value) {
            body = value;
            hasBody = true;
            return this;
        }

        Request declaredLength(long value) {
            declaredLength = value;
            return this;
        }

        Case build(String label, Kind kind) {
            StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n");
            head.append("Host: ").append(host).append("\r\nConnection: close\r\n");
            if (rawAuthorization != null) {
                head.append("Authorization: ").append(rawAuthorization).append("\r\n");
            }
            else if (token != null) {
                head.append("Authorization: Bearer ").append(token).append("\r\n");
            }
            if (contentType != null && headers.stream().noneMatch(h -> h[0].equals("Content-Type"))) {
                head.append("Content-Type: ").append(contentType).append("\r\n");
            }
            for (String[] h : headers) {
                head.append(h[0]).append(": ").append(h[1]).append("\r\n");
            }
            if (hasBody) {
                head.append("Content-Length: ").append(declaredLength >= 0 ? declaredLength : body.length).append("\r\n");
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            // Header values may hold non-ASCII text: sent as UTF-8 bytes, as a careless client would.
            bytes.writeBytes(head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
            bytes.writeBytes(body);
            Kind judged = declaredLength > body.length ? Kind.UNFINISHED : kind;
            boolean isHead = method.equals("HEAD");
            String line = label.length() > 300 ? label.substring(0, 300) + "…" : label;
            return new Case(line, bytes.toByteArray(), judged, isHead);
        }
    }

    /** The self-service page created in the set-up, and its manage token. */
    volatile String pageId;
    volatile String pageToken;

    /**
     * Two campaigns with something in every table the fuzz must not touch: teams, fundraisers, a
     * self-service page, milestones (one reached), a pledge with a bonus, a match that matched the
     * gifts, gifts with messages (one hidden, one crediting a referrer) and a share.
     */
    private void setUp() {
        send("PUT", "/api/campaigns/fuzz-run", ORGANIZER_TOKEN, "{\"title\":\"Fuzz\",\"currency\":\"EUR\",\"goalMinor\":100000}", 201);
        send("PUT", "/api/campaigns/fuzz-run/teams/red", ORGANIZER_TOKEN, "{\"name\":\"Red\"}", 201);
        send("PUT", "/api/campaigns/fuzz-run/fundraisers/alice", ORGANIZER_TOKEN, "{\"displayName\":\"Alice\",\"teamId\":\"red\"}", 201);
        send("PUT", "/api/campaigns/fuzz-run/fundraisers/bob", ORGANIZER_TOKEN, "{\"displayName\":\"Bob\"}", 201);
        send("PUT", "/api/campaigns/fuzz-open", ORGANIZER_TOKEN,
                "{\"title\":\"Open\",\"currency\":\"EUR\",\"goalMinor\":100000,\"openSignup\":true}", 201);
        send("PUT", "/api/campaigns/fuzz-open/teams/blue", ORGANIZER_TOKEN, "{\"name\":\"Blue\"}", 201);
        JsonNode page = JSON.readTree(send("POST", "/api/campaigns/fuzz-open/fundraisers", null,
                "{\"displayName\":\"Zo\u00e9 Page\",\"teamId\":\"blue\"}", 201).body());
        pageId = page.path("id").stringValue();
        pageToken = page.path("manageToken").stringValue();
        send("PUT", "/api/campaigns/fuzz-run/milestones/half-way", ORGANIZER_TOKEN,
                "{\"metric\":\"raisedMinor\",\"threshold\":50000,\"label\":\"Half way\"}", 201);
        send("PUT", "/api/campaigns/fuzz-run/milestones/first-gift", ORGANIZER_TOKEN,
                "{\"metric\":\"raisedMinor\",\"threshold\":1000,\"label\":\"First gift\"}", 201);
        send("PUT", "/api/campaigns/fuzz-run/pledges/acme", ORGANIZER_TOKEN,
                "{\"sponsor\":\"Acme\",\"perShareMinor\":50,\"capMinor\":100000,\"bonus\":{\"atShares\":1000,\"amountMinor\":5000}}", 201);
        send("PUT", "/api/campaigns/fuzz-run/matches/double", ORGANIZER_TOKEN, "{\"sponsor\":\"Bank\",\"ratio\":1,"
                + "\"capMinor\":50000,\"startsAt\":\"2026-01-01T00:00:00Z\",\"endsAt\":\"2100-01-01T00:00:00Z\"}", 201);
        String batch = send("POST", "/api/events/batch", INGEST_TOKEN, "["
                + "{\"type\":\"donation\",\"eventId\":\"fuzz-gift-1\",\"campaignId\":\"fuzz-run\",\"fundraiserId\":\"alice\","
                + "\"amountMinor\":2500,\"currency\":\"EUR\",\"donorName\":\"Chlo\u00e9\",\"message\":\"Allez !\",\"referrerId\":\"bob\"},"
                + "{\"type\":\"donation\",\"eventId\":\"fuzz-gift-2\",\"campaignId\":\"fuzz-run\",\"fundraiserId\":\"alice\","
                + "\"amountMinor\":1500,\"currency\":\"EUR\",\"message\":\"Hide me\"},"
                + "{\"type\":\"donation\",\"eventId\":\"fuzz-open-gift\",\"campaignId\":\"fuzz-open\",\"fundraiserId\":\"" + pageId
                + "\",\"amountMinor\":1000,\"currency\":\"EUR\",\"message\":\"Go\"}]", 200).body();
        assertThat(batch.split("\"accepted\"", -1)).as(batch).hasSize(4);
        send("POST", "/api/campaigns/fuzz-run/fundraisers/alice/shares", null,
                "{\"channel\":\"link\",\"visitorId\":\"visitor-setup-1\"}", 201);
        String totals = Eventually.await(Duration.ofSeconds(10), () -> get("/api/campaigns/fuzz-run/totals", null),
                body -> body.contains("\"donationCount\":2") && body.contains("\"shareCount\":1"));
        assertThat(totals).contains("\"donationCount\":2", "\"shareCount\":1");
        assertThat(Eventually.await(Duration.ofSeconds(10), () -> get("/api/campaigns/fuzz-open/totals", null),
                body -> body.contains("\"donationCount\":1"))).contains("\"donationCount\":1");
        send("POST", "/api/campaigns/fuzz-run/feed/fuzz-gift-2/hide", ORGANIZER_TOKEN, null, 200);
        // The first milestone is reached (its time recorded once, by whichever instance saw it), the other not.
        String milestones = Eventually.await(Duration.ofSeconds(10), () -> get("/api/campaigns/fuzz-run/milestones", null),
                body -> body.contains("\"reachedAt\":\""));
        assertThat(milestones.split("\"reachedAt\":\"", -1)).as(milestones).hasSize(2);
        assertThat(milestones).contains("\"reachedAt\":null");
    }

    /** Sends a request with a JSON body (none when null) and asserts its status. */
    private RawHttp.Response send(String method, String path, String token, String body, int status) {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n"
                + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                + (body == null ? "" : "Content-Type: application/json\r\n") + "Content-Length: " + bytes.length + "\r\n\r\n";
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        request.writeBytes(bytes);
        RawHttp.Response response = RawHttp.exchange(port, request.toByteArray());
        assertThat(response.status()).as(method + " " + path + ": " + response.body()).isEqualTo(status);
        return response;
    }

    /** A read's body, without the times that move on their own. */
    private String get(String path, String token) {
        RawHttp.Response response = RawHttp.exchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n");
        assertThat(response.status()).as(path + ": " + response.body()).isEqualTo(200);
        return response.body().replaceAll("\"updatedAt\":\"[^\"]*\"", "");
    }

    /** Every public figure of both campaigns, and the organizer's views of them, by path. */
    private Map<String, String> publicFigures() {
        Map<String, String> figures = new java.util.TreeMap<>();
        figures.put("/api/campaigns", get("/api/campaigns", ORGANIZER_TOKEN));
        figures.put("messages", get("/api/campaigns/fuzz-run/messages?limit=200", ORGANIZER_TOKEN));
        for (String campaign : List.of("fuzz-run", "fuzz-open")) {
            String base = "/api/campaigns/" + campaign;
            for (String path : List.of("", "/totals", "/feed?limit=100", "/milestones", "/pledges", "/matches",
                    "/leaderboards/fundraisers?limit=100", "/leaderboards/teams?limit=100", "/leaderboards/sharers?limit=100",
                    "/leaderboards/trending?limit=100", "/leaderboards/referrals?limit=100")) {
                figures.put(base + path, get(base + path, null));
            }
        }
        for (String fundraiser : List.of("fuzz-run/fundraisers/alice", "fuzz-run/fundraisers/bob", "fuzz-open/fundraisers/" + pageId)) {
            figures.put(fundraiser, get("/api/campaigns/" + fundraiser, null));
        }
        return figures;
    }

    /** Every row of {@link #TABLES}, as PostgreSQL writes a row as text, sorted. */
    private Map<String, List<String>> rows() throws Exception {
        Map<String, List<String>> rows = new java.util.LinkedHashMap<>();
        try (Connection connection = TestServices.jdbc(DB)) {
            for (String table : TABLES) {
                List<String> texts = new ArrayList<>();
                try (ResultSet result = connection.createStatement().executeQuery(
                        "select t::text from " + table + " t order by 1")) {
                    while (result.next()) {
                        texts.add(result.getString(1));
                    }
                }
                rows.put(table, texts);
            }
        }
        return rows;
    }
}
