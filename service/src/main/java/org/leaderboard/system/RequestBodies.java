package org.leaderboard.system;

import java.util.Arrays;
import java.util.function.Function;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;

import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads request bodies with a size limit (413 past it, checked on Content-Length before a byte
 * is read), of a declared {@link BodyFormat} (400 for a malformed Content-Type, 415 for another
 * one), in well-formed UTF-8 (400 otherwise), and parses JSON strictly: a repeated key is an error,
 * not a silent overwrite, so what the ledger hashes is exactly what the caller meant.
 */
@Component
public class RequestBodies {

    private final JsonMapper strict = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final long drainLimit;

    public RequestBodies(EdgeProperties edge) {
        this.drainLimit = edge.refusedBodyDrain().toBytes();
    }

    /** A JSON body (Content-Type application/json or none). */
    public Mono<byte[]> read(ServerRequest request, DataSize limit) {
        return read(request, limit, BodyFormat.JSON);
    }

    /** A body in one of the {@code accepted} formats; which one it is, {@link BodyFormat#of} tells. */
    public Mono<byte[]> read(ServerRequest request, DataSize limit, BodyFormat... accepted) {
        try {
            BodyFormat.of(request.headers().asHttpHeaders(), accepted);
        }
        catch (ApiProblem problem) {
            return Mono.error(problem);
        }
        long max = limit.toBytes();
        long declared = request.headers().asHttpHeaders().getContentLength();
        if (declared > max) {
            return Mono.error(tooLarge(max));
        }
        // Past the limit the rest is still read and dropped, up to the edge's drain limit, so the
        // client sending it reads the 413 instead of a reset (see RefusedBodyDrain).
        long drain = Math.max(max, drainLimit);
        return request.body(BodyExtractors.toDataBuffers())
                .collect(() -> new Collected(declared, max, drain), Collected::add)
                .flatMap(collected -> {
                    if (collected.over()) {
                        return Mono.error(tooLarge(max));
                    }
                    if (collected.size() == 0) {
                        return Mono.error(ApiProblem.malformed("The request body is empty"));
                    }
                    return Mono.just(collected.bytes());
                })
                .map(RequestBodies::wellFormedUtf8);
    }

    /** A body's bytes up to the limit; past it only counted, and cut off past the drain limit. */
    private static final class Collected {

        private byte[] data;
        private final long max;
        private final long drain;
        private long seen;

        Collected(long declared, long max, long drain) {
            this.data = new byte[(int) Math.min(max, declared > 0 ? declared : 1024)];
            this.max = max;
            this.drain = drain;
        }

        void add(DataBuffer buffer) {
            try {
                int count = buffer.readableByteCount();
                seen += count;
                if (seen > drain) {
                    throw tooLarge(max);
                }
                if (seen <= max) {
                    if (seen > data.length) {
                        data = Arrays.copyOf(data, (int) Math.min(max, Math.max(seen, 2L * data.length)));
                    }
                    buffer.read(data, (int) seen - count, count);
                }
            }
            finally {
                DataBufferUtils.release(buffer);
            }
        }

        boolean over() {
            return seen > max;
        }

        long size() {
            return seen;
        }

        byte[] bytes() {
            return seen == data.length ? data : Arrays.copyOf(data, (int) seen);
        }
    }

    private static byte[] wellFormedUtf8(byte[] bytes) {
        int invalid = Utf8.firstInvalid(bytes);
        if (invalid >= 0) {
            throw ApiProblem.malformed("The body is not well-formed UTF-8 (byte " + invalid + ")");
        }
        return bytes;
    }

    /**
     * Parses a body that must be one JSON object and lets {@code reader} validate its fields; fails
     * with every bad field at once (400), or as {@link #parseJson} for a body that is not an object.
     */
    public <T> T parseObject(byte[] bytes, Function<JsonFields, T> reader) {
        JsonNode node = parseJson(bytes);
        if (!node.isObject()) {
            throw ApiProblem.malformed("The body must be a JSON object");
        }
        JsonFields fields = new JsonFields(node, "");
        T value = reader.apply(fields);
        if (!fields.errors().isEmpty()) {
            throw ApiProblem.validation(fields.errors());
        }
        return value;
    }

    public JsonNode parseJson(byte[] bytes) {
        return parseJson(bytes, 0, bytes.length);
    }

    public JsonNode parseJson(byte[] bytes, int offset, int length) {
        try {
            JsonNode node = strict.readTree(bytes, offset, length);
            if (node == null || node.isMissingNode()) {
                throw ApiProblem.malformed("The request body is empty");
            }
            return node;
        }
        catch (JacksonException ex) {
            throw ApiProblem.malformed("The body is not valid JSON: " + ex.getOriginalMessage());
        }
    }

    private static ApiProblem tooLarge(long max) {
        return ApiProblem.tooLarge("The request body exceeds " + max + " bytes");
    }
}
