package org.leaderboard.system;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import reactor.netty.NettyPipeline;

/**
 * The HTTP edge's defences, set on Reactor Netty (see docs/http-edge.md): every phase of a request
 * bounded in time (the head by {@link RequestHeadDeadline}, the body by Reactor Netty's read and
 * request timeouts, a keep-alive wait by its idle timeout), connections per client address capped
 * by {@link ConnectionCap}, and Netty's own error answers shaped as problem+json by
 * {@link NettyErrorProblems}.
 */
@Configuration(proxyBeanMethods = false)
class EdgeServerConfiguration {

    /** One count of open connections per client address for the whole instance (used only when the cap is on). */
    @Bean
    ConnectionCap connectionCap(EdgeProperties properties) {
        return new ConnectionCap(properties.maxConnectionsPerAddress());
    }

    @Bean
    NettyServerCustomizer edgeServerCustomizer(EdgeProperties properties, ConnectionCap connectionCap) {
        ConnectionCap cap = properties.maxConnectionsPerAddress() > 0 ? connectionCap : null;
        NettyErrorProblems problems = new NettyErrorProblems();
        return server -> server.idleTimeout(properties.idleTimeout())
                .readTimeout(properties.bodyReadTimeout())
                .doOnChannelInit((observer, channel, remoteAddress) -> {
                    if (cap != null) {
                        channel.pipeline().addFirst("leaderboard.connectionCap", cap);
                    }
                    if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
                        channel.pipeline().addAfter(NettyPipeline.HttpCodec, NettyErrorProblems.NAME, problems);
                        RequestHeadDeadline.install(channel, NettyPipeline.HttpCodec, properties.headerTimeout(),
                                properties.bodyTimeout());
                    }
                });
    }
}
