// The live state of one campaign as signals: one per changing figure, so a tick re-renders only
// what changed. Pages read it; only the live connection (through apply/applyPolled) writes it.
import { batch, signal } from '@preact/signals';
import {
  BOARDS,
  type BoardEntry,
  type BoardName,
  type FeedEntry,
  type Match,
  type Milestone,
  type Pledge,
  type PolledState,
  type Standing,
  type Totals,
} from './api';
import type { LiveMessage, Status, Transport } from './live';

/** A board line with how its rank moved since the previous frame: > 0 up, < 0 down, null when new. */
export interface RankedEntry extends BoardEntry {
  moved: number | null;
}

export const FEED_LIMIT = 20;

/** Milestones crossed while the page was open, to celebrate; `n` counts celebrations so each restarts its timer. */
export interface Celebration {
  n: number;
  milestones: Milestone[];
}

export function createCampaignStore() {
  const totals = signal<Totals | null>(null);
  const boards = signal<Record<BoardName, RankedEntry[]>>(emptyBoards());
  const feed = signal<FeedEntry[]>([]);
  const standing = signal<Standing | null>(null);
  const status = signal<Status>('connecting');
  const transport = signal<Transport>('websocket');
  const milestones = signal<Milestone[]>([]);
  const pledges = signal<Pledge[]>([]);
  const matches = signal<Match[]>([]);
  const celebration = signal<Celebration | null>(null);
  /** Set once a message carried a standing: the service computes it, no need to fetch it. */
  const streamHasStanding = signal(false);
  let seenBoards = false;
  let seenMilestones = false;
  /** Milestones celebrated, or already reached when the page opened: each is celebrated at most once. */
  const celebrated = new Set<string>();

  function celebrate(crossed: Milestone[]): void {
    const fresh = crossed.filter((m) => !celebrated.has(m.id));
    fresh.forEach((m) => celebrated.add(m.id));
    if (fresh.length) {
      celebration.value = { n: (celebration.value?.n ?? 0) + 1, milestones: fresh };
    }
  }

  /**
   * Takes the whole list of milestones. One that the page showed unreached and that now is reached was
   * crossed while the page missed the update saying so (a reconnect, polling): celebrated all the same.
   */
  function setMilestones(list: Milestone[]): void {
    const wasUnreached = new Set(milestones.value.filter((m) => !m.reachedAt).map((m) => m.id));
    milestones.value = list;
    if (!seenMilestones) {
      seenMilestones = true;
      list.filter((m) => m.reachedAt).forEach((m) => celebrated.add(m.id));
      return;
    }
    celebrate(list.filter((m) => m.reachedAt && wasUnreached.has(m.id)));
  }

  /** The crossings an update announces, marked reached in the shown list when no new list came with them. */
  function crossed(announced: Milestone[]): void {
    const byId = new Map(announced.map((m) => [m.id, m]));
    milestones.value = milestones.value.map((m) => byId.get(m.id) ?? m);
    celebrate(announced);
  }

  function setBoard(name: BoardName, entries: BoardEntry[]): void {
    const previous = boards.value[name];
    const ranks = new Map(previous.map((e) => [e.id, e.rank]));
    const next = entries.map((e) => {
      const before = ranks.get(e.id);
      return { ...e, moved: before === undefined ? (seenBoards ? null : 0) : before - e.rank };
    });
    boards.value = { ...boards.value, [name]: next };
  }

  /** Shows a message of the stream; the connection hands them over in seq order. */
  function apply(message: LiveMessage): void {
    batch(() => {
      if (message.type === 'snapshot') {
        totals.value = message.totals;
        for (const name of BOARDS) {
          setBoard(name, message.leaderboards?.[name] ?? []);
        }
        seenBoards = true;
        feed.value = (message.feed ?? []).slice(0, FEED_LIMIT);
        setMilestones(message.milestones ?? []);
        pledges.value = message.pledges ?? [];
        matches.value = message.matches ?? [];
      } else {
        totals.value = message.totals;
        for (const name of BOARDS) {
          const entries = message.leaderboards?.[name];
          if (entries) {
            setBoard(name, entries);
          }
        }
        if (message.feedReplaced) {
          // moderation hid or showed a message: the service sends the whole newest feed
          feed.value = (message.feed ?? []).slice(0, FEED_LIMIT);
        } else if (message.feed?.length) {
          feed.value = mergeFeed(message.feed, feed.value);
        }
        if (message.milestoneList) {
          setMilestones(message.milestoneList);
        }
        if (message.milestones?.length) {
          crossed(message.milestones);
        }
        if (message.pledges) {
          pledges.value = message.pledges;
        }
        if (message.matches) {
          matches.value = message.matches;
        }
      }
      if (message.standing) {
        standing.value = message.standing;
        streamHasStanding.value = true;
      }
    });
  }

  /** Shows what polling read, unless it is older than what is shown (a slow answer overtaken by a newer one). */
  function applyPolled(state: PolledState): void {
    const shown = totals.value;
    if (shown && isOlder(state.totals, shown)) {
      return;
    }
    batch(() => {
      totals.value = state.totals;
      for (const name of BOARDS) {
        setBoard(name, state.leaderboards[name] ?? []);
      }
      seenBoards = true;
      feed.value = mergeFeed(state.feed, []);
      if (state.milestones) {
        setMilestones(state.milestones);
      }
      if (state.pledges) {
        pledges.value = state.pledges;
      }
      if (state.matches) {
        matches.value = state.matches;
      }
      if (state.standing) {
        standing.value = state.standing;
      }
    });
  }

  return {
    totals,
    boards,
    feed,
    standing,
    milestones,
    pledges,
    matches,
    celebration,
    status,
    transport,
    streamHasStanding,
    apply,
    applyPolled,
  };
}

export type CampaignStore = ReturnType<typeof createCampaignStore>;

function emptyBoards(): Record<BoardName, RankedEntry[]> {
  return { fundraisers: [], teams: [], sharers: [], trending: [], referrals: [] };
}

/** New entries first, no entry twice, at most FEED_LIMIT: the feed's memory stays flat for hours. */
export function mergeFeed(added: FeedEntry[], shown: FeedEntry[]): FeedEntry[] {
  const seen = new Set<string>();
  const merged: FeedEntry[] = [];
  for (const entry of [...added, ...shown]) {
    if (!seen.has(entry.eventId)) {
      seen.add(entry.eventId);
      merged.push(entry);
      if (merged.length === FEED_LIMIT) {
        break;
      }
    }
  }
  return merged;
}

function isOlder(candidate: Totals, shown: Totals): boolean {
  if (!candidate.updatedAt || !shown.updatedAt) {
    return false;
  }
  return Date.parse(candidate.updatedAt) < Date.parse(shown.updatedAt);
}
