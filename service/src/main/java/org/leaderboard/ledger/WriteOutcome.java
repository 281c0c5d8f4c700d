package org.leaderboard.ledger;

import org.leaderboard.system.ApiProblem;

/** What became of one event handed to the ledger; {@code problem} is set only when rejected. */
public record WriteOutcome(String eventId, Status status, ApiProblem problem) {

    public enum Status {
        ACCEPTED, DUPLICATE, REJECTED;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static WriteOutcome accepted(String eventId) {
        return new WriteOutcome(eventId, Status.ACCEPTED, null);
    }

    public static WriteOutcome duplicate(String eventId) {
        return new WriteOutcome(eventId, Status.DUPLICATE, null);
    }

    public static WriteOutcome rejected(String eventId, ApiProblem problem) {
        return new WriteOutcome(eventId, Status.REJECTED, problem);
    }
}
