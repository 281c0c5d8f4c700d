package org.leaderboard.ingest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.leaderboard.ledger.LedgerEvent;
import org.leaderboard.ledger.LedgerStore;
import org.leaderboard.ledger.WriteOutcome;
import org.leaderboard.system.ApiProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.InvalidDataAccessApiUsageException;
import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.BadSqlGrammarException;
import org.springframework.stereotype.Component;

import io.r2dbc.spi.R2dbcException;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Group commit: events from concurrent requests wait in one bounded queue and are written to
 * the ledger together. While a commit runs, new events pile up and leave in the next group, so
 * the group size follows the load with no timer adding latency when the service is quiet; more
 * commits run at once (up to {@code maxConcurrentCommits}) only for a backlog. A full queue
 * answers 503 at once.
 */
@Component
class GroupCommitter {

    private static final Logger log = LoggerFactory.getLogger(GroupCommitter.class);

    /** Writes one group to the ledger ({@link LedgerStore#write}). */
    private final Function<List<LedgerEvent>, Mono<List<WriteOutcome>>> ledger;
    private final IngestProperties properties;
    private final IngestMetrics metrics;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger drainWork = new AtomicInteger();
    private final Scheduler timers;

    @Autowired
    GroupCommitter(LedgerStore ledger, IngestProperties properties, IngestMetrics metrics) {
        this(ledger::write, properties, metrics, Schedulers.parallel());
    }

    /** @param timers runs the commit timeouts and request deadlines (a virtual-time scheduler in tests) */
    GroupCommitter(Function<List<LedgerEvent>, Mono<List<WriteOutcome>>> ledger, IngestProperties properties,
            IngestMetrics metrics, Scheduler timers) {
        this.ledger = ledger;
        this.properties = properties;
        this.metrics = metrics;
        this.timers = timers;
        metrics.commitsInFlight(inFlight::get);
        metrics.queueDepth(queued::get);
    }

    /**
     * Commits the events and answers their outcomes in the same order, once all are settled.
     * Fails with a 503 {@link ApiProblem} when the queue has no room for all of them (nothing
     * is recorded), or when a group holding one of them failed or timed out (the commit may
     * still have happened: a retry answers such events {@code duplicate}).
     */
    Mono<List<WriteOutcome>> submit(List<LedgerEvent> events) {
        if (events.isEmpty()) {
            return Mono.just(List.of());
        }
        return Mono.create(sink -> {
            if (!reserve(events.size())) {
                metrics.overloaded(events.size());
                sink.error(ApiProblem.unavailable("The ingest queue is full; retry shortly", retryAfterSeconds()));
                return;
            }
            Request request = new Request(events.size(), sink);
            for (int i = 0; i < events.size(); i++) {
                queue.offer(new Pending(events.get(i), request, i));
            }
            // While every slot is held by a commit the database does not finish, queued events
            // must not wait without bound: they may wait for one commit, then take their own.
            request.deadline(timers.schedule(() -> {
                if (request.fail(problemFor(new TimeoutException("Not committed within twice the commit timeout")))) {
                    drain(); // drops its events from the queue: nothing of an answered request is written later
                }
            }, properties.commitTimeout().toNanos() * 2, TimeUnit.NANOSECONDS));
            drain();
        });
    }

    private boolean reserve(int count) {
        while (true) {
            int current = queued.get();
            if (current + count > properties.queueCapacity()) {
                return false;
            }
            if (queued.compareAndSet(current, current + count)) {
                return true;
            }
        }
    }

    /**
     * Starts groups while there is work and room; one thread at a time runs the loop. A commit
     * starts at once when none is in flight; while one is, another starts only for a backlog of
     * {@code concurrentCommitBacklog} events. Below that the events wait for the running commit
     * (a few milliseconds) and leave together: each commit costs a statement, a round trip and a
     * WAL flush whatever its size, so at moderate load few large groups cost far less CPU than many
     * small ones (on this project's machine, one commit at a time instead of four: PostgreSQL's
     * share under single-event ingest fell by about a fifth, and the p99 latency of 4,000 paced
     * events/s from 222 to 75 ms), while a real backlog still gets the concurrency it needs.
     */
    private void drain() {
        if (drainWork.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            Pending head;
            while ((head = queue.peek()) != null && head.request().answered()) {
                queue.poll(); // only this loop polls, so the head is still the one peeked
                queued.decrementAndGet();
            }
            while (inFlight.get() < properties.maxConcurrentCommits() && !queue.isEmpty()
                    && (inFlight.get() == 0 || queued.get() >= properties.concurrentCommitBacklog())) {
                List<Pending> group = new ArrayList<>(Math.min(queued.get(), properties.maxGroupSize()));
                Pending next;
                int taken = 0;
                while (group.size() < properties.maxGroupSize() && (next = queue.poll()) != null) {
                    taken++;
                    if (!next.request().answered()) {
                        group.add(next);
                    }
                }
                queued.addAndGet(-taken);
                if (group.isEmpty()) {
                    if (taken == 0) {
                        break;
                    }
                    continue;
                }
                inFlight.incrementAndGet();
                commit(group);
            }
            missed = drainWork.addAndGet(-missed);
        } while (missed != 0);
    }

    /**
     * Writes one group and answers its requests. The requests get their answer (503) once
     * {@code commitTimeout} passed, but the group keeps its slot until its write really ends:
     * a statement abandoned on a timeout would still run in PostgreSQL, on a connection, so
     * freeing the slot then would let commits in flight exceed {@code maxConcurrentCommits}
     * exactly when the database is slow. PostgreSQL's own {@code statement_timeout} ends a
     * statement that runs too long; one still not ended at {@code abandonAfter} (a connection
     * that went silent) is abandoned.
     */
    private void commit(List<Pending> group) {
        long start = System.nanoTime();
        List<LedgerEvent> events = group.stream().map(Pending::event).toList();
        AtomicBoolean answered = new AtomicBoolean();
        Disposable timeout = timers.schedule(() -> {
            if (answered.compareAndSet(false, true)) {
                fail(group, start, new TimeoutException("No commit within " + properties.commitTimeout()));
            }
        }, properties.commitTimeout().toNanos(), TimeUnit.NANOSECONDS);
        writeIsolating(events)
                // A statement still not ended well past PostgreSQL's statement_timeout is stuck on a
                // dead connection, not running: give the slot back rather than stop ingest for good.
                .timeout(properties.abandonAfter(), timers)
                .doFinally(signal -> {
                    inFlight.decrementAndGet();
                    drain();
                })
                .subscribe(outcomes -> {
                    timeout.dispose();
                    if (!answered.compareAndSet(false, true)) {
                        log.info("A group of {} events committed after its requests were answered 503; "
                                + "their retries will be answered duplicate", group.size());
                        return;
                    }
                    metrics.group(group.size(), Duration.ofNanos(System.nanoTime() - start), true);
                    for (int i = 0; i < group.size(); i++) {
                        Pending pending = group.get(i);
                        metrics.outcome(outcomes.get(i));
                        pending.request().settle(pending.index(), outcomes.get(i));
                    }
                }, error -> {
                    timeout.dispose();
                    if (answered.compareAndSet(false, true)) {
                        fail(group, start, error);
                    }
                });
    }

    private void fail(List<Pending> group, long start, Throwable error) {
        metrics.group(group.size(), Duration.ofNanos(System.nanoTime() - start), false);
        ApiProblem problem = problemFor(error);
        for (Pending pending : group) {
            pending.request().fail(problem);
        }
    }

    /**
     * Writes the events; when PostgreSQL refuses the group for the data of some event (a value
     * validation let through), writes each half again, down to the single events, so one
     * event's data never fails the events beside it. Nothing of a refused statement is stored
     * (one INSERT, or one transaction with refunds), so writing again keeps every event counted
     * once; an event that fails alone is rejected with 422.
     */
    private Mono<List<WriteOutcome>> writeIsolating(List<LedgerEvent> events) {
        return ledger.apply(events).onErrorResume(GroupCommitter::isDataError, error -> {
            if (events.size() == 1) {
                LedgerEvent event = events.get(0);
                log.error("The ledger refused the data of event '{}'; validation should have rejected it",
                        event.eventId(), error);
                return Mono.just(List.of(WriteOutcome.rejected(event.eventId(), ApiProblem.of(
                        HttpStatus.UNPROCESSABLE_CONTENT, "unstorable-event", "Event cannot be stored",
                        "The ledger cannot store this event's data"))));
            }
            int half = events.size() / 2;
            return writeIsolating(events.subList(0, half)).flatMap(first -> writeIsolating(
                    events.subList(half, events.size())).map(second -> {
                        List<WriteOutcome> all = new ArrayList<>(events.size());
                        all.addAll(first);
                        all.addAll(second);
                        return all;
                    }));
        });
    }

    /**
     * A refusal caused by the values of the statement: SQLSTATE class 22 (data exception: a
     * value out of range, a NUL, a bad encoding) or 23 (a constraint the values broke).
     */
    static boolean isDataError(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof R2dbcException r2dbc && r2dbc.getSqlState() != null
                    && (r2dbc.getSqlState().startsWith("22") || r2dbc.getSqlState().startsWith("23"))) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }

    private ApiProblem problemFor(Throwable error) {
        if (error instanceof BadSqlGrammarException || error instanceof DataIntegrityViolationException
                || error instanceof InvalidDataAccessApiUsageException || error instanceof IllegalStateException) {
            log.error("A ledger group failed on a defect, not on availability", error);
            return ApiProblem.of(HttpStatus.INTERNAL_SERVER_ERROR, "internal",
                    "Internal server error", "The events could not be recorded");
        }
        String reason = error instanceof TimeoutException ? "the ledger did not confirm the commit in time"
                : error instanceof DataAccessException ? "the ledger database is unavailable"
                : "the ledger could not commit";
        log.warn("Ledger group of events failed: {}", error.toString());
        // A commit can succeed after its acknowledgement is lost, so the answer never claims that
        // nothing was recorded: it says to retry, which the event ids make safe.
        return ApiProblem.unavailable("These events may not be recorded: " + reason
                + ". Retry with the same event ids; any already recorded is answered duplicate", retryAfterSeconds());
    }

    private long retryAfterSeconds() {
        return properties.retryAfter().toSeconds();
    }

    private record Pending(LedgerEvent event, Request request, int index) {
    }

    /**
     * The events of one HTTP request; answers when the last is settled, or at the first failure
     * or its deadline.
     */
    private static final class Request {

        private final WriteOutcome[] outcomes;
        private final AtomicInteger unsettled;
        private final MonoSink<List<WriteOutcome>> sink;
        private volatile Disposable deadline;

        Request(int size, MonoSink<List<WriteOutcome>> sink) {
            this.outcomes = new WriteOutcome[size];
            this.unsettled = new AtomicInteger(size);
            this.sink = sink;
        }

        void deadline(Disposable timer) {
            this.deadline = timer;
            if (answered()) {
                timer.dispose();
            }
        }

        boolean answered() {
            return unsettled.get() <= 0;
        }

        void settle(int index, WriteOutcome outcome) {
            outcomes[index] = outcome;
            if (unsettled.decrementAndGet() == 0) {
                cancelDeadline();
                sink.success(Arrays.asList(outcomes));
            }
        }

        /** Answers the request with the problem unless it was answered already; true when it was not. */
        boolean fail(ApiProblem problem) {
            if (unsettled.getAndSet(-1) > 0) {
                cancelDeadline();
                sink.error(problem);
                return true;
            }
            return false;
        }

        private void cancelDeadline() {
            Disposable timer = deadline;
            if (timer != null) {
                timer.dispose();
            }
        }
    }
}
