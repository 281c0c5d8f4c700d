package org.leaderboard.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The spectator bench's donations: {@code eventsPerSecond} paced in batches every
 * {@code intervalMs}, with exactly one request in flight, so the order in which the service
 * accepts batches is the order of the campaign's {@code donationCount}. For every batch it logs
 * when its answer arrived and the donation count once it is in ({@link Log}); spectators match the
 * {@code donationCount} of each frame against that log to know which batches a frame shows.
 *
 * <p>Pacing keeps the rate, not the batch size: each tick posts the events due by then (at most
 * 1,000), so a slow answer makes the next batch bigger instead of the run shorter. A failed request
 * is retried with the same event ids (the service answers {@code duplicate} for those it had
 * committed), so the cumulative count stays exact.
 */
final class SpectatorIngest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BATCH = 1000;
    private static final Duration RETRY_PAUSE = Duration.ofMillis(100);

    /**
     * Batches in acceptance order, written by the ingest thread only and published through the
     * volatile {@code size}: entries below it are final.
     */
    static final class Log {
        final long[] acceptedAtNanos;
        /** The campaign's donationCount once this batch is committed. */
        final long[] cumulative;
        volatile int size;
        /** Index of the first batch of the measured phase; MAX_VALUE during the warm-up. */
        volatile int firstMeasured = Integer.MAX_VALUE;
        /** Batches at or past this index are after the measured phase (not counted either). */
        volatile int endMeasured = Integer.MAX_VALUE;
        /** A copy in a file another process maps (the native client), or null; see {@link #mirrorTo}. */
        private MappedByteBuffer mirror;

        Log(int capacity) {
            acceptedAtNanos = new long[capacity];
            cumulative = new long[capacity];
        }

        boolean measured(int batch) {
            return batch >= firstMeasured && batch < endMeasured;
        }

        /**
         * From now on also writes the log to {@code file}, for the native client
         * (load-tests/native/spectators.c): four longs in native byte order (size, firstMeasured,
         * endMeasured, capacity), padded to 64 bytes, then capacity cumulative counts, then
         * capacity acceptance times (System.nanoTime(): CLOCK_MONOTONIC on Linux). Entries are
         * written before {@code size} is released, so a reader that acquires size sees them whole.
         * Call before the ingest starts.
         */
        void mirrorTo(Path file) throws IOException {
            int capacity = cumulative.length;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                mirror = ch.map(FileChannel.MapMode.READ_WRITE, 0, HEADER_BYTES + 16L * capacity);
            }
            LONGS.setRelease(mirror, 8, (long) firstMeasured);
            LONGS.setRelease(mirror, 16, (long) endMeasured);
            LONGS.setRelease(mirror, 24, (long) capacity);
            LONGS.setRelease(mirror, 0, (long) size);
        }

        void append(long acceptedAt, long count) {
            int i = size;
            acceptedAtNanos[i] = acceptedAt;
            cumulative[i] = count;
            if (mirror != null) {
                LONGS.set(mirror, HEADER_BYTES + 8 * i, count);
                LONGS.set(mirror, HEADER_BYTES + 8 * (cumulative.length + i), acceptedAt);
                LONGS.setRelease(mirror, 0, (long) (i + 1));
            }
            size = i + 1;
        }

        void markFirstMeasured() {
            firstMeasured = size;
            if (mirror != null) LONGS.setRelease(mirror, 8, (long) firstMeasured);
        }

        void markEndMeasured() {
            endMeasured = size;
            if (mirror != null) LONGS.setRelease(mirror, 16, (long) endMeasured);
        }

        private static final int HEADER_BYTES = 64;
        private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    }

    private final HttpClient http = IngestSimulation.httpClient();
    private final URI batchUri;
    private final String token;
    private final String campaignId;
    private final String eventPrefix;
    private final int fundraisers;
    private final double eventsPerSecond;
    private final long intervalNanos;
    final Log log;
    final SpectatorHistogram requestLatency = new SpectatorHistogram();

    // Written by the ingest thread; read after join().
    private long startCount;
    /** The campaign's donationCount once the last batch is in. */
    long committed;
    long committedSum;
    long rejected;
    long retries;
    long measuredEvents;
    long measuredStartNanos;
    long measuredEndNanos;
    long nextEvent;
    String firstProblem;

    SpectatorIngest(String baseUrl, String token, String campaignId, String runId, int fundraisers,
            double eventsPerSecond, int intervalMs, int seconds) {
        this.batchUri = URI.create(baseUrl + "/api/events/batch");
        this.token = token;
        this.campaignId = campaignId;
        this.eventPrefix = runId + "-";
        this.fundraisers = fundraisers;
        this.eventsPerSecond = eventsPerSecond;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        // One batch per tick, plus room for retries that fall behind and catch up.
        this.log = new Log((int) (seconds * 1000L / intervalMs) + 1000);
    }

    /**
     * Posts donations from now for {@code warmupNanos + measuredNanos}; blocks until done.
     *
     * @param startCount the campaign's donationCount before the first batch
     */
    void run(long startCount, long warmupNanos, long measuredNanos) throws InterruptedException {
        this.startCount = startCount;
        committed = startCount;
        long start = System.nanoTime();
        long measureFrom = start + warmupNanos;
        long end = measureFrom + measuredNanos;
        long sent = 0;
        for (long tick = 1; ; tick++) {
            long now = System.nanoTime();
            if (now >= end) break;
            if (log.firstMeasured == Integer.MAX_VALUE && now >= measureFrom) {
                log.markFirstMeasured();
                measuredStartNanos = now;
            }
            long due = (long) Math.floor(eventsPerSecond * (now - start) / 1e9) - sent;
            int n = (int) Math.min(MAX_BATCH, due);
            if (n > 0) {
                if (log.size == log.cumulative.length) {
                    problem("batch log full, stopping the ingest early");
                    break;
                }
                post(nextEvent, n, end);
                nextEvent += n;
                sent += n;
                if (log.firstMeasured != Integer.MAX_VALUE) measuredEvents += n;
            }
            long wake = start + tick * intervalNanos;
            long sleep = wake - System.nanoTime();
            if (sleep > 0) LockSupport.parkNanos(sleep);
            if (Thread.interrupted()) throw new InterruptedException();
        }
        measuredEndNanos = System.nanoTime();
        log.markEndMeasured();
    }

    /** One batch, retried with the same ids until answered (or the phase is over). */
    private void post(long first, int n, long end) throws InterruptedException {
        String body = batch(first, n);
        HttpRequest req = HttpRequest.newBuilder(batchUri)
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        while (true) {
            long sentAt = System.nanoTime();
            String failure;
            try {
                HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
                long answeredAt = System.nanoTime();
                requestLatency.record(answeredAt - sentAt);
                if (res.statusCode() == 200) {
                    record(res.body(), answeredAt);
                    return;
                }
                failure = "POST /api/events/batch answered " + res.statusCode() + ": " + res.body();
            } catch (java.io.IOException e) {
                failure = "POST /api/events/batch failed: " + e;
            }
            problem(failure);
            retries++;
            if (System.nanoTime() + RETRY_PAUSE.toNanos() > end + TimeUnit.SECONDS.toNanos(10)) {
                throw new IllegalStateException("ingest: giving up on a batch, its events may or may not be committed: "
                        + failure);
            }
            Thread.sleep(RETRY_PAUSE.toMillis());
        }
    }

    private void record(String answer, long answeredAt) {
        try {
            for (JsonNode r : JSON.readTree(answer).path("results")) {
                String status = r.path("status").asText();
                if (status.equals("accepted") || status.equals("duplicate")) {
                    // duplicate = committed by an earlier attempt of this same batch (ids are per run)
                    committed++;
                    committedSum += IngestSimulation.amountOf(seqOf(r.path("eventId").asText()));
                } else {
                    rejected++;
                    problem(r.toString());
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("ingest: unreadable batch answer: " + answer, e);
        }
        log.append(answeredAt, committed);
    }

    private long seqOf(String eventId) {
        if (!eventId.startsWith(eventPrefix)) throw new IllegalStateException("foreign eventId " + eventId);
        return Long.parseLong(eventId.substring(eventPrefix.length()));
    }

    private String batch(long first, int n) {
        StringBuilder sb = new StringBuilder(n * 200).append('[');
        for (long e = first; e < first + n; e++) {
            if (e > first) sb.append(',');
            sb.append("{\"type\":\"donation\",\"eventId\":\"").append(eventPrefix).append(e)
                    .append("\",\"campaignId\":\"").append(campaignId)
                    .append("\",\"fundraiserId\":\"f-").append(e % fundraisers)
                    .append("\",\"amountMinor\":").append(IngestSimulation.amountOf(e))
                    .append(",\"currency\":\"").append(IngestSimulation.CURRENCY)
                    .append("\",\"donorName\":\"Spectator bench\",\"message\":\"Go go go! #").append(e)
                    .append("\"}");
        }
        return sb.append(']').toString();
    }

    private void problem(String p) {
        if (firstProblem == null) firstProblem = p;
    }

    String summary() {
        double secs = (measuredEndNanos - measuredStartNanos) / 1e9;
        int batches = log.endMeasured == Integer.MAX_VALUE || log.firstMeasured == Integer.MAX_VALUE
                ? 0 : log.endMeasured - log.firstMeasured;
        return String.format(Locale.ROOT,
                "ingest: measured %.1f s, %d batches, %d events sent -> %.0f events/s (target %s);"
                        + " whole run committed=%d rejected=%d retries=%d%n"
                        + "        batch request latency (whole run): %s%s",
                secs, batches, measuredEvents, secs > 0 ? measuredEvents / secs : 0.0,
                IngestSimulation.num(eventsPerSecond), committed - startCount, rejected, retries, requestLatency.summary(),
                firstProblem == null ? "" : "\n        first problem: " + firstProblem);
    }
}
