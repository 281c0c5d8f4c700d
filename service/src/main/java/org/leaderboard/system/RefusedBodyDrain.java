package org.leaderboard.system;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.reactivestreams.Publisher;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reads, and drops, the body of a request that was answered without reading it (no or wrong
 * token, body too large by its declared length, wrong media type, over a rate limit, unknown
 * route...), up to {@link EdgeProperties#refusedBodyDrain()}, before the connection closes.
 * <p>
 * Closing a connection while the client is still sending makes the kernel answer its next bytes
 * with a reset, and a client that is still writing then fails on the write or loses the answer
 * it has not read yet: an integration posting a large batch with an expired token would see
 * "connection reset" instead of the 401 telling it why, and retry. Reading the rest first lets the answer
 * arrive (nginx and Apache do the same, as a "lingering close"). The body's own deadlines still
 * hold ({@code leaderboard.edge.body-timeout}, {@code body-read-timeout}), so a stalled body is
 * cut off as ever; a body declared longer than the drain limit is not read at all.
 */
@Component
@Order(-200)
class RefusedBodyDrain implements WebFilter {

    private final long limit;

    RefusedBodyDrain(EdgeProperties properties) {
        this.limit = properties.refusedBodyDrain().toBytes();
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        HttpHeaders headers = exchange.getRequest().getHeaders();
        long declared = headers.getContentLength();
        boolean chunked = headers.containsHeader(HttpHeaders.TRANSFER_ENCODING);
        // A client waiting for "100 Continue" sends no body until told to: there is nothing to drain.
        if ((declared <= 0 && !chunked) || declared > limit || headers.containsHeader(HttpHeaders.EXPECT)) {
            return chain.filter(exchange);
        }
        Tracked request = new Tracked(exchange.getRequest(), limit);
        ServerWebExchange tracked = exchange.mutate()
                .request(request)
                .response(new DrainFirst(exchange.getResponse(), request))
                .build();
        // A refusal thrown reaches the exception handler, which answers on the original response.
        return chain.filter(tracked)
                .then(Mono.defer(request::drain))
                .onErrorResume(ex -> request.drain().then(Mono.error(ex)));
    }

    /**
     * The response, written only once the request body is read: the connection is closed as soon
     * as an answer marked {@code Connection: close} is written, and a body still arriving then is
     * what gets the client a reset.
     */
    private static final class DrainFirst extends ServerHttpResponseDecorator {

        private final Tracked request;

        DrainFirst(ServerHttpResponse delegate, Tracked request) {
            super(delegate);
            this.request = request;
        }

        @Override
        public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
            return request.drain().then(Mono.defer(() -> super.writeWith(body)));
        }

        @Override
        public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
            return request.drain().then(Mono.defer(() -> super.writeAndFlushWith(body)));
        }

        @Override
        public Mono<Void> setComplete() {
            return request.drain().then(Mono.defer(super::setComplete));
        }
    }

    /** The request, noting whether anything downstream subscribed to its body. */
    private static final class Tracked extends ServerHttpRequestDecorator {

        private final AtomicBoolean read = new AtomicBoolean();
        private final long limit;

        Tracked(ServerHttpRequest delegate, long limit) {
            super(delegate);
            this.limit = limit;
        }

        @Override
        public Flux<DataBuffer> getBody() {
            return Flux.defer(() -> {
                read.set(true);
                return super.getBody();
            });
        }

        /** Reads and releases the body nobody read, up to {@code limit} bytes; never fails. */
        Mono<Void> drain() {
            if (!read.compareAndSet(false, true)) {
                return Mono.empty();
            }
            AtomicLong seen = new AtomicLong();
            // Released here and never passed on: what reaches then() would be discarded, and
            // released again, by a discard hook of the response's writer in the context.
            return super.getBody()
                    .<DataBuffer>handle((buffer, sink) -> {
                        long total = seen.addAndGet(buffer.readableByteCount());
                        DataBufferUtils.release(buffer);
                        if (total > limit) {
                            sink.error(new IllegalStateException("refused body longer than the drain limit"));
                        }
                    })
                    .then()
                    .onErrorComplete();
        }
    }
}
