import { describe, expect, it } from 'vitest';
import type { FeedEntry, Match, Milestone, Pledge, Totals } from './api';
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
    const empty = { fundraisers: [], teams: [], sharers: [], trending: [], referrals: [] };
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

const milestone = (id: string, threshold: number, reachedAt: string | null = null): Milestone => ({
  id,
  metric: 'raisedMinor',
  threshold,
  label: `Label ${id}`,
  reachedAt,
});

const pledge = (earnedMinor: number): Pledge => ({
  id: 'p',
  sponsor: 'Acme',
  perShareMinor: 50,
  capMinor: 100000,
  bonus: null,
  shareCount: earnedMinor / 50,
  earnedMinor,
  remainingMinor: 100000 - earnedMinor,
  bonusPaid: false,
});

const match = (matchedMinor: number): Match => ({
  id: 'm',
  sponsor: 'Bank',
  ratio: 1,
  capMinor: 50000,
  startsAt: '2026-11-21T19:00:00Z',
  endsAt: '2026-11-21T23:00:00Z',
  matchedMinor,
  remainingMinor: 50000 - matchedMinor,
});

describe('viral mechanics in the store', () => {
  const snapshot = (more: Partial<LiveMessage> = {}): LiveMessage => ({ type: 'snapshot', seq: 1, totals: totals(0), ...more });
  const update = (seq: number, more: Partial<LiveMessage> = {}): LiveMessage => ({ type: 'update', seq, totals: totals(0), ...more });

  it('takes milestones, pledges, matches and the referrals board from a snapshot, celebrating nothing already reached', () => {
    const store = createCampaignStore();
    store.apply(
      snapshot({
        milestones: [milestone('a', 100, '2026-11-21T19:00:00Z'), milestone('b', 500)],
        pledges: [pledge(150)],
        matches: [match(2000)],
        leaderboards: { referrals: [entry(1, 'bob', 2400)] },
      }),
    );
    expect(store.milestones.value.map((m) => m.id)).toEqual(['a', 'b']);
    expect(store.pledges.value[0].earnedMinor).toBe(150);
    expect(store.matches.value[0].matchedMinor).toBe(2000);
    expect(store.boards.value.referrals.map((e) => [e.id, e.score])).toEqual([['bob', 2400]]);
    expect(store.celebration.value).toBeNull();
  });

  it('celebrates the milestones an update crossed, once each, and shows them reached', () => {
    const store = createCampaignStore();
    store.apply(snapshot({ milestones: [milestone('a', 100), milestone('b', 500)] }));
    const reached = milestone('a', 100, '2026-11-21T20:00:00Z');
    store.apply(update(2, { milestones: [reached] }));
    expect(store.celebration.value).toEqual({ n: 1, milestones: [reached] });
    expect(store.milestones.value.map((m) => m.reachedAt)).toEqual(['2026-11-21T20:00:00Z', null]);

    // the same crossing again (a list update naming it) is not a second celebration
    store.apply(update(3, { milestones: [reached], milestoneList: [reached, milestone('b', 500)] }));
    expect(store.celebration.value?.n).toBe(1);
  });

  it('replaces the list with milestoneList: definitions added or edited, without celebrating them', () => {
    const store = createCampaignStore();
    store.apply(snapshot({ milestones: [milestone('a', 100)] }));
    store.apply(update(2, { milestoneList: [milestone('a', 200), milestone('c', 900)] }));
    expect(store.milestones.value.map((m) => [m.id, m.threshold])).toEqual([['a', 200], ['c', 900]]);
    expect(store.celebration.value).toBeNull();
  });

  it('celebrates a crossing it missed: a later snapshot shows reached what the page showed unreached', () => {
    const store = createCampaignStore();
    store.apply(snapshot({ milestones: [milestone('a', 100), milestone('b', 500)] }));
    // a gap, a reconnect: the new snapshot has 'a' reached and a new milestone 'z' reached before the page knew it
    store.apply({ ...snapshot({ milestones: [milestone('a', 100, '2026-11-21T20:00:00Z'), milestone('b', 500), milestone('z', 50, '2026-11-21T20:00:00Z')] }), seq: 40 });
    expect(store.celebration.value?.milestones.map((m) => m.id)).toEqual(['a']);
  });

  it('replaces pledges and matches when an update carries them, and keeps them otherwise', () => {
    const store = createCampaignStore();
    store.apply(snapshot({ pledges: [pledge(0)], matches: [match(0)] }));
    store.apply(update(2, { pledges: [pledge(50)] }));
    expect(store.pledges.value[0].earnedMinor).toBe(50);
    expect(store.matches.value[0].matchedMinor).toBe(0);
    store.apply(update(3, { matches: [match(700)] }));
    expect(store.matches.value[0].matchedMinor).toBe(700);
    expect(store.pledges.value[0].earnedMinor).toBe(50);
  });

  it('replaces the feed when feedReplaced says so (a message hidden), prepends new gifts otherwise', () => {
    const store = createCampaignStore();
    const withMessage = { ...gift('g2'), message: 'rude' };
    store.apply(snapshot({ feed: [withMessage, gift('g1')] }));
    store.apply(update(2, { feed: [gift('g2'), gift('g1')], feedReplaced: true }));
    expect(store.feed.value).toEqual([gift('g2'), gift('g1')]);
    store.apply(update(3, { feed: [gift('g3')] }));
    expect(store.feed.value.map((e) => e.eventId)).toEqual(['g3', 'g2', 'g1']);
    store.apply(update(4, { feed: [], feedReplaced: true }));
    expect(store.feed.value).toEqual([]);
  });

  it('takes the mechanics from polling too, celebrating a milestone crossed between two polls', () => {
    const store = createCampaignStore();
    const boards = { fundraisers: [], teams: [], sharers: [], trending: [], referrals: [entry(1, 'bob', 10)] };
    store.applyPolled({ totals: totals(0), feed: [], leaderboards: boards, milestones: [milestone('a', 100)], pledges: [pledge(0)], matches: [] });
    expect(store.boards.value.referrals[0].id).toBe('bob');
    store.applyPolled({ totals: totals(100), feed: [], leaderboards: boards, milestones: [milestone('a', 100, '2026-11-21T20:00:00Z')], pledges: [pledge(50)], matches: [] });
    expect(store.celebration.value?.milestones.map((m) => m.id)).toEqual(['a']);
    expect(store.pledges.value[0].earnedMinor).toBe(50);
  });
});
