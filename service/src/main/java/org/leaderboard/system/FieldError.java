package org.leaderboard.system;

/** One invalid field of a request body, as listed in a validation problem's {@code errors}. */
public record FieldError(String field, String message) {
}
