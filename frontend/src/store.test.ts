import { describe, expect, it } from 'vitest';
import type { FeedEntry, Totals } from './api';
import type { LiveMessage } from './live';
import { createCampaignStore, FEED_LIMIT, mergeFeed } from './store';

function totals(raisedMinor: number, updatedAt = '2026-11-21T20:00:00Z'): Totals {
  return { campaignId: 'c', currency: 'EUR', goalMinor: 10000, raisedMinor, donationCount: 1, refundedMinor: 0, shareCount: 0, updatedAt };
}

function gift(id: string): FeedEntry {
  return { eventId: id, name: id, amountMinor: 100, at: '2026-11-21T20:00:00Z' };
}

const entry = (rank: number, id: string, score: number) => ({ rank, id, name: id, score });

describe('campaign store', () => {
  it('takes a snapshot whole, then only what an update carries', () => {
    const store = createCampaignStore();
    store.apply({
      type: 'snapshot',
      seq: 5,
      totals: totals(300),
      leaderboards: { fundraisers: [entry(1, 'alice', 200), entry(2, 'bob', 100)], teams: [entry(1, 'red', 300)] },
      feed: [gift('g2'), gift('g1')],
    });
    expect(store.totals.value?.raisedMinor).toBe(300);
    expect(store.boards.value.fundraisers.map((e) => [e.id, e.moved])).toEqual([['alice', 0], ['bob', 0]]);

    store.apply({ type: 'update', seq: 6, totals: totals(500), leaderboards: { fundraisers: [entry(1, 'bob', 300), entry(2, 'alice', 200), entry(3, 'chloe', 1)] }, feed: [gift('g3')] });
    expect(store.totals.value?.raisedMinor).toBe(500);
    expect(store.boards.value.fundraisers.map((e) => [e.id, e.moved])).toEqual([['bob', 1], ['alice', -1], ['chloe', null]]);
    expect(store.boards.value.teams.map((e) => e.id)).toEqual(['red']);
    expect(store.feed.value.map((e) => e.eventId)).toEqual(['g3', 'g2', 'g1']);
  });

  it('keeps the standing the stream computes', () => {
    const store = createCampaignStore();
    const message: LiveMessage = { type: 'snapshot', seq: 1, totals: totals(0), standing: { id: 'bob', rank: 2, raisedMinor: 100, shareCount: 0, ahead: { id: 'alice', name: 'Alice', score: 135, gapMinor: 35 } } };
    store.apply(message);
    expect(store.standing.value?.ahead?.gapMinor).toBe(35);
    expect(store.streamHasStanding.value).toBe(true);
  });

  it('ignores a polled answer older than what it shows', () => {
    const store = createCampaignStore();
    store.apply({ type: 'snapshot', seq: 1, totals: totals(900, '2026-11-21T20:00:05Z') });
    const empty = { fundraisers: [], teams: [], sharers: [], trending: [] };
    store.applyPolled({ totals: totals(800, '2026-11-21T20:00:01Z'), feed: [], leaderboards: empty });
    expect(store.totals.value?.raisedMinor).toBe(900);
    store.applyPolled({ totals: totals(1000, '2026-11-21T20:00:09Z'), feed: [], leaderboards: empty });
    expect(store.totals.value?.raisedMinor).toBe(1000);
  });
});

describe('feed', () => {
  it('puts new gifts first, each once, and stays bounded', () => {
    expect(mergeFeed([gift('b'), gift('a')], [gift('a'), gift('z')]).map((e) => e.eventId)).toEqual(['b', 'a', 'z']);
    let shown: FeedEntry[] = [];
    for (let i = 0; i < 500; i++) {
      shown = mergeFeed([gift(`g${i}`)], shown);
    }
    expect(shown).toHaveLength(FEED_LIMIT);
    expect(shown[0].eventId).toBe('g499');
  });
});
