import { describe, expect, it } from 'vitest';
import type { Match, Milestone, MilestoneMetric, Pledge, Totals } from './api';
import { activeMatches, grandTotal, matchedPercent, metricValue, nextMilestone, pledgeProgress, ratioPercent, timeLeft } from './viral';

const totals = (raisedMinor: number, sponsorMinor: number | undefined, shareCount: number): Totals => ({
  campaignId: 'c',
  currency: 'EUR',
  goalMinor: 100000,
  raisedMinor,
  donationCount: 1,
  refundedMinor: 0,
  shareCount,
  ...(sponsorMinor === undefined ? {} : { sponsorMinor, grandTotalMinor: raisedMinor + sponsorMinor }),
  updatedAt: null,
});

const milestone = (id: string, metric: MilestoneMetric, threshold: number, reachedAt: string | null = null): Milestone => ({
  id,
  metric,
  threshold,
  label: id,
  reachedAt,
});

describe('milestones', () => {
  it('reads each metric, the grand total falling back to the raised total on an older service', () => {
    const t = totals(1000, 250, 7);
    expect(metricValue(t, 'raisedMinor')).toBe(1000);
    expect(metricValue(t, 'grandTotalMinor')).toBe(1250);
    expect(metricValue(t, 'shareCount')).toBe(7);
    expect(grandTotal(totals(1000, undefined, 0))).toBe(1000);
  });

  it('shows the lowest unreached threshold of the metric closest to being crossed', () => {
    const list = [
      milestone('r1', 'raisedMinor', 500, '2026-11-21T20:00:00Z'),
      milestone('r3', 'raisedMinor', 4000),
      milestone('r2', 'raisedMinor', 2000),
      milestone('s1', 'shareCount', 10),
    ];
    // raised 1000 of 2000 = 50 %, shares 7 of 10 = 70 %
    expect(nextMilestone(list, totals(1000, 0, 7))).toEqual({ milestone: list[3], value: 7, percent: 70 });
    // shares 2 of 10 = 20 %: the raised milestone is closer
    expect(nextMilestone(list, totals(1000, 0, 2))).toEqual({ milestone: list[2], value: 1000, percent: 50 });
  });

  it('never shows 100 % before the service says reached, and nothing once all are reached', () => {
    const list = [milestone('r', 'raisedMinor', 2000)];
    expect(nextMilestone(list, totals(2500, 0, 0))?.percent).toBe(99);
    expect(nextMilestone([milestone('r', 'raisedMinor', 2000, '2026-11-21T20:00:00Z')], totals(2500, 0, 0))).toBeNull();
    expect(nextMilestone([], totals(0, 0, 0))).toBeNull();
  });
});

describe('pledges', () => {
  const pledge = (remainingMinor: number): Pledge => ({
    id: 'p',
    sponsor: 'Acme',
    perShareMinor: 50,
    capMinor: 100000,
    bonus: { atShares: 20000, amountMinor: 400000 },
    shareCount: 624,
    earnedMinor: 100000 - remainingMinor,
    remainingMinor,
    bonusPaid: false,
  });

  it('shows the per-share money earned of the cap, the bonus aside', () => {
    expect(pledgeProgress(pledge(68800))).toEqual({ perShareEarnedMinor: 31200, percent: 31 });
    expect(pledgeProgress({ ...pledge(0), earnedMinor: 500000, bonusPaid: true })).toEqual({ perShareEarnedMinor: 100000, percent: 100 });
  });
});

describe('matches', () => {
  const match = (startsAt: string, endsAt: string, matchedMinor: number): Match => ({
    id: 'm',
    sponsor: 'Bank',
    ratio: 1,
    capMinor: 50000,
    startsAt,
    endsAt,
    matchedMinor,
    remainingMinor: 50000 - matchedMinor,
  });
  const at = (iso: string) => Date.parse(iso);

  it('is active inside [startsAt, endsAt) while money remains', () => {
    const m = match('2026-11-21T20:00:00Z', '2026-11-21T22:00:00Z', 1000);
    expect(activeMatches([m], at('2026-11-21T19:59:59Z'))).toEqual([]);
    expect(activeMatches([m], at('2026-11-21T20:00:00Z'))).toEqual([m]);
    expect(activeMatches([m], at('2026-11-21T22:00:00Z'))).toEqual([]);
    expect(activeMatches([match('2026-11-21T20:00:00Z', '2026-11-21T22:00:00Z', 50000)], at('2026-11-21T21:00:00Z'))).toEqual([]);
  });

  it('burns down: matched share of the cap, and the time left to the end', () => {
    expect(matchedPercent(match('2026-11-21T20:00:00Z', '2026-11-21T22:00:00Z', 12500))).toBe(25);
    expect(timeLeft('2026-11-21T22:00:00Z', at('2026-11-21T20:54:53Z'))).toEqual({ days: 0, hours: 1, minutes: 5, seconds: 7 });
    expect(timeLeft('2026-11-23T22:00:00Z', at('2026-11-21T20:00:00Z'))).toEqual({ days: 2, hours: 2, minutes: 0, seconds: 0 });
    expect(timeLeft('2026-11-21T22:00:00Z', at('2026-11-21T23:00:00Z'))).toEqual({ days: 0, hours: 0, minutes: 0, seconds: 0 });
  });

  it('says a ratio as the share added to each gift', () => {
    expect(ratioPercent(1)).toBe(100);
    expect(ratioPercent(0.5)).toBe(50);
    expect(ratioPercent(1.15)).toBe(115);
  });
});
