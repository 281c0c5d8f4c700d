package org.leaderboard.web;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the built pages are and how browsers may keep them.
 *
 * @param location the frontend build (index.html, not-found.html, assets/), packed into the jar by the
 *        Maven build; a {@code file:} location serves a build from disk while working on the pages
 * @param assetMaxAge how long browsers and proxies keep a content-hashed asset: its name changes when it does
 */
@ConfigurationProperties("leaderboard.web")
record WebProperties(
        @DefaultValue("classpath:/frontend/") String location,
        @DefaultValue("365d") Duration assetMaxAge) {
}
