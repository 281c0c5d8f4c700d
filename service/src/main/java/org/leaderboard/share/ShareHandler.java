package org.leaderboard.share;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.leaderboard.campaign.CampaignDirectory;
import org.leaderboard.ingest.EventIntake;
import org.leaderboard.ledger.WriteOutcome;
import org.leaderboard.system.ApiProblem;
import org.leaderboard.system.ClientAddress;
import org.leaderboard.system.JsonFields;
import org.leaderboard.system.ProblemResponses;
import org.leaderboard.system.RateLimiter;
import org.leaderboard.system.RequestBodies;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Mono;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Counts a visitor's share of a fundraiser page and answers the link to share. The share becomes a
 * ledger {@code share} event committed through {@link EventIntake}, the path of every ingested
 * event, so it reaches the totals, pledges and streams like any other; its event id is made of
 * the campaign, fundraiser, channel, UTC day of the service clock and visitor id, so the ledger's
 * unique id counts a visitor's share once per fundraiser, channel and day however often the
 * button is pressed, across instances and retries.
 */
@Component
class ShareHandler {

    static final Set<String> CHANNELS = Set.of("facebook", "x", "linkedin", "whatsapp", "email", "link", "other");
    private static final Pattern VISITOR_ID = Pattern.compile("[A-Za-z0-9_-]{8,64}");
    private static final DataSize MAX_BODY = DataSize.ofKilobytes(4);

    private final CampaignDirectory directory;
    private final EventIntake intake;
    private final RequestBodies bodies;
    private final ClientAddress clients;
    private final RateLimiter limiter;
    private final Clock clock;

    ShareHandler(CampaignDirectory directory, EventIntake intake, RequestBodies bodies, ClientAddress clients,
            ShareProperties properties, Clock clock) {
        this.directory = directory;
        this.intake = intake;
        this.bodies = bodies;
        this.clients = clients;
        this.clock = clock;
        this.limiter = new RateLimiter("shares", properties.burst(), properties.refillEvery(),
                properties.maxClients(), System::nanoTime);
    }

    /** A share as the body names it. */
    private record Share(String channel, String visitorId) {
    }

    Mono<ServerResponse> share(ServerRequest request) {
        String campaignId = request.pathVariable("campaignId");
        String fundraiserId = request.pathVariable("fundraiserId");
        return Mono.fromRunnable(() -> limiter.take(clients.of(request)))
                .then(bodies.read(request, MAX_BODY))
                .map(this::parse)
                .flatMap(share -> {
                    String origin = clients.origin(request);
                    return directory.campaign(campaignId)
                            .switchIfEmpty(Mono.error(() -> ApiProblem.notFound(
                                    "Campaign '" + campaignId + "' does not exist")))
                            .then(directory.fundraiser(campaignId, fundraiserId))
                            .switchIfEmpty(Mono.error(() -> ApiProblem.notFound("Fundraiser '" + fundraiserId
                                    + "' does not exist in campaign '" + campaignId + "'")))
                            .then(intake.submit(List.of(event(campaignId, fundraiserId, share))))
                            .flatMap(outcomes -> respond(outcomes.get(0), origin, campaignId, fundraiserId,
                                    share.channel()));
                })
                .onErrorResume(ApiProblem.class, problem -> ProblemResponses.render(problem, request));
    }

    private Share parse(byte[] bytes) {
        return bodies.parseObject(bytes, ShareHandler::share);
    }

    private static Share share(JsonFields f) {
        f.rejectUnknown(Set.of("channel", "visitorId"), "is not a field of a share");
        String channel = f.string("channel", true);
        if (channel != null && !CHANNELS.contains(channel)) {
            f.error("channel", "must be one of facebook, x, linkedin, whatsapp, email, link, other");
        }
        String visitorId = f.string("visitorId", true);
        if (visitorId != null && !VISITOR_ID.matcher(visitorId).matches()) {
            f.error("visitorId", "must match ^[A-Za-z0-9_-]{8,64}$");
        }
        return new Share(channel, visitorId);
    }

    /**
     * The ledger event. It carries no {@code occurredAt} (the ledger stamps its commit time), so a
     * repeat the same day is the very same event and the ledger answers {@code duplicate}.
     */
    private ObjectNode event(String campaignId, String fundraiserId, Share share) {
        String day = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE);
        ObjectNode event = JsonNodeFactory.instance.objectNode();
        event.put("type", "share");
        event.put("eventId", String.join(":", "share", campaignId, fundraiserId, share.channel(), day,
                share.visitorId()));
        event.put("campaignId", campaignId);
        event.put("fundraiserId", fundraiserId);
        event.put("channel", share.channel());
        event.put("visitorId", share.visitorId());
        return event;
    }

    /**
     * 201 for a share the ledger accepted now, 200 for one it already held. A 409 (the same id with
     * another payload, e.g. written by an older build) still means this share was counted once.
     */
    private static Mono<ServerResponse> respond(WriteOutcome outcome, String origin, String campaignId,
            String fundraiserId, String channel) {
        boolean counted = switch (outcome.status()) {
            case ACCEPTED -> true;
            case DUPLICATE -> false;
            case REJECTED -> {
                if (outcome.problem().status() != HttpStatus.CONFLICT) {
                    throw outcome.problem();
                }
                yield false;
            }
        };
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("counted", counted);
        json.put("shareUrl", origin + "/c/" + campaignId + "/f/" + fundraiserId + "?ref=" + fundraiserId
                + "&utm_source=" + channel);
        json.put("referralCode", fundraiserId);
        return ServerResponse.status(counted ? HttpStatus.CREATED : HttpStatus.OK)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(json);
    }
}
