package org.leaderboard.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.IntStream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.ledger.EventType;
import org.leaderboard.ledger.LedgerEvent;
import org.leaderboard.ledger.WriteOutcome;
import org.leaderboard.system.ApiProblem;
import org.springframework.util.unit.DataSize;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * When groups start: at once when no commit is in flight; while one is, the events wait and
 * leave together, unless the backlog reaches {@code concurrentCommitBacklog}. The ledger here is
 * a stand-in whose commits the test completes by hand (the ledger itself is tested against
 * PostgreSQL in the ingest integration tests).
 */
class GroupCommitterTests {

    private final List<List<LedgerEvent>> groups = new ArrayList<>();
    private final List<Sinks.One<List<WriteOutcome>>> commits = new ArrayList<>();
    private final GroupCommitter committer = new GroupCommitter(events -> {
        Sinks.One<List<WriteOutcome>> commit = Sinks.one();
        synchronized (this) {
            groups.add(events);
            commits.add(commit);
        }
        return commit.asMono();
    }, new IngestProperties(20_000, 1000, 4, 250, Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(1),
            DataSize.ofKilobytes(64), DataSize.ofMegabytes(1), 1000), new IngestMetrics(new SimpleMeterRegistry()),
            Schedulers.parallel());

    @Test
    void eventsArrivingDuringACommitLeaveTogetherAfterIt() {
        List<Mono<List<WriteOutcome>>> answers = new ArrayList<>();
        answers.add(submit(1, 0));
        assertThat(sizes()).as("nothing in flight: the first event leaves at once").containsExactly(1);

        IntStream.range(1, 11).forEach(i -> answers.add(submit(1, i)));
        assertThat(sizes()).as("ten events behind a running commit wait for it").containsExactly(1);

        complete(0);
        assertThat(sizes()).as("then leave in one group").containsExactly(1, 10);

        answers.add(submit(300, 100));
        assertThat(sizes()).as("a backlog of 300 (>= 250) gets a commit of its own at once")
                .containsExactly(1, 10, 300);

        complete(1);
        complete(2);
        answers.forEach(answer -> assertThat(answer.block(Duration.ofSeconds(1))).allSatisfy(
                outcome -> assertThat(outcome.status()).isEqualTo(WriteOutcome.Status.ACCEPTED)));
    }

    @Test
    void aBacklogIsSpreadOverAtMostMaxConcurrentCommits() {
        for (int i = 0; i < 6; i++) {
            submit(300, i * 1000);
        }
        assertThat(sizes()).as("the first 300 alone, then one commit per 250-event backlog, four at most")
                .containsExactly(300, 300, 300, 300);
        complete(0);
        assertThat(sizes()).as("the remaining 600 in one group once a commit finished")
                .containsExactly(300, 300, 300, 300, 600);
    }

    @Test
    void aTimedOutCommitKeepsItsSlotUntilItsStatementEnds() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        SlowLedger ledger = new SlowLedger();
        GroupCommitter slow = new GroupCommitter(ledger, new IngestProperties(100, 1000, 2, 1,
                Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(1), DataSize.ofKilobytes(64),
                DataSize.ofMegabytes(1), 100),
                new IngestMetrics(new SimpleMeterRegistry()), time);
        List<Mono<List<WriteOutcome>>> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            answers.add(submit(slow, 1, i));
        }
        assertThat(ledger.started()).as("two commits at most").isEqualTo(2);

        time.advanceTimeBy(Duration.ofSeconds(5));
        assertThat(failure(answers.get(0))).as("a stalled commit answers 503 on its timeout").isNotNull();
        assertThat(failure(answers.get(1))).isNotNull();
        assertThat(ledger.started()).as("but its statement still runs: no commit may start beside it")
                .isEqualTo(2);
        assertThat(ledger.maxRunning()).isEqualTo(2);

        ledger.end(0);
        assertThat(ledger.started()).as("the slot frees when the statement really ends").isEqualTo(3);
        assertThat(ledger.maxRunning()).as("commits running in the database never exceed the limit").isEqualTo(2);
        ledger.end(2);
        assertThat(answers.get(2).block(Duration.ofSeconds(1))).extracting(WriteOutcome::status)
                .containsExactly(WriteOutcome.Status.ACCEPTED);
        ledger.end(1);
    }

    @Test
    void aQueuedEventBehindStalledCommitsIsAnsweredAfterTwiceTheTimeoutAndNeverWritten() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        SlowLedger ledger = new SlowLedger();
        GroupCommitter slow = new GroupCommitter(ledger, new IngestProperties(100, 1000, 1, 1,
                Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(1), DataSize.ofKilobytes(64),
                DataSize.ofMegabytes(1), 100),
                new IngestMetrics(new SimpleMeterRegistry()), time);
        Mono<List<WriteOutcome>> first = submit(slow, 1, 0);
        Mono<List<WriteOutcome>> queued = submit(slow, 1, 1);
        time.advanceTimeBy(Duration.ofSeconds(9));
        assertThat(failure(first)).isNotNull();
        assertThat(failure(queued)).as("may wait for one commit, then its own").isNull();
        time.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(failure(queued)).as("answered 503 at twice the commit timeout").isInstanceOf(ApiProblem.class)
                .extracting(e -> ((ApiProblem) e).status().value()).isEqualTo(503);
        ledger.end(0);
        assertThat(ledger.started()).as("an answered request leaves nothing to write later").isEqualTo(1);
        Mono<List<WriteOutcome>> next = submit(slow, 1, 2);
        assertThat(ledger.started()).isEqualTo(2);
        ledger.end(1);
        assertThat(next.block(Duration.ofSeconds(1))).extracting(WriteOutcome::eventId).containsExactly("ev-2");
    }

    @Test
    void aStatementStillNotEndedAtAbandonAfterGivesItsSlotBack() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        SlowLedger ledger = new SlowLedger();
        GroupCommitter slow = new GroupCommitter(ledger, new IngestProperties(100, 1000, 1, 1,
                Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(1), DataSize.ofKilobytes(64),
                DataSize.ofMegabytes(1), 100), new IngestMetrics(new SimpleMeterRegistry()), time);
        submit(slow, 1, 0);
        time.advanceTimeBy(Duration.ofSeconds(14));
        Mono<List<WriteOutcome>> next = submit(slow, 1, 1);
        assertThat(ledger.started()).as("the slot is held up to abandon-after").isEqualTo(1);
        time.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(ledger.started()).as("then a silent statement is abandoned and the next commit starts")
                .isEqualTo(2);
        ledger.end(1);
        assertThat(next.block(Duration.ofSeconds(1))).extracting(WriteOutcome::eventId).containsExactly("ev-1");
        ledger.end(0);
    }

    /**
     * A ledger whose statements end only when the test says so; a cancelled subscription does
     * not end one (as a statement abandoned by the service still runs in PostgreSQL).
     */
    private static final class SlowLedger implements Function<List<LedgerEvent>, Mono<List<WriteOutcome>>> {

        private final List<Sinks.One<List<WriteOutcome>>> statements = new ArrayList<>();
        private final List<List<LedgerEvent>> groups = new ArrayList<>();
        private int running;
        private int maxRunning;

        @Override
        public synchronized Mono<List<WriteOutcome>> apply(List<LedgerEvent> events) {
            Sinks.One<List<WriteOutcome>> statement = Sinks.one();
            statements.add(statement);
            groups.add(events);
            maxRunning = Math.max(maxRunning, ++running);
            return statement.asMono();
        }

        void end(int index) {
            Sinks.One<List<WriteOutcome>> statement;
            List<LedgerEvent> events;
            synchronized (this) {
                statement = statements.get(index);
                events = groups.get(index);
                running--;
            }
            statement.tryEmitValue(events.stream().map(e -> WriteOutcome.accepted(e.eventId())).toList());
        }

        synchronized int started() {
            return statements.size();
        }

        synchronized int maxRunning() {
            return maxRunning;
        }
    }

    private static Throwable failure(Mono<List<WriteOutcome>> answer) {
        AtomicReference<Throwable> error = new AtomicReference<>();
        answer.subscribe(outcomes -> { }, error::set);
        return error.get();
    }

    /** Commits a test left running would time out later, logging in another test's output. */
    @AfterEach
    void completeTheRest() {
        int n;
        synchronized (this) {
            n = groups.size();
        }
        for (int i = 0; i < n; i++) {
            complete(i);
        }
    }

    private Mono<List<WriteOutcome>> submit(int events, int firstId) {
        return submit(committer, events, firstId);
    }

    private static Mono<List<WriteOutcome>> submit(GroupCommitter committer, int events, int firstId) {
        List<LedgerEvent> batch = IntStream.range(firstId, firstId + events).mapToObj(GroupCommitterTests::event)
                .toList();
        Mono<List<WriteOutcome>> answer = committer.submit(batch).cache();
        answer.subscribe(outcomes -> { }, error -> { });
        return answer;
    }

    private synchronized List<Integer> sizes() {
        return groups.stream().map(List::size).toList();
    }

    private void complete(int group) {
        List<LedgerEvent> events;
        Sinks.One<List<WriteOutcome>> commit;
        synchronized (this) {
            events = groups.get(group);
            commit = commits.get(group);
        }
        commit.tryEmitValue(events.stream().map(e -> WriteOutcome.accepted(e.eventId())).toList());
    }

    private static LedgerEvent event(int i) {
        return new LedgerEvent(EventType.SHARE, "ev-" + i, "night-run", null, null, null, null, null, false, null,
                null, "link", "v-" + i, null, "hash-" + i);
    }
}
