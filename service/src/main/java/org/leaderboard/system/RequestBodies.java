package org.leaderboard.system;

import java.util.function.Function;

import org.springframework.core.io.buffer.DataBufferLimitException;
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
        return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), (int) max)
                .map(buffer -> {
                    try {
                        byte[] bytes = new byte[buffer.readableByteCount()];
                        buffer.read(bytes);
                        return bytes;
                    }
                    finally {
                        DataBufferUtils.release(buffer);
                    }
                })
                .switchIfEmpty(Mono.error(() -> ApiProblem.malformed("The request body is empty")))
                .map(RequestBodies::wellFormedUtf8)
                .onErrorMap(DataBufferLimitException.class, ex -> tooLarge(max));
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
