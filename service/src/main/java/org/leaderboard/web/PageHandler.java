package org.leaderboard.web;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import org.leaderboard.campaign.CampaignDirectory;
import org.leaderboard.system.ApiProblem;
import org.leaderboard.system.Ids;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Mono;

/**
 * Serves the pages of API.md: the app shell for a page route of a campaign that exists, the
 * not-found page (HTML, status 404) for one that does not, and the hashed assets. HTML is never
 * cached, so a new build reaches every browser at once; assets are kept for a year, since their
 * names change with their content. Every page carries a Content-Security-Policy without inline
 * script, so even a donor name that slipped through as markup could run nothing.
 */
@Component
class PageHandler {

    /**
     * Scripts and styles from this origin only, no inline script, no plugin, no framing by other sites;
     * connections to this origin (the API, the SSE stream) and its WebSocket twin, named as well since
     * older browsers do not count {@code ws:} as {@code 'self'}. Inline style attributes are not allowed
     * either; the pages set styles through the DOM, which CSP permits.
     */
    static String contentSecurityPolicy(URI page) {
        String authority = page.getRawAuthority();
        String webSocket = "https".equals(page.getScheme()) ? "wss://" + authority : "ws://" + authority;
        return String.join("; ", List.of("default-src 'self'", "script-src 'self'", "style-src 'self'",
                "img-src 'self' data:", "connect-src 'self' " + webSocket, "font-src 'self'", "object-src 'none'",
                "base-uri 'none'", "form-action 'self'", "frame-ancestors 'self'"));
    }

    private static final Pattern ASSET_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,200}");

    private final PageAssets assets;
    private final CampaignDirectory directory;
    private final CacheControl assetCache;

    PageHandler(PageAssets assets, CampaignDirectory directory, WebProperties properties) {
        this.assets = assets;
        this.directory = directory;
        this.assetCache = CacheControl.maxAge(properties.assetMaxAge()).cachePublic().immutable();
    }

    /** Pages that need no campaign: the home page and the organizer console. */
    Mono<ServerResponse> shell(ServerRequest request) {
        return html(request, HttpStatus.OK, "index.html");
    }

    /** {@code /c/{c}}, {@code /c/{c}/screen}, {@code /c/{c}/join}: the shell, or the not-found page. */
    Mono<ServerResponse> campaignPage(ServerRequest request) {
        String campaignId = request.pathVariable("campaignId");
        if (!Ids.isResourceId(campaignId)) {
            return notFound(request);
        }
        return directory.campaign(campaignId)
                .flatMap(campaign -> html(request, HttpStatus.OK, "index.html"))
                .switchIfEmpty(Mono.defer(() -> notFound(request)));
    }

    /** {@code /c/{c}/f/{f}}: the shell when the fundraiser exists in that campaign. */
    Mono<ServerResponse> fundraiserPage(ServerRequest request) {
        String campaignId = request.pathVariable("campaignId");
        String fundraiserId = request.pathVariable("fundraiserId");
        if (!Ids.isResourceId(campaignId) || !Ids.isResourceId(fundraiserId)) {
            return notFound(request);
        }
        return directory.fundraiser(campaignId, fundraiserId)
                .flatMap(fundraiser -> html(request, HttpStatus.OK, "index.html"))
                .switchIfEmpty(Mono.defer(() -> notFound(request)));
    }

    Mono<ServerResponse> asset(ServerRequest request) {
        String name = request.pathVariable("file");
        if (!ASSET_NAME.matcher(name).matches()) {
            return Mono.error(ApiProblem.notFound("No asset '" + name + "'"));
        }
        return assets.get("assets/" + name)
                .map(asset -> body(request, ServerResponse.ok().cacheControl(assetCache), asset))
                .orElseGet(() -> Mono.error(ApiProblem.notFound("No asset '" + name + "'")));
    }

    private Mono<ServerResponse> notFound(ServerRequest request) {
        return html(request, HttpStatus.NOT_FOUND, "not-found.html");
    }

    private Mono<ServerResponse> html(ServerRequest request, HttpStatus status, String page) {
        return assets.get(page)
                .map(asset -> body(request, ServerResponse.status(status)
                        .cacheControl(CacheControl.noStore())
                        .header("Content-Security-Policy", contentSecurityPolicy(request.uri()))
                        .header("X-Content-Type-Options", "nosniff")
                        .header("Referrer-Policy", "strict-origin-when-cross-origin"), asset))
                .orElseGet(() -> Mono.error(ApiProblem.unavailable(
                        "The pages are not built into this service; build it with ./mvnw package",
                        Duration.ofMinutes(1).toSeconds())));
    }

    private static Mono<ServerResponse> body(ServerRequest request, ServerResponse.BodyBuilder builder,
            PageAssets.Asset asset) {
        builder.contentType(asset.type()).header(HttpHeaders.VARY, HttpHeaders.ACCEPT_ENCODING);
        if (asset.gzipped() != null && acceptsGzip(request)) {
            return builder.header(HttpHeaders.CONTENT_ENCODING, "gzip").bodyValue(asset.gzipped());
        }
        return builder.bodyValue(asset.bytes());
    }

    /** Whether the client takes gzip: listed in Accept-Encoding (or {@code *}) without {@code q=0}. */
    static boolean acceptsGzip(ServerRequest request) {
        for (String value : request.headers().header(HttpHeaders.ACCEPT_ENCODING)) {
            for (String part : value.split(",")) {
                String[] pieces = part.trim().split(";");
                String coding = pieces[0].trim();
                if (coding.equalsIgnoreCase("gzip") || coding.equals("*")) {
                    boolean refused = pieces.length > 1 && pieces[1].trim().matches("q=0(\\.0*)?");
                    if (!refused) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

}
