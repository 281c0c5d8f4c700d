/*
 * Many WebSocket spectators of one campaign in one small process: the native client of
 * SpectatorBench (load-tests/README.md, "Spectators on live streams", "The native client").
 *
 * It does what SpectatorClients (the Netty client) does, with less of the machine: one epoll loop
 * per thread, each connection a struct, each frame read off the socket into the connection's
 * buffer, its leading "type", "seq" and "totals" found in at most SCAN_BYTES (a compressed frame is
 * inflated that far only, as in the Netty client), never copied further. The bench runs it beside
 * the service on the same two cores, so every cycle it saves is the service's.
 *
 * Lag: SpectatorBench's ingest thread mirrors its batch log into the file given as LOG (header:
 * size, firstMeasured, endMeasured, capacity as int64; then capacity cumulative donationCounts,
 * then capacity acceptance times, System.nanoTime(), which on Linux is CLOCK_MONOTONIC, the clock
 * read here). For every frame a connection receives, each batch its donationCount shows for the
 * first time is timed from the batch's acceptance to the read() that brought the frame, exactly as
 * in SpectatorClients.Spectator#observe.
 *
 * Usage: spectators HOST PORT PATH ORIGIN|- DEFLATE(0|1) THREADS LOG [PAUSE_MICROS]
 * (PAUSE_MICROS, default 0: how long an idle loop sleeps instead of blocking in epoll_wait; when
 * above 0 the loops also run under SCHED_BATCH; see worker_loop)
 * then commands on stdin, one per line, each answered on stdout:
 *   connect N RATE MAXPENDING -> ok          (connects in the background)
 *   status                    -> status started open everOpen failed closedAfterSnapshot frames
 *   probe                     -> probe NS    (the longest round of a loop since the last probe)
 *   worst                     -> worst NS    (the longest round inside the measured window)
 *   measure FROM TO           -> ok          (frames read in [FROM, TO) count for frames/s)
 *   collect COUNT RAISED      -> collect ..., hist lines, end
 *   reasons                   -> reason COUNT TEXT lines, end
 *   close                     -> closed      (close frames sent, then the process exits)
 * Build: cc -O2 -pthread -o spectators spectators.c -lz
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_FRAME_BYTES (1 << 20)
#define SCAN_BYTES 2048
#define HEAD_BYTES 512
#define HEAD_CACHE 4 /* heads of compressed messages a loop remembers */
#define HEAD_CACHE_MAX_BYTES 8192
#ifndef RBUF_BYTES /* a loop's read buffer; a small one (cc -DRBUF_BYTES=1000) splits every frame */
#define RBUF_BYTES 65536
#endif
#define BUCKET_NANOS 100000LL
#define BUCKETS 300000 /* 30 s, as SpectatorHistogram */
#define INT_MAX_VALUE 2147483647LL

enum state { CONNECTING, HANDSHAKE, OPEN, CLOSED };

struct hist {
    uint64_t *counts; /* BUCKETS + 1 */
    uint64_t total;
    int64_t max_nanos;
};

struct stats {
    uint64_t frames, measured_frames, measured_bytes, compressed, snapshots, resyncs, seq_gaps,
        count_regressions, unparsable, early, pings, heads_reused;
    struct hist lag, to_snapshot;
};

struct conn {
    int fd;
    enum state state;
    struct worker *w;
    uint8_t *buf;
    size_t len, cap;
    int64_t connect_start;
    int settled, snapshot_seen, inflate_fresh, close_sent;
    int64_t last_seq, covered, last_count, last_raised;
    int64_t next_batch;
    int live_index; /* in w->live once the snapshot arrived, else -1 */
    struct conn *next_all, *prev_all; /* every connection the worker has seen */
    struct conn *next_dead;
};

/* What a frame's head says: the fields the bench checks and times. */
struct head {
    int ok, snapshot;
    int64_t seq, count, raised;
};

struct cached_head {
    uint8_t *bytes; /* HEAD_CACHE_MAX_BYTES, the compressed payload's first n */
    size_t n;
    struct head head;
};

struct worker {
    pthread_t thread;
    int ep;
    pthread_mutex_t mu; /* held while the loop handles a round of events; collect takes it */
    z_stream z;
    uint8_t scratch[SCAN_BYTES];
    struct cached_head heads[HEAD_CACHE];
    int heads_next;
    struct conn **live;
    int nlive, caplive;
    struct conn *all, *dead;
    struct stats st;
    uint8_t rbuf[RBUF_BYTES];
    uint64_t rnd;
    int close_done;
};

/* The configuration and what every thread shares. */
static struct sockaddr_storage addr;
static socklen_t addr_len;
static char request[2048];
static size_t request_len;
static int deflate_offered;
static int nthreads;
static long pause_micros; /* 0: loops block in epoll_wait */
static struct worker *workers;
static volatile int64_t *log_header; /* size, firstMeasured, endMeasured, capacity */
static const int64_t *log_cumulative, *log_accepted;

static _Atomic int64_t measure_from = INT64_MAX, measure_to = INT64_MAX;
static atomic_int closing, stopping;
static atomic_int started, open_now, ever_open, failed, closed_after_snapshot, pending;
static atomic_ullong frames_so_far;
static _Atomic int64_t worst_round, worst_round_measured;

static pthread_mutex_t reasons_mu = PTHREAD_MUTEX_INITIALIZER;
#define MAX_REASONS 64
static struct { char text[200]; uint64_t count; } reasons[MAX_REASONS];
static int nreasons;

static int64_t now_nanos(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void reason(const char *fmt, ...) {
    char text[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&reasons_mu);
    int i;
    for (i = 0; i < nreasons && strcmp(reasons[i].text, text) != 0; i++) {}
    if (i == nreasons && nreasons < MAX_REASONS) {
        snprintf(reasons[nreasons].text, sizeof reasons[nreasons].text, "%s", text);
        nreasons++;
    }
    if (i < nreasons) reasons[i].count++;
    pthread_mutex_unlock(&reasons_mu);
}

static void hist_init(struct hist *h) {
    h->counts = calloc(BUCKETS + 1, sizeof(uint64_t));
    if (!h->counts) { perror("calloc"); exit(2); }
}

static void hist_record(struct hist *h, int64_t nanos) {
    int64_t v = nanos < 0 ? 0 : nanos;
    int64_t i = v / BUCKET_NANOS;
    h->counts[i > BUCKETS ? BUCKETS : i]++;
    h->total++;
    if (v > h->max_nanos) h->max_nanos = v;
}

static void hist_add(struct hist *into, const struct hist *h) {
    for (int i = 0; i <= BUCKETS; i++) into->counts[i] += h->counts[i];
    into->total += h->total;
    if (h->max_nanos > into->max_nanos) into->max_nanos = h->max_nanos;
}

static void hist_print(const char *name, const struct hist *h) {
    printf("hist %s %llu %lld", name, (unsigned long long) h->total, (long long) h->max_nanos);
    for (int i = 0; i <= BUCKETS; i++) {
        if (h->counts[i]) printf(" %d:%llu", i, (unsigned long long) h->counts[i]);
    }
    putchar('\n');
}

static int64_t log_get(int i) { return __atomic_load_n(&log_header[i], __ATOMIC_ACQUIRE); }

static int measured_batch(int64_t b) { return b >= log_get(1) && b < log_get(2); }

/* ---- the frame head, as SpectatorClients.find/number/onFrameHead ---- */

static int find(const uint8_t *b, int len, int from, const char *key) {
    int klen = (int) strlen(key);
    for (int i = from; i <= len - klen - 2; i++) {
        if (b[i] != '"' || memcmp(b + i + 1, key, klen) != 0 || b[i + 1 + klen] != '"') continue;
        int j = i + klen + 2;
        while (j < len && b[j] == ' ') j++;
        if (j >= len || b[j] != ':') continue;
        j++;
        while (j < len && b[j] == ' ') j++;
        return j;
    }
    return -1;
}

static int64_t number(const uint8_t *b, int len, int at) {
    if (at < 0) return -1;
    int64_t v = 0;
    int i = at;
    while (i < len && b[i] >= '0' && b[i] <= '9') v = v * 10 + (b[i++] - '0');
    return i == at || i == len ? -1 : v;
}

static int head_complete(const uint8_t *b, int len) {
    int totals = find(b, len, 0, "totals");
    if (totals < 0) return 0;
    return number(b, len, find(b, len, totals, "donationCount")) >= 0
        && number(b, len, find(b, len, totals, "raisedMinor")) >= 0;
}

static void settle(struct conn *c) {
    if (!c->settled) {
        c->settled = 1;
        atomic_fetch_sub(&pending, 1);
    }
}

static void fail(struct conn *c, const char *fmt, ...) {
    if (c->settled) return;
    char text[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    atomic_fetch_add(&failed, 1);
    reason("%s", text);
    settle(c);
}

static void live_add(struct worker *w, struct conn *c) {
    if (w->nlive == w->caplive) {
        w->caplive = w->caplive ? w->caplive * 2 : 1024;
        w->live = realloc(w->live, w->caplive * sizeof *w->live);
        if (!w->live) { perror("realloc"); exit(2); }
    }
    c->live_index = w->nlive;
    w->live[w->nlive++] = c;
}

static void live_remove(struct worker *w, struct conn *c) {
    int i = c->live_index;
    if (i < 0) return;
    w->live[i] = w->live[--w->nlive];
    w->live[i]->live_index = i;
    c->live_index = -1;
}

static void observe(struct conn *c, int64_t count, int64_t now) {
    struct stats *st = &c->w->st;
    int64_t size = log_get(0);
    while (c->next_batch < size && log_cumulative[c->next_batch] <= count) {
        if (measured_batch(c->next_batch)) {
            int64_t at = log_accepted[c->next_batch];
            if (log_cumulative[c->next_batch] <= c->covered || now < at) {
                st->early++; /* shown by a frame before the ingest thread had logged its answer */
                hist_record(&st->lag, 0);
            } else {
                hist_record(&st->lag, now - at);
            }
        }
        c->next_batch++;
    }
    if (count > c->covered) c->covered = count;
}

static struct head parse_head(const uint8_t *b, int len) {
    struct head h = {0};
    int t = find(b, len, 0, "type");
    int s = t < 0 ? -1 : find(b, len, t, "seq");
    int totals = s < 0 ? -1 : find(b, len, s, "totals");
    int dc = totals < 0 ? -1 : find(b, len, totals, "donationCount");
    int rm = totals < 0 ? -1 : find(b, len, totals, "raisedMinor");
    if (dc < 0 || rm < 0 || t + 1 >= len || b[t] != '"') return h;
    h.snapshot = b[t + 1] == 's';
    h.seq = number(b, len, s);
    h.count = number(b, len, dc);
    h.raised = number(b, len, rm);
    h.ok = h.seq >= 0 && h.count >= 0 && h.raised >= 0;
    return h;
}

static void on_frame_head(struct conn *c, const struct head *h, int64_t now) {
    struct stats *st = &c->w->st;
    if (!h->ok) {
        st->unparsable++;
        return;
    }
    int snapshot = h->snapshot;
    int64_t seq = h->seq, count = h->count, raised = h->raised;
    if (snapshot) {
        st->snapshots++;
        if (c->snapshot_seen) st->resyncs++;
    } else if (c->last_seq >= 0 && seq != c->last_seq + 1) {
        st->seq_gaps++;
    }
    c->last_seq = seq;
    if (count < c->last_count) st->count_regressions++;
    c->last_count = count;
    c->last_raised = raised;
    if (!c->snapshot_seen) {
        c->snapshot_seen = 1;
        hist_record(&st->to_snapshot, now - c->connect_start);
        live_add(c->w, c);
        atomic_fetch_add(&open_now, 1);
        atomic_fetch_add(&ever_open, 1);
        settle(c);
        /* Batches the first frame already shows were accepted before this client was there. */
        int64_t size = log_get(0);
        while (c->next_batch < size && log_cumulative[c->next_batch] <= count) c->next_batch++;
        c->covered = count;
    }
    observe(c, count, now);
}

static void count_frame(struct conn *c, size_t bytes, int64_t now) {
    struct stats *st = &c->w->st;
    st->frames++;
    atomic_fetch_add_explicit(&frames_so_far, 1, memory_order_relaxed);
    if (now >= atomic_load_explicit(&measure_from, memory_order_relaxed)
            && now < atomic_load_explicit(&measure_to, memory_order_relaxed)) {
        st->measured_frames++;
        st->measured_bytes += bytes;
    }
}

/*
 * A permessage-deflate message: inflated only as far as the scratch array holds. The service
 * compresses each frame once for all its clients, without context takeover, so every client
 * of the same frame gets the same bytes, and the same bytes inflate to the same text (a fresh
 * inflater each message): a loop keeps the heads of the last few messages it inflated with
 * their compressed bytes, and a message equal byte for byte to one of them takes its head
 * instead of being inflated again (memcmp of the whole payload: equal bytes, equal head).
 */
static void on_compressed(struct conn *c, uint8_t *p, size_t n, int64_t now) {
    static uint8_t tail[4] = {0, 0, 0xff, 0xff}; /* RFC 7692 7.2.2: the sender drops it */
    struct worker *w = c->w;
    count_frame(c, n, now);
    w->st.compressed++;
    if (!c->inflate_fresh) {
        w->st.unparsable++; /* compressed without having agreed to it */
        return;
    }
    for (int i = 0; i < HEAD_CACHE; i++) {
        struct cached_head *e = &w->heads[(w->heads_next - 1 - i + HEAD_CACHE) % HEAD_CACHE];
        if (e->bytes && e->n == n && memcmp(e->bytes, p, n) == 0) {
            w->st.heads_reused++;
            on_frame_head(c, &e->head, now);
            return;
        }
    }
    z_stream *z = &w->z;
    inflateReset(z);
    z->next_in = p;
    z->avail_in = (uInt) n;
    int len = 0, want = HEAD_BYTES, tail_given = 0;
    for (;;) {
        if (len >= want) {
            if (want == SCAN_BYTES || head_complete(w->scratch, len)) break;
            want = SCAN_BYTES;
        }
        z->next_out = w->scratch + len;
        z->avail_out = (uInt) (want - len);
        int ret = inflate(z, Z_SYNC_FLUSH);
        int got = (want - len) - (int) z->avail_out;
        len += got;
        if (ret == Z_STREAM_END) break;
        if (ret != Z_OK && ret != Z_BUF_ERROR) {
            w->st.unparsable++;
            return;
        }
        if (got == 0) {
            if (z->avail_in == 0 && !tail_given) {
                z->next_in = tail;
                z->avail_in = sizeof tail;
                tail_given = 1;
            } else {
                break;
            }
        }
    }
    struct head h = parse_head(w->scratch, len);
    if (n <= HEAD_CACHE_MAX_BYTES) {
        struct cached_head *e = &w->heads[w->heads_next];
        w->heads_next = (w->heads_next + 1) % HEAD_CACHE;
        if (!e->bytes) e->bytes = malloc(HEAD_CACHE_MAX_BYTES);
        if (e->bytes) {
            memcpy(e->bytes, p, n);
            e->n = n;
            e->head = h;
        }
    }
    on_frame_head(c, &h, now);
}

static void send_masked(struct conn *c, int opcode, const uint8_t *payload, size_t n) {
    uint8_t out[2 + 4 + 125];
    if (n > 125) return;
    struct worker *w = c->w;
    w->rnd ^= w->rnd << 13; w->rnd ^= w->rnd >> 7; w->rnd ^= w->rnd << 17;
    uint32_t key = (uint32_t) w->rnd;
    out[0] = (uint8_t) (0x80 | opcode);
    out[1] = (uint8_t) (0x80 | n);
    memcpy(out + 2, &key, 4);
    for (size_t i = 0; i < n; i++) out[6 + i] = payload[i] ^ out[2 + (i & 3)];
    /* A pong or close is a few bytes; a socket whose send buffer is full only loses that. */
    if (write(c->fd, out, 6 + n) < 0 && errno != EAGAIN) {}
}

static void conn_close(struct conn *c) {
    if (c->state == CLOSED) return;
    struct worker *w = c->w;
    if (c->snapshot_seen) {
        live_remove(w, c);
        atomic_fetch_sub(&open_now, 1);
        if (!atomic_load(&closing)) {
            atomic_fetch_add(&closed_after_snapshot, 1);
            reason("connection closed after the snapshot");
        }
    } else {
        fail(c, "closed before the snapshot");
    }
    close(c->fd);
    c->state = CLOSED;
    if (c->prev_all) c->prev_all->next_all = c->next_all; else w->all = c->next_all;
    if (c->next_all) c->next_all->prev_all = c->prev_all;
    c->next_dead = w->dead;
    w->dead = c;
}

/* The length of the frame header at b (n bytes there) and its payload's, or 0 if n is too short. */
static size_t frame_header(const uint8_t *b, size_t n, uint64_t *plen) {
    if (n < 2) return 0;
    *plen = b[1] & 0x7f;
    if (*plen == 126) {
        if (n < 4) return 0;
        *plen = ((uint64_t) b[2] << 8) | b[3];
        return 4;
    }
    if (*plen == 127) {
        if (n < 10) return 0;
        *plen = 0;
        for (int i = 0; i < 8; i++) *plen = (*plen << 8) | b[2 + i];
        return 10;
    }
    return 2;
}

/*
 * The whole frames in buf[0, len): returns the bytes they took, or -1 when the connection was
 * closed (c is then no longer to be touched).
 */
static ssize_t frames_in(struct conn *c, uint8_t *buf, size_t len, int64_t now) {
    size_t off = 0;
    while (len - off >= 2) {
        uint8_t *b = buf + off;
        int fin = b[0] & 0x80, rsv1 = b[0] & 0x40, op = b[0] & 0x0f;
        if (b[1] & 0x80) { /* a server never masks (RFC 6455 5.1) */
            c->w->st.unparsable++;
            reason("masked frame from the service");
            conn_close(c);
            return -1;
        }
        uint64_t plen;
        size_t hdr = frame_header(b, len - off, &plen);
        if (hdr == 0) break;
        if (plen > MAX_FRAME_BYTES) {
            reason("frame of %llu bytes", (unsigned long long) plen);
            conn_close(c);
            return -1;
        }
        if (len - off < hdr + plen) break;
        uint8_t *p = b + hdr;
        if (op == 1 && fin) {
            if (rsv1) {
                on_compressed(c, p, plen, now);
            } else {
                count_frame(c, plen, now);
                struct head h = parse_head(p, plen < SCAN_BYTES ? (int) plen : SCAN_BYTES);
                on_frame_head(c, &h, now);
            }
        } else if (op == 9) {
            c->w->st.pings++;
            send_masked(c, 10, p, plen);
        } else if (op == 10) {
            /* pong: nothing */
        } else if (op == 8) {
            if (!atomic_load(&closing)) {
                int code = plen >= 2 ? (p[0] << 8) | p[1] : 1005;
                reason("closed by the service: %d %.*s", code, plen > 2 ? (int) (plen - 2) : 0, (char *) p + 2);
            }
            conn_close(c);
            return -1;
        } else {
            /* binary, or a fragmented message: the service sends neither */
            count_frame(c, plen, now);
            c->w->st.unparsable++;
        }
        off += hdr + plen;
    }
    return (ssize_t) off;
}

/*
 * Keeps the n bytes at rest (the start of a frame still arriving; rest may lie in c->buf) as the
 * connection's buffer, with room for the whole frame once its header says how long it is.
 */
static void keep(struct conn *c, const uint8_t *rest, size_t n) {
    size_t need = n;
    uint64_t plen;
    size_t hdr = frame_header(rest, n, &plen);
    if (hdr > 0 && plen <= MAX_FRAME_BYTES && hdr + plen > need) need = hdr + plen;
    if (rest >= c->buf && rest < c->buf + c->cap) {
        memmove(c->buf, rest, n);
        rest = c->buf;
    }
    if (need > c->cap) {
        size_t cap = c->cap;
        while (cap < need) cap *= 2;
        int inside = rest == c->buf;
        c->buf = realloc(c->buf, cap);
        if (!c->buf) { perror("realloc"); exit(2); }
        c->cap = cap;
        if (inside) rest = c->buf;
    }
    if (rest != c->buf) memcpy(c->buf, rest, n);
    c->len = n;
}

static void handshake_answer(struct conn *c, int64_t now) {
    uint8_t *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (!end) {
        if (c->len == c->cap) {
            fail(c, "handshake answer too long");
            conn_close(c);
        }
        return;
    }
    size_t head_len = (size_t) (end - c->buf) + 4;
    char *head = strndup((char *) c->buf, head_len);
    int status = 0;
    sscanf(head, "HTTP/1.%*d %d", &status);
    if (status != 101) {
        fail(c, "websocket handshake answered %d", status);
        free(head);
        conn_close(c);
        return;
    }
    for (char *line = strstr(head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, "sec-websocket-extensions:", 25) != 0) continue;
        char *eol = strstr(line + 2, "\r\n");
        char agreed[256];
        snprintf(agreed, sizeof agreed, "%.*s", (int) (eol - (line + 27)), line + 27);
        if (strstr(agreed, "permessage-deflate")) {
            if (!deflate_offered || !strstr(agreed, "server_no_context_takeover")) {
                fail(c, "server agreed to '%s'", agreed);
                free(head);
                conn_close(c);
                return;
            }
            c->inflate_fresh = 1;
        }
    }
    free(head);
    c->state = OPEN;
    ssize_t used = frames_in(c, c->buf + head_len, c->len - head_len, now);
    if (used >= 0) keep(c, c->buf + head_len + used, c->len - head_len - (size_t) used);
}

/*
 * One read. An open connection with nothing left over reads into its loop's buffer, which stays
 * in the cache across connections (with 10,000 connections their own buffers would not), and
 * keeps only the start of a frame still arriving. Connections are edge-triggered: a read that
 * filled the room it was given may have left bytes behind, so it answers 1 and the loop reads
 * again; a shorter one took all there was, and bytes arriving later raise a new event.
 */
static int readable(struct conn *c) {
    struct worker *w = c->w;
    int direct = c->state == OPEN && c->len == 0;
    if (!direct && c->len == c->cap) { /* keep() makes room for a frame whose header it saw */
        c->cap *= 2;
        c->buf = realloc(c->buf, c->cap);
        if (!c->buf) { perror("realloc"); exit(2); }
    }
    uint8_t *into = direct ? w->rbuf : c->buf + c->len;
    size_t room = direct ? sizeof w->rbuf : c->cap - c->len;
    ssize_t n = read(c->fd, into, room);
    int64_t now = now_nanos();
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        if (n < 0 && c->snapshot_seen && !atomic_load(&closing)) reason("error after the snapshot: %s", strerror(errno));
        if (n < 0 && !c->snapshot_seen) fail(c, "read: %s", strerror(errno));
        conn_close(c);
        return 0;
    }
    if (n < 0) return errno == EINTR;
    int more = (size_t) n == room;
    if (direct) {
        ssize_t used = frames_in(c, w->rbuf, (size_t) n, now);
        if (used < 0) return 0;
        if (used < n) keep(c, w->rbuf + used, (size_t) (n - used));
        return more;
    }
    c->len += (size_t) n;
    if (c->state == HANDSHAKE) {
        handshake_answer(c, now);
        return more && c->state != CLOSED;
    }
    ssize_t used = frames_in(c, c->buf, c->len, now);
    if (used < 0) return 0;
    keep(c, c->buf + used, c->len - (size_t) used);
    return more;
}

static void connected(struct conn *c) {
    int err = 0;
    socklen_t l = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
    if (err) {
        fail(c, "connect: %s", strerror(err));
        conn_close(c);
        return;
    }
    if (write(c->fd, request, request_len) != (ssize_t) request_len) {
        fail(c, "handshake request not written at once");
        conn_close(c);
        return;
    }
    c->state = HANDSHAKE;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.ptr = c};
    epoll_ctl(c->w->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void send_closes(struct worker *w) {
    static const uint8_t normal[2] = {0x03, 0xe8}; /* 1000 */
    for (struct conn *c = w->all; c; c = c->next_all) {
        if (c->state == OPEN && !c->close_sent) {
            send_masked(c, 8, normal, 2);
            c->close_sent = 1;
        }
    }
}

static void raise_to(_Atomic int64_t *max, int64_t v) {
    int64_t seen = atomic_load(max);
    while (v > seen && !atomic_compare_exchange_weak(max, &seen, v)) {}
}

static void *worker_loop(void *arg) {
    struct worker *w = arg;
    struct epoll_event evs[512];
    if (pause_micros > 0) {
        /* A load generator that shares the machine with the service: its wakeups must not preempt
           the service's loops (SCHED_BATCH tasks do not preempt on wakeup), and a loop with
           nothing to do sleeps pause_micros rather than blocking in epoll_wait, so that it wakes
           once per pause, not once per arriving frame. A frame then waits up to one pause in its
           socket before it is read and timed: the lag measured is, if anything, higher. */
        struct sched_param sp = {0};
        if (pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp) != 0) reason("SCHED_BATCH refused");
    }
    while (!atomic_load(&stopping)) {
        int n = epoll_wait(w->ep, evs, 512, pause_micros > 0 ? 0 : 100);
        if (n == 0 && pause_micros > 0) {
            struct timespec ts = {pause_micros / 1000000, (pause_micros % 1000000) * 1000L};
            nanosleep(&ts, NULL);
        }
        int64_t t0 = now_nanos();
        pthread_mutex_lock(&w->mu);
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (c->state == CLOSED) continue;
            if (c->state == CONNECTING) {
                if (!c->prev_all && w->all != c) { /* first event: the worker takes it over */
                    c->next_all = w->all;
                    if (w->all) w->all->prev_all = c;
                    w->all = c;
                }
                connected(c);
            } else {
                while (readable(c)) {}
            }
        }
        while (w->dead) {
            struct conn *d = w->dead;
            w->dead = d->next_dead;
            free(d->buf);
            free(d);
        }
        if (atomic_load(&closing) && !w->close_done) {
            send_closes(w);
            w->close_done = 1;
        }
        pthread_mutex_unlock(&w->mu);
        if (n > 0) {
            int64_t t1 = now_nanos(), round = t1 - t0;
            raise_to(&worst_round, round);
            if (t1 >= atomic_load(&measure_from) && t1 < atomic_load(&measure_to)) raise_to(&worst_round_measured, round);
        }
    }
    return NULL;
}

struct connect_job { int n; double rate; int max_pending; };

static void *connector(void *arg) {
    struct connect_job job = *(struct connect_job *) arg;
    free(arg);
    int64_t start = now_nanos();
    for (int i = 0; i < job.n && !atomic_load(&closing); i++) {
        int64_t due = start + (int64_t) (i * 1e9 / job.rate);
        int64_t wait = due - now_nanos();
        if (wait > 0) {
            struct timespec ts = {wait / 1000000000LL, wait % 1000000000LL};
            nanosleep(&ts, NULL);
        }
        while (atomic_load(&pending) >= job.max_pending) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
        atomic_fetch_add(&started, 1);
        atomic_fetch_add(&pending, 1);
        int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            atomic_fetch_add(&failed, 1);
            atomic_fetch_sub(&pending, 1);
            reason("socket: %s", strerror(errno));
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        c->fd = fd;
        c->w = &workers[i % nthreads];
        c->cap = 4096; /* the handshake's answer; grown for a frame that arrives in pieces */
        c->buf = malloc(c->cap);
        c->connect_start = now_nanos();
        c->last_seq = c->covered = c->last_count = c->last_raised = -1;
        c->live_index = -1;
        c->state = CONNECTING;
        if (connect(fd, (struct sockaddr *) &addr, addr_len) < 0 && errno != EINPROGRESS) {
            atomic_fetch_add(&failed, 1);
            atomic_fetch_sub(&pending, 1);
            reason("connect: %s", strerror(errno));
            close(fd);
            free(c->buf);
            free(c);
            continue;
        }
        struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
        epoll_ctl(c->w->ep, EPOLL_CTL_ADD, fd, &ev);
    }
    return NULL;
}

static void collect(int64_t expect_count, int64_t expect_raised) {
    struct stats all = {0};
    hist_init(&all.lag);
    hist_init(&all.to_snapshot);
    uint64_t open_at_end = 0, final_ok = 0, missing = 0;
    int64_t mismatch_count = -1, mismatch_raised = -1;
    int64_t first = log_get(1), end = log_get(2) < log_get(0) ? log_get(2) : log_get(0);
    for (int t = 0; t < nthreads; t++) {
        struct worker *w = &workers[t];
        pthread_mutex_lock(&w->mu);
        /* A batch whose frame came before the ingest thread logged its answer is walked by the
           next frame; after the last batch there is none, so it is walked here (shown early). */
        int64_t now = now_nanos();
        for (int i = 0; i < w->nlive; i++) observe(w->live[i], w->live[i]->covered, now);
        struct stats *s = &w->st;
        all.frames += s->frames;
        all.measured_frames += s->measured_frames;
        all.measured_bytes += s->measured_bytes;
        all.compressed += s->compressed;
        all.snapshots += s->snapshots;
        all.resyncs += s->resyncs;
        all.seq_gaps += s->seq_gaps;
        all.count_regressions += s->count_regressions;
        all.unparsable += s->unparsable;
        all.early += s->early;
        all.pings += s->pings;
        all.heads_reused += s->heads_reused;
        hist_add(&all.lag, &s->lag);
        hist_add(&all.to_snapshot, &s->to_snapshot);
        for (int i = 0; i < w->nlive; i++) {
            struct conn *c = w->live[i];
            open_at_end++;
            if (c->last_count == expect_count && c->last_raised == expect_raised) {
                final_ok++;
            } else if (mismatch_count < 0) {
                mismatch_count = c->last_count;
                mismatch_raised = c->last_raised;
            }
            if (first != INT_MAX_VALUE) {
                int64_t from = first > c->next_batch ? first : c->next_batch;
                if (end > from) missing += (uint64_t) (end - from);
            }
        }
        pthread_mutex_unlock(&w->mu);
    }
    printf("collect frames=%llu measuredFrames=%llu measuredBytes=%llu compressedFrames=%llu snapshots=%llu"
           " resyncs=%llu seqGaps=%llu countRegressions=%llu unparsable=%llu early=%llu pings=%llu"
           " openAtEnd=%llu finalOk=%llu missing=%llu headsReused=%llu",
           (unsigned long long) all.frames, (unsigned long long) all.measured_frames,
           (unsigned long long) all.measured_bytes, (unsigned long long) all.compressed,
           (unsigned long long) all.snapshots, (unsigned long long) all.resyncs, (unsigned long long) all.seq_gaps,
           (unsigned long long) all.count_regressions, (unsigned long long) all.unparsable,
           (unsigned long long) all.early, (unsigned long long) all.pings, (unsigned long long) open_at_end,
           (unsigned long long) final_ok, (unsigned long long) missing, (unsigned long long) all.heads_reused);
    if (open_at_end > final_ok) {
        printf(" mismatchCount=%lld mismatchRaised=%lld", (long long) mismatch_count, (long long) mismatch_raised);
    }
    putchar('\n');
    hist_print("lag", &all.lag);
    hist_print("toSnapshot", &all.to_snapshot);
    printf("end\n");
    free(all.lag.counts);
    free(all.to_snapshot.counts);
}

static void map_log(const char *path) {
    int fd = open(path, O_RDONLY);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) < 0 || sb.st_size < 64) {
        fprintf(stderr, "spectators: cannot read the batch log %s\n", path);
        exit(2);
    }
    void *m = mmap(NULL, (size_t) sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) { perror("mmap"); exit(2); }
    close(fd);
    log_header = (volatile int64_t *) m;
    int64_t capacity = log_header[3];
    if (64 + 16 * capacity > sb.st_size) {
        fprintf(stderr, "spectators: the batch log %s is shorter than its capacity says\n", path);
        exit(2);
    }
    log_cumulative = (const int64_t *) ((char *) m + 64);
    log_accepted = log_cumulative + capacity;
}

int main(int argc, char **argv) {
    if (argc != 8 && argc != 9) {
        fprintf(stderr, "usage: %s HOST PORT PATH ORIGIN|- DEFLATE(0|1) THREADS LOG [PAUSE_MICROS]\n", argv[0]);
        return 2;
    }
    const char *host = argv[1], *port = argv[2], *path = argv[3], *origin = argv[4];
    deflate_offered = atoi(argv[5]);
    nthreads = atoi(argv[6]);
    if (nthreads < 1) nthreads = 1;
    map_log(argv[7]);
    pause_micros = argc == 9 ? atol(argv[8]) : 0;
    if (pause_micros < 0 || pause_micros > 100000) {
        fprintf(stderr, "spectators: PAUSE_MICROS must be 0 to 100000\n");
        return 2;
    }

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0) {
        fprintf(stderr, "spectators: %s:%s: %s\n", host, port, gai_strerror(gai));
        return 2;
    }
    memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    addr_len = ai->ai_addrlen;
    freeaddrinfo(ai);
    /* The key is fixed: the service checks its form, and this client does not check the answer's. */
    request_len = (size_t) snprintf(request, sizeof request,
        "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s%s%s%s\r\n",
        path, host, port,
        strcmp(origin, "-") != 0 ? "Origin: " : "", strcmp(origin, "-") != 0 ? origin : "",
        strcmp(origin, "-") != 0 ? "\r\n" : "",
        deflate_offered
            ? "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n"
            : "");

    workers = calloc((size_t) nthreads, sizeof *workers);
    for (int t = 0; t < nthreads; t++) {
        struct worker *w = &workers[t];
        w->ep = epoll_create1(EPOLL_CLOEXEC);
        pthread_mutex_init(&w->mu, NULL);
        if (inflateInit2(&w->z, -15) != Z_OK) { fprintf(stderr, "spectators: inflateInit2 failed\n"); return 2; }
        hist_init(&w->st.lag);
        hist_init(&w->st.to_snapshot);
        w->rnd = 0x9E3779B97F4A7C15ULL ^ (uint64_t) (t + 1) ^ (uint64_t) now_nanos();
        pthread_create(&w->thread, NULL, worker_loop, w);
    }

    char line[256];
    setvbuf(stdout, NULL, _IOFBF, 1 << 20);
    while (fgets(line, sizeof line, stdin)) {
        long long a = 0, b = 0;
        double rate = 0;
        int n = 0, max_pending = 0;
        if (sscanf(line, "connect %d %lf %d", &n, &rate, &max_pending) == 3) {
            struct connect_job *job = malloc(sizeof *job);
            *job = (struct connect_job) {n, rate, max_pending};
            pthread_t th;
            pthread_create(&th, NULL, connector, job);
            pthread_detach(th);
            printf("ok\n");
        } else if (strncmp(line, "status", 6) == 0) {
            printf("status %d %d %d %d %d %llu\n", atomic_load(&started), atomic_load(&open_now),
                   atomic_load(&ever_open), atomic_load(&failed), atomic_load(&closed_after_snapshot),
                   (unsigned long long) atomic_load(&frames_so_far));
        } else if (strncmp(line, "probe", 5) == 0) {
            printf("probe %lld\n", (long long) atomic_exchange(&worst_round, 0));
        } else if (sscanf(line, "measure %lld %lld", &a, &b) == 2) {
            atomic_store(&measure_from, a);
            atomic_store(&measure_to, b);
            atomic_store(&worst_round_measured, 0);
            printf("ok\n");
        } else if (strncmp(line, "worst", 5) == 0) {
            printf("worst %lld\n", (long long) atomic_load(&worst_round_measured));
        } else if (sscanf(line, "collect %lld %lld", &a, &b) == 2) {
            collect(a, b);
        } else if (strncmp(line, "reasons", 7) == 0) {
            pthread_mutex_lock(&reasons_mu);
            for (int i = 0; i < nreasons; i++) printf("reason %llu %s\n", (unsigned long long) reasons[i].count, reasons[i].text);
            pthread_mutex_unlock(&reasons_mu);
            printf("end\n");
        } else if (strncmp(line, "close", 5) == 0) {
            break;
        } else {
            printf("error unknown command: %s", line);
        }
        fflush(stdout);
    }
    /* Close frames from each loop, then up to 10 s for the service to close its side. */
    atomic_store(&closing, 1);
    int64_t deadline = now_nanos() + 10000000000LL;
    while (atomic_load(&open_now) > 0 && now_nanos() < deadline) {
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
    atomic_store(&stopping, 1);
    for (int t = 0; t < nthreads; t++) pthread_join(workers[t].thread, NULL);
    printf("closed %d\n", atomic_load(&open_now));
    fflush(stdout);
    return 0;
}
