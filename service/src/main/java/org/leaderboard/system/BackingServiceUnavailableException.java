package org.leaderboard.system;

/**
 * A backing service the service cannot start without could not be reached at start-up; carries
 * which one, so {@link BackingServiceFailureAnalyzer} can say where it looked and how to start it.
 */
public class BackingServiceUnavailableException extends RuntimeException {

    /** The services the service needs to start. */
    public enum Service {
        POSTGRESQL, REDIS
    }

    private final Service service;

    public BackingServiceUnavailableException(Service service, Throwable cause) {
        super(service + " cannot be reached: " + cause, cause);
        this.service = service;
    }

    public Service service() {
        return service;
    }
}
