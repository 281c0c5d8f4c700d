package org.leaderboard.web;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.http.MediaType;
import org.springframework.http.MediaTypeFactory;
import org.springframework.stereotype.Component;

/**
 * The built frontend held in memory: a few hundred kilobytes read once at start-up, so serving a page
 * never touches the disk or the jar from an event loop. Each text file comes with the gzip copy the
 * build wrote beside it.
 */
@Component
class PageAssets {

    private static final Logger log = LoggerFactory.getLogger(PageAssets.class);

    /** One file of the build, with its gzip copy when the build wrote one. */
    record Asset(byte[] bytes, byte[] gzipped, MediaType type) {
    }

    private final Map<String, Asset> files = new HashMap<>();

    PageAssets(WebProperties properties) {
        String location = properties.location().endsWith("/") ? properties.location() : properties.location() + "/";
        PathMatchingResourcePatternResolver resolver = new PathMatchingResourcePatternResolver();
        try {
            load(resolver, location, "index.html");
            load(resolver, location, "not-found.html");
            for (Resource resource : assets(resolver, location)) {
                String name = resource.getFilename();
                if (name != null && !name.endsWith(".gz")) {
                    load(resolver, location, "assets/" + name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the pages at " + location, e);
        }
        if (files.containsKey("index.html")) {
            log.info("Serving the pages built into {} ({} files)", location, files.size());
        } else {
            log.warn("No pages at {}: page routes answer 503 until the frontend is built (./mvnw package builds it)",
                    location);
        }
    }

    /** The built assets; none when the frontend was not built (a classpath folder that is absent cannot be listed). */
    private static Resource[] assets(PathMatchingResourcePatternResolver resolver, String location) throws IOException {
        try {
            return resolver.getResources(location + "assets/*");
        } catch (FileNotFoundException e) {
            return new Resource[0];
        }
    }

    private void load(PathMatchingResourcePatternResolver resolver, String location, String path) throws IOException {
        Resource resource = resolver.getResource(location + path);
        if (!resource.exists()) {
            return;
        }
        Resource gz = resolver.getResource(location + path + ".gz");
        MediaType type = MediaTypeFactory.getMediaType(path).orElse(MediaType.APPLICATION_OCTET_STREAM);
        if (type.getType().equals("text") || type.getSubtype().equals("javascript")) {
            type = new MediaType(type, StandardCharsets.UTF_8);
        }
        files.put(path, new Asset(read(resource), gz.exists() ? read(gz) : null, type));
    }

    private static byte[] read(Resource resource) throws IOException {
        try (InputStream in = resource.getInputStream()) {
            return in.readAllBytes();
        }
    }

    Optional<Asset> get(String path) {
        return Optional.ofNullable(files.get(path));
    }
}
