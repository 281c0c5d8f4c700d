package org.leaderboard.leaderboard;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The read API's shared answers, kept beside it; the store forgets a campaign's on every write. */
@Configuration(proxyBeanMethods = false)
class ReadConfiguration {

    @Bean
    SharedReads sharedReads(ReadProperties properties, MeterRegistry registry) {
        return new SharedReads(properties.maxAge(), System::nanoTime, registry);
    }
}
