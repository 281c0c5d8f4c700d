// The one module that owns the live connection: WebSocket first, Server-Sent Events when WebSockets
// do not get through, polling the read API when neither does; messages applied in `seq` order, a gap
// answered by reconnecting for a fresh snapshot, a lost connection retried with capped backoff.
import type { BoardEntry, BoardName, FeedEntry, Match, Milestone, Pledge, PolledState, Standing, Totals } from './api';

/** A stream message (API.md "Live streams" and "Viral mechanics"): an update carries only what changed. */
export interface LiveMessage {
  type: 'snapshot' | 'update';
  seq: number;
  totals: Totals;
  leaderboards?: Partial<Record<BoardName, BoardEntry[]>>;
  /** Snapshot: the newest feed. Update: new entries, or the whole newest feed with feedReplaced. */
  feed?: FeedEntry[];
  /** Set when a message was hidden or shown again: `feed` replaces the shown one. */
  feedReplaced?: boolean;
  /** Snapshot: every milestone. Update: the milestones crossed since the previous message. */
  milestones?: Milestone[];
  /** Update: every milestone, when one was defined, edited or crossed. */
  milestoneList?: Milestone[];
  pledges?: Pledge[];
  matches?: Match[];
  standing?: Standing;
}

export type Transport = 'websocket' | 'sse' | 'polling';
export type Status = 'connecting' | 'live' | 'reconnecting' | 'polling';

/** What the connection needs from the browser, so tests can drive it by hand. */
export interface LiveEnvironment {
  webSocket?: (url: string) => SocketLike;
  eventSource?: (url: string) => EventSourceLike;
  poll: () => Promise<PolledState>;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  random: () => number;
  origin: string;
}

export interface SocketLike {
  onopen: ((e: unknown) => void) | null;
  onmessage: ((e: { data: unknown }) => void) | null;
  onclose: ((e: unknown) => void) | null;
  onerror: ((e: unknown) => void) | null;
  close(): void;
}

export interface EventSourceLike {
  onopen: ((e: unknown) => void) | null;
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: ((e: unknown) => void) | null;
  close(): void;
}

export interface LiveOptions {
  campaignId: string;
  fundraiserId?: string;
  /** Called with each message to show: snapshots, and updates in order. */
  onMessage: (message: LiveMessage) => void;
  /** Called with what the read API answered while polling. */
  onPolled: (state: PolledState) => void;
  onStatus?: (status: Status, transport: Transport) => void;
}

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 15_000;
export const POLL_INTERVAL_MS = 3_000;
/** While polling, how often to try the streams again. */
export const UPGRADE_INTERVAL_MS = 60_000;
/** Attempts of a transport that never delivered a message before moving to the next one. */
export const FAILURES_BEFORE_FALLBACK = 2;

/** The delay before reconnect attempt {@code attempt} (0-based): doubling, capped, with jitter in [50%, 100%]. */
export function backoffDelay(attempt: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export function streamUrls(origin: string, campaignId: string, fundraiserId?: string): { ws: string; sse: string } {
  const query = fundraiserId ? `?fundraiser=${encodeURIComponent(fundraiserId)}` : '';
  const c = encodeURIComponent(campaignId);
  const wsOrigin = origin.replace(/^http/, 'ws');
  return { ws: `${wsOrigin}/ws/campaigns/${c}${query}`, sse: `${origin}/api/campaigns/${c}/stream${query}` };
}

export class LiveConnection {
  private transport: Transport = 'websocket';
  private lastSeq = -1;
  private attempt = 0;
  private failuresWithoutMessage = 0;
  /** Once a transport delivered, its failures are outages (a restart, a lost network), not a blocked path. */
  private transportWorked = false;
  private current: { close(): void } | null = null;
  private timer: unknown = null;
  private upgradeTimer: unknown = null;
  private stopped = false;
  private generation = 0;

  constructor(
    private readonly options: LiveOptions,
    private readonly env: LiveEnvironment,
  ) {}

  get currentTransport(): Transport {
    return this.transport;
  }

  /** The seq of the last message applied, -1 before the first snapshot. */
  get seq(): number {
    return this.lastSeq;
  }

  start(): void {
    this.stopped = false;
    if (!this.env.webSocket) {
      this.transport = this.env.eventSource ? 'sse' : 'polling';
    }
    this.open();
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    this.closeCurrent();
    this.env.clearTimeout(this.timer);
    this.env.clearTimeout(this.upgradeTimer);
    this.timer = null;
    this.upgradeTimer = null;
  }

  /** Takes one raw message from a stream; answers false when it showed a gap and a resync began. */
  receive(raw: unknown): boolean {
    let message: LiveMessage;
    try {
      message = JSON.parse(String(raw)) as LiveMessage;
    } catch {
      return true;
    }
    if (typeof message.seq !== 'number' || !message.totals) {
      return true;
    }
    if (message.type === 'snapshot') {
      this.lastSeq = message.seq;
      this.attempt = 0;
      this.failuresWithoutMessage = 0;
      this.status('live');
      this.options.onMessage(message);
      return true;
    }
    if (this.lastSeq < 0 || message.seq <= this.lastSeq) {
      // before any snapshot, or already shown: a stale message never moves the page backwards
      return true;
    }
    if (message.seq !== this.lastSeq + 1) {
      this.resync();
      return false;
    }
    this.lastSeq = message.seq;
    this.options.onMessage(message);
    return true;
  }

  /** A missed message: drop this connection and open a new one at once, which starts with a snapshot. */
  private resync(): void {
    this.generation++;
    this.closeCurrent();
    this.lastSeq = -1;
    this.open();
  }

  private open(): void {
    if (this.stopped) {
      return;
    }
    const generation = ++this.generation;
    const urls = streamUrls(this.env.origin, this.options.campaignId, this.options.fundraiserId);
    let delivered = false;
    const onMessage = (e: { data: unknown }) => {
      if (generation !== this.generation) {
        return;
      }
      delivered = true;
      this.transportWorked = true;
      this.receive(e.data);
    };
    const onLost = () => {
      if (generation !== this.generation) {
        return;
      }
      this.generation++;
      this.closeCurrent();
      if (!delivered) {
        this.failuresWithoutMessage++;
      }
      this.scheduleReconnect();
    };
    if (this.transport === 'websocket' && this.env.webSocket) {
      this.status(this.lastSeq < 0 && this.attempt === 0 ? 'connecting' : 'reconnecting');
      const socket = this.env.webSocket(urls.ws);
      socket.onmessage = onMessage;
      socket.onclose = onLost;
      socket.onerror = onLost;
      this.current = socket;
    } else if (this.transport === 'sse' && this.env.eventSource) {
      this.status(this.lastSeq < 0 && this.attempt === 0 ? 'connecting' : 'reconnecting');
      const source = this.env.eventSource(urls.sse);
      source.onmessage = onMessage;
      // EventSource retries by itself on a fixed delay; this connection does its own backoff instead
      source.onerror = onLost;
      this.current = source;
    } else {
      this.transport = 'polling';
      this.poll(generation);
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped) {
      return;
    }
    if (!this.transportWorked && this.failuresWithoutMessage >= FAILURES_BEFORE_FALLBACK && this.transport !== 'polling') {
      this.failuresWithoutMessage = 0;
      this.transport = this.transport === 'websocket' && this.env.eventSource ? 'sse' : 'polling';
      if (this.transport === 'polling') {
        this.scheduleUpgrade();
      }
      this.open();
      return;
    }
    this.status('reconnecting');
    const delay = backoffDelay(this.attempt++, this.env.random);
    this.env.clearTimeout(this.timer);
    this.timer = this.env.setTimeout(() => this.open(), delay);
  }

  private poll(generation: number): void {
    this.status('polling');
    this.env
      .poll()
      .then((state) => {
        if (generation === this.generation && !this.stopped) {
          this.attempt = 0;
          this.options.onPolled(state);
        }
      })
      .catch(() => {
        this.attempt++;
      })
      .finally(() => {
        if (generation === this.generation && !this.stopped) {
          const delay = this.attempt === 0 ? POLL_INTERVAL_MS : Math.max(POLL_INTERVAL_MS, backoffDelay(this.attempt, this.env.random));
          this.env.clearTimeout(this.timer);
          this.timer = this.env.setTimeout(() => this.poll(generation), delay);
        }
      });
  }

  /** While polling, try the streams again now and then: the network that blocked them may have changed. */
  private scheduleUpgrade(): void {
    this.env.clearTimeout(this.upgradeTimer);
    this.upgradeTimer = this.env.setTimeout(() => {
      if (this.stopped || this.transport !== 'polling') {
        return;
      }
      this.generation++;
      this.env.clearTimeout(this.timer);
      this.transport = this.env.webSocket ? 'websocket' : 'sse';
      this.lastSeq = -1;
      this.open();
    }, UPGRADE_INTERVAL_MS);
  }

  private closeCurrent(): void {
    const current = this.current;
    this.current = null;
    if (current) {
      try {
        current.close();
      } catch {
        // already closed
      }
    }
  }

  private status(status: Status): void {
    this.options.onStatus?.(status, this.transport);
  }
}

/** The browser's environment for a connection. */
export function browserEnvironment(poll: () => Promise<PolledState>): LiveEnvironment {
  return {
    webSocket: typeof WebSocket === 'undefined' ? undefined : (url) => new WebSocket(url) as unknown as SocketLike,
    eventSource: typeof EventSource === 'undefined' ? undefined : (url) => new EventSource(url) as unknown as EventSourceLike,
    poll,
    setTimeout: (fn, ms) => window.setTimeout(fn, ms),
    clearTimeout: (handle) => window.clearTimeout(handle as number),
    random: Math.random,
    origin: location.origin,
  };
}
