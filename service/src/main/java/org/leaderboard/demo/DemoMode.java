package org.leaderboard.demo;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.leaderboard.campaign.Campaign;
import org.leaderboard.campaign.CampaignSetup;
import org.leaderboard.campaign.Fundraiser;
import org.leaderboard.ingest.EventIntake;
import org.leaderboard.leaderboard.Match;
import org.leaderboard.ledger.WriteOutcome;
import org.leaderboard.system.ApiProblem;
import org.leaderboard.viral.ViralSetup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Demo mode ({@code leaderboard.demo.enabled}): once the service is ready, creates the campaign
 * {@code demo} (marked as a demo, with teams, fundraisers, stories and a donate link) the way the
 * organizer API does, logs its page's address, then submits the {@link DemoScript}'s events step
 * by step through {@link EventIntake}, the HTTP ingest's own validation and group commit: the
 * demo's gifts reach the ledger, Redis and the streams as real ones do. One step is in flight at
 * a time; a step due while one is being committed is folded into the next (the script covers the
 * whole time since its last step), so a slow ledger slows the demo rather than queue behind it.
 */
@Component
class DemoMode implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(DemoMode.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final DemoProperties properties;
    private final CampaignSetup setup;
    private final ViralSetup viral;
    /** The gifts are recorded at the database's time, which the matching gift's window must contain. */
    private final Clock wallClock;
    private final EventIntake intake;
    private final Environment environment;
    private final Scheduler scheduler;
    private final AtomicReference<Disposable> running = new AtomicReference<>(Disposables.disposed());
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong lastFailureLog = new AtomicLong(Long.MIN_VALUE);

    DemoMode(DemoProperties properties, CampaignSetup setup, ViralSetup viral, EventIntake intake,
            Environment environment, ObjectProvider<DemoClock> clock, Clock wallClock) {
        this.properties = properties;
        this.setup = setup;
        this.viral = viral;
        this.wallClock = wallClock;
        this.intake = intake;
        this.environment = environment;
        this.scheduler = clock.getIfAvailable(() -> new DemoClock(Schedulers.parallel())).scheduler();
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        if (!properties.enabled()) {
            return;
        }
        long seed = properties.seed() != 0 ? properties.seed() : new SecureRandom().nextLong();
        String runId = Long.toString(System.currentTimeMillis(), 36);
        DemoScript script = new DemoScript(properties, new Random(seed), runId);
        Disposable run = createCampaign()
                // A refusal (the campaign "demo" exists in another currency) is final; an outage is not.
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofSeconds(1)).maxBackoff(Duration.ofSeconds(30))
                        .filter(error -> !(error instanceof ApiProblem))
                        .doBeforeRetry(signal -> log.warn("Demo mode could not create the demo campaign, retrying: {}",
                                signal.failure().toString())))
                .doOnSuccess(campaign -> log.info("Demo mode: campaign '{}' is live at {} (events from this run are "
                        + "named demo-{}-…)", campaign.id(), pageUrl(), runId))
                .thenMany(drive(script))
                .subscribe(null, error -> log.error("Demo mode stopped: {}", error.toString()));
        running.set(run);
    }

    /** The demo campaign's page, as a newcomer on this machine opens it. */
    String pageUrl() {
        String port = environment.getProperty("local.server.port", environment.getProperty("server.port", "8080"));
        String address = environment.getProperty("server.address");
        String host = address == null || address.isBlank() || address.equals("0.0.0.0") || address.equals("::")
                ? "localhost" : address;
        return "http://" + host + ":" + port + "/c/" + DemoCast.CAMPAIGN_ID;
    }

    private Mono<Campaign> createCampaign() {
        Campaign campaign = new Campaign(DemoCast.CAMPAIGN_ID, DemoCast.TITLE, DemoCast.STORY, DemoCast.CURRENCY,
                DemoCast.GOAL_MINOR, null, false, null, null, DemoCast.DONATE_URL, true);
        return setup.campaign(campaign)
                .flatMap(saved -> Flux.fromIterable(DemoCast.TEAMS)
                        .concatMap(team -> setup.team(saved.id(), team.id(), team.name()))
                        .thenMany(Flux.fromIterable(DemoCast.FUNDRAISERS)
                                .concatMap(member -> setup.fundraiser(new Fundraiser(saved.id(), member.id(),
                                        member.name(), member.teamId(), member.goalMinor(), member.story(), null,
                                        null))))
                        .thenMany(Flux.fromIterable(DemoCast.MILESTONES)
                                .concatMap(milestone -> viral.milestone(saved.id(), milestone)))
                        .then(viral.pledge(saved.id(), DemoCast.PLEDGE))
                        .then(Mono.defer(() -> {
                            Instant now = wallClock.instant();
                            return viral.match(saved.id(), new Match("night-match", "Banque du Port", 100,
                                    DemoCast.MATCH_CAP_MINOR, now, now.plus(DemoCast.MATCH_LENGTH)));
                        }))
                        .then(Mono.just(saved)));
    }

    private Flux<List<WriteOutcome>> drive(DemoScript script) {
        long start = scheduler.now(TimeUnit.MILLISECONDS);
        return Flux.interval(properties.step(), properties.step(), scheduler)
                .onBackpressureDrop()
                .concatMap(tick -> {
                    List<Map<String, Object>> events = script.step(scheduler.now(TimeUnit.MILLISECONDS) - start);
                    if (events.isEmpty()) {
                        steps.incrementAndGet();
                        return Mono.empty();
                    }
                    List<JsonNode> nodes = events.stream().map(event -> (JsonNode) JSON.valueToTree(event)).toList();
                    return intake.submit(nodes)
                            .doOnNext(this::count)
                            .onErrorResume(error -> {
                                logFailure(error);
                                return Mono.empty();
                            })
                            .doFinally(signal -> steps.incrementAndGet());
                }, 1);
    }

    private void count(List<WriteOutcome> outcomes) {
        for (WriteOutcome outcome : outcomes) {
            if (outcome.status() == WriteOutcome.Status.REJECTED) {
                rejected.incrementAndGet();
                log.debug("Demo event {} rejected: {}", outcome.eventId(), outcome.problem().getMessage());
            }
            else {
                accepted.incrementAndGet();
            }
        }
    }

    /** At most one line a minute: a ledger outage would otherwise log every step. */
    private void logFailure(Throwable error) {
        long now = System.nanoTime();
        long last = lastFailureLog.get();
        if ((last == Long.MIN_VALUE || now - last >= Duration.ofMinutes(1).toNanos())
                && lastFailureLog.compareAndSet(last, now)) {
            log.warn("Demo mode could not submit its events (they are skipped, the demo goes on): {}",
                    error.toString());
        }
    }

    /** Steps done so far (submitted and answered, or empty). */
    long steps() {
        return steps.get();
    }

    long accepted() {
        return accepted.get();
    }

    long rejected() {
        return rejected.get();
    }

    @Override
    public void destroy() {
        running.get().dispose();
    }
}
