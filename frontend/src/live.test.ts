import { beforeEach, describe, expect, it } from 'vitest';
import type { PolledState, Totals } from './api';
import {
  backoffDelay,
  BACKOFF_MAX_MS,
  FAILURES_BEFORE_FALLBACK,
  LiveConnection,
  type EventSourceLike,
  type LiveEnvironment,
  type LiveMessage,
  type SocketLike,
  streamUrls,
  UPGRADE_INTERVAL_MS,
} from './live';

class FakeSocket implements SocketLike, EventSourceLike {
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: unknown) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  close() {
    this.closed = true;
  }
  send(message: object) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  fail() {
    (this.onclose ?? this.onerror)?.({});
  }
}

/** A hand-driven browser: sockets, event sources, timers and polls the test opens and fires itself. */
class FakeBrowser {
  sockets: FakeSocket[] = [];
  sources: FakeSocket[] = [];
  polls = 0;
  timers = new Map<number, { fn: () => void; at: number }>();
  now = 0;
  private nextTimer = 1;
  pollAnswer: PolledState | Error = new Error('down');

  env(options: { webSocket?: boolean; eventSource?: boolean } = {}): LiveEnvironment {
    return {
      webSocket: options.webSocket === false ? undefined : (url) => this.push(this.sockets, url),
      eventSource: options.eventSource === false ? undefined : (url) => this.push(this.sources, url),
      poll: () => {
        this.polls++;
        return this.pollAnswer instanceof Error ? Promise.reject(this.pollAnswer) : Promise.resolve(this.pollAnswer);
      },
      setTimeout: (fn, ms) => {
        const id = this.nextTimer++;
        this.timers.set(id, { fn, at: this.now + ms });
        return id;
      },
      clearTimeout: (id) => this.timers.delete(id as number),
      random: () => 1,
      origin: 'https://example.org',
    };
  }

  private push(list: FakeSocket[], url: string): FakeSocket {
    const socket = new FakeSocket(url);
    list.push(socket);
    return socket;
  }

  /** Moves virtual time on, firing the timers due. */
  advance(ms: number) {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = until;
  }

  get lastSocket() {
    return this.sockets[this.sockets.length - 1];
  }
}

function totals(raisedMinor: number): Totals {
  return { campaignId: 'c', currency: 'EUR', goalMinor: 1, raisedMinor, donationCount: 0, refundedMinor: 0, shareCount: 0, updatedAt: null };
}
const snapshot = (seq: number, raised: number): LiveMessage => ({ type: 'snapshot', seq, totals: totals(raised) });
const update = (seq: number, raised: number): LiveMessage => ({ type: 'update', seq, totals: totals(raised) });

describe('live connection', () => {
  let browser: FakeBrowser;
  let shown: LiveMessage[];
  let polled: PolledState[];
  let connection: LiveConnection;

  function connect(options?: { webSocket?: boolean; eventSource?: boolean }, fundraiserId?: string) {
    connection = new LiveConnection(
      { campaignId: 'night-run', fundraiserId, onMessage: (m) => shown.push(m), onPolled: (s) => polled.push(s) },
      browser.env(options),
    );
    connection.start();
  }

  beforeEach(() => {
    browser = new FakeBrowser();
    shown = [];
    polled = [];
  });

  it('opens the WebSocket first, with the fundraiser standing asked in the query', () => {
    connect(undefined, 'alice');
    expect(browser.sockets.map((s) => s.url)).toEqual(['wss://example.org/ws/campaigns/night-run?fundraiser=alice']);
    expect(streamUrls('http://localhost:8080', 'c').sse).toBe('http://localhost:8080/api/campaigns/c/stream');
  });

  it('applies updates in seq order and drops stale ones, so the total never goes back', () => {
    connect();
    browser.lastSocket.send(snapshot(10, 100));
    browser.lastSocket.send(update(11, 150));
    browser.lastSocket.send(update(11, 150));
    browser.lastSocket.send(update(9, 50));
    browser.lastSocket.send(update(12, 175));
    expect(shown.map((m) => m.totals.raisedMinor)).toEqual([100, 150, 175]);
    expect(connection.seq).toBe(12);
  });

  it('ignores updates before the first snapshot', () => {
    connect();
    browser.lastSocket.send(update(3, 999));
    expect(shown).toEqual([]);
  });

  it('resynchronises on a seq gap: a new connection, whose snapshot is shown', () => {
    connect();
    const first = browser.lastSocket;
    first.send(snapshot(1, 100));
    first.send(update(3, 300));
    expect(first.closed).toBe(true);
    expect(browser.sockets).toHaveLength(2);
    expect(shown.map((m) => m.totals.raisedMinor)).toEqual([100]);
    first.send(update(4, 400));
    expect(shown).toHaveLength(1);
    browser.lastSocket.send(snapshot(4, 400));
    expect(shown.map((m) => m.totals.raisedMinor)).toEqual([100, 400]);
  });

  it('takes the snapshot of a restarted service even though its seq starts again', () => {
    connect();
    browser.lastSocket.send(snapshot(500, 1000));
    browser.lastSocket.fail();
    browser.advance(BACKOFF_MAX_MS);
    browser.lastSocket.send(snapshot(1, 1200));
    browser.lastSocket.send(update(2, 1300));
    expect(shown.map((m) => m.totals.raisedMinor)).toEqual([1000, 1200, 1300]);
  });

  it('reconnects after a lost connection with growing, capped delays', () => {
    connect();
    browser.lastSocket.send(snapshot(1, 1));
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      const before = browser.sockets.length;
      const start = browser.now;
      browser.lastSocket.fail();
      while (browser.sockets.length === before) browser.advance(50);
      delays.push(browser.now - start);
    }
    expect(delays[0]).toBeLessThan(delays[3]);
    expect(Math.max(...delays)).toBeLessThanOrEqual(BACKOFF_MAX_MS + 50);
    expect(delays[9]).toBeGreaterThanOrEqual(BACKOFF_MAX_MS / 2);
    // the service came back: the stream works again, and the delays start over
    browser.lastSocket.send(snapshot(1, 2));
    const start = browser.now;
    const before = browser.sockets.length;
    browser.lastSocket.fail();
    while (browser.sockets.length === before) browser.advance(50);
    expect(browser.now - start).toBeLessThanOrEqual(600);
    // a service that stayed down never made the page give up on WebSockets
    expect(browser.sources).toHaveLength(0);
  });

  it('falls back to SSE when WebSockets never get through, then to polling', async () => {
    connect();
    for (let i = 0; i < FAILURES_BEFORE_FALLBACK; i++) {
      browser.lastSocket.fail();
      browser.advance(BACKOFF_MAX_MS);
    }
    expect(browser.sources.map((s) => s.url)).toEqual(['https://example.org/api/campaigns/night-run/stream']);
    const sockets = browser.sockets.length;
    browser.sources[0].send(snapshot(1, 10));
    browser.sources[0].send(update(2, 20));
    expect(shown.map((m) => m.totals.raisedMinor)).toEqual([10, 20]);
    expect(connection.currentTransport).toBe('sse');
    expect(browser.sockets).toHaveLength(sockets);
  });

  it('polls the read API when neither stream gets through, and tries the streams again later', async () => {
    browser.pollAnswer = { totals: totals(42), feed: [], leaderboards: { fundraisers: [], teams: [], sharers: [], trending: [], referrals: [] } };
    connect();
    for (let i = 0; i < FAILURES_BEFORE_FALLBACK; i++) {
      browser.lastSocket.fail();
      browser.advance(BACKOFF_MAX_MS);
    }
    for (let i = 0; i < FAILURES_BEFORE_FALLBACK; i++) {
      browser.sources[browser.sources.length - 1].fail();
      browser.advance(BACKOFF_MAX_MS);
    }
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(connection.currentTransport).toBe('polling');
    expect(browser.polls).toBeGreaterThan(0);
    expect(polled[0].totals.raisedMinor).toBe(42);
    const sockets = browser.sockets.length;
    browser.advance(UPGRADE_INTERVAL_MS);
    expect(browser.sockets.length).toBe(sockets + 1);
    expect(connection.currentTransport).toBe('websocket');
  });

  it('uses SSE when the browser has no WebSocket', () => {
    connect({ webSocket: false });
    expect(browser.sockets).toHaveLength(0);
    expect(browser.sources).toHaveLength(1);
  });

  it('stops for good: no timer left, no message shown', () => {
    connect();
    const socket = browser.lastSocket;
    socket.send(snapshot(1, 1));
    socket.fail();
    connection.stop();
    expect(browser.timers.size).toBe(0);
    socket.send(update(2, 2));
    expect(shown).toHaveLength(1);
  });
});

describe('backoff', () => {
  it('doubles from half a second up to fifteen, with jitter below the ceiling', () => {
    expect(backoffDelay(0, () => 1)).toBe(500);
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(3, () => 1)).toBe(4000);
    expect(backoffDelay(20, () => 1)).toBe(BACKOFF_MAX_MS);
  });
});
