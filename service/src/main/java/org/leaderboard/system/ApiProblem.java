package org.leaderboard.system;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;

/**
 * An RFC 9457 problem a request ends with. Thrown (or returned in a batch result) so that
 * every rejection of the API has one shape, whatever layer detects it.
 */
public final class ApiProblem extends RuntimeException {

    private final HttpStatus status;
    private final String type;
    private final String title;
    private final List<FieldError> errors;
    private final Map<String, String> headers;

    private ApiProblem(HttpStatus status, String type, String title, String detail,
            List<FieldError> errors, Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
        this.title = title;
        this.errors = List.copyOf(errors);
        this.headers = Map.copyOf(headers);
    }

    public static ApiProblem of(HttpStatus status, String type, String title, String detail) {
        return new ApiProblem(status, type, title, detail, List.of(), Map.of());
    }

    public static ApiProblem validation(List<FieldError> errors) {
        String detail = errors.size() == 1 ? errors.get(0).field() + ": " + errors.get(0).message()
                : errors.size() + " fields are invalid";
        return new ApiProblem(HttpStatus.BAD_REQUEST, "validation", "Invalid request", detail, errors, Map.of());
    }

    public static ApiProblem malformed(String detail) {
        return of(HttpStatus.BAD_REQUEST, "malformed-body", "Malformed request body", detail);
    }

    public static ApiProblem notFound(String detail) {
        return of(HttpStatus.NOT_FOUND, "not-found", "Not found", detail);
    }

    public static ApiProblem unauthorized(String detail) {
        return new ApiProblem(HttpStatus.UNAUTHORIZED, "unauthorized", "Unauthorized", detail, List.of(),
                Map.of("WWW-Authenticate", "Bearer"));
    }

    public static ApiProblem tooLarge(String detail) {
        return of(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Request body too large", detail);
    }

    /** The service cannot commit right now; the client should retry after {@code retryAfterSeconds}. */
    public static ApiProblem unavailable(String detail, long retryAfterSeconds) {
        return new ApiProblem(HttpStatus.SERVICE_UNAVAILABLE, "unavailable", "Service unavailable", detail,
                List.of(), Map.of("Retry-After", Long.toString(retryAfterSeconds)));
    }

    /** This problem with one more response header, e.g. {@code Allow} on a 405. */
    public ApiProblem withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new ApiProblem(status, type, title, getMessage(), errors, more);
    }

    public HttpStatus status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String title() {
        return title;
    }

    public List<FieldError> errors() {
        return errors;
    }

    public Map<String, String> headers() {
        return headers;
    }

    /**
     * The problem+json body. Problem types are relative URI references, {@code /problems/<type>},
     * each documented in the README.
     */
    public Map<String, Object> body(String instance) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "/problems/" + type);
        body.put("title", title);
        body.put("status", status.value());
        body.put("detail", getMessage());
        if (instance != null) {
            body.put("instance", instance);
        }
        if (!errors.isEmpty()) {
            body.put("errors", errors);
        }
        return body;
    }
}
