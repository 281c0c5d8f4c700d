package org.leaderboard.live;

import java.nio.charset.StandardCharsets;

import org.leaderboard.campaign.CampaignDirectory;
import org.leaderboard.system.ApiProblem;
import org.leaderboard.system.ProblemResponses;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/campaigns/{c}/stream}: the campaign's live stream as Server-Sent Events, the
 * same JSON messages as the WebSocket, one {@code data:} line each, written as bytes encoded once
 * per frame; heartbeats are comment lines.
 */
@Component
class LiveSseHandler {

    private static final byte[] HEARTBEAT = ":\n\n".getBytes(StandardCharsets.US_ASCII);

    private final LiveStreams streams;
    private final CampaignDirectory directory;

    LiveSseHandler(LiveStreams streams, CampaignDirectory directory) {
        this.streams = streams;
        this.directory = directory;
    }

    Mono<ServerResponse> stream(ServerRequest request) {
        String id = request.pathVariable("campaignId");
        String fundraiserId = request.queryParam(FundraiserParameter.NAME).orElse(null);
        return directory.campaign(id)
                .switchIfEmpty(Mono.error(() -> ApiProblem.notFound("Campaign '" + id + "' does not exist")))
                .flatMap(campaign -> FundraiserParameter.check(directory, campaign.id(), fundraiserId)
                        .thenReturn(campaign))
                .flatMap(campaign -> {
                    if (streams.full()) {
                        return Mono.error(ApiProblem.unavailable("This instance holds its maximum of live streams",
                                5));
                    }
                    ClientChannel channel = ClientChannel.of(request.exchange().getRequest());
                    DataBufferFactory buffers = request.exchange().getResponse().bufferFactory();
                    Flux<DataBuffer> events = Flux.defer(() -> {
                        Outbox outbox = streams.join(campaign.id(), fundraiserId, "sse", channel);
                        return outbox.deliveries()
                                .map(delivery -> delivery instanceof Outbox.Message m
                                        ? buffers.wrap(m.frame().sse(m.lastSeq())) : buffers.wrap(HEARTBEAT))
                                .doFinally(signal -> outbox.leave());
                    });
                    return ServerResponse.ok()
                            .contentType(MediaType.TEXT_EVENT_STREAM)
                            .cacheControl(CacheControl.noStore())
                            .header("X-Accel-Buffering", "no")
                            .body(BodyInserters.fromDataBuffers(events));
                })
                .onErrorResume(ApiProblem.class, problem -> ProblemResponses.render(problem, request));
    }
}
