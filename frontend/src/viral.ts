// What the pages derive from the viral mechanics' figures (milestones, pledges, matches), kept apart
// from the components so the rules are tested without a browser. Money stays integer minor units.
import type { Match, Milestone, MilestoneMetric, Pledge, Totals } from './api';

/** The campaign's figure a milestone watches; a service without sponsor money counts the raised total as grand. */
export function metricValue(totals: Totals, metric: MilestoneMetric): number {
  switch (metric) {
    case 'raisedMinor':
      return totals.raisedMinor;
    case 'grandTotalMinor':
      return grandTotal(totals);
    case 'shareCount':
      return totals.shareCount;
  }
}

export function grandTotal(totals: Totals): number {
  return totals.grandTotalMinor ?? totals.raisedMinor + (totals.sponsorMinor ?? 0);
}

export interface MilestoneProgress {
  milestone: Milestone;
  value: number;
  /** 0..100, rounded down: 100 only once reached. */
  percent: number;
}

/**
 * The milestone to show next: of each metric's lowest unreached threshold, the one closest to being
 * crossed (the largest share of its threshold), ties to the lowest threshold; null when all are reached.
 */
export function nextMilestone(milestones: Milestone[], totals: Totals): MilestoneProgress | null {
  let best: MilestoneProgress | null = null;
  const lowestByMetric = new Map<MilestoneMetric, Milestone>();
  for (const m of milestones) {
    if (m.reachedAt) {
      continue;
    }
    const lowest = lowestByMetric.get(m.metric);
    if (!lowest || m.threshold < lowest.threshold) {
      lowestByMetric.set(m.metric, m);
    }
  }
  for (const milestone of lowestByMetric.values()) {
    const value = metricValue(totals, milestone.metric);
    const percent = Math.min(99, Math.floor((Math.max(0, value) * 100) / milestone.threshold));
    const candidate = { milestone, value, percent };
    if (
      !best ||
      value / milestone.threshold > best.value / best.milestone.threshold ||
      (value / milestone.threshold === best.value / best.milestone.threshold && milestone.threshold < best.milestone.threshold)
    ) {
      best = candidate;
    }
  }
  return best;
}

/** A pledge's per-share money (the bonus aside): what it earned of its cap, and how far along the cap. */
export function pledgeProgress(p: Pledge): { perShareEarnedMinor: number; percent: number } {
  const perShareEarnedMinor = Math.max(0, p.capMinor - p.remainingMinor);
  const percent = p.capMinor > 0 ? Math.min(100, Math.floor((perShareEarnedMinor * 100) / p.capMinor)) : 100;
  return { perShareEarnedMinor, percent };
}

/** A match is live while its window is open and money remains to match. */
export function isActive(m: Match, now: number): boolean {
  return Date.parse(m.startsAt) <= now && now < Date.parse(m.endsAt) && m.remainingMinor > 0;
}

export function activeMatches(matches: Match[], now: number): Match[] {
  return matches.filter((m) => isActive(m, now));
}

/** How much of a match's cap is used, for the burn-down bar. */
export function matchedPercent(m: Match): number {
  return m.capMinor > 0 ? Math.min(100, Math.floor((m.matchedMinor * 100) / m.capMinor)) : 100;
}

/** The time left until {@code endsAt}, split for display: days, hours, minutes, seconds; all 0 once over. */
export function timeLeft(endsAt: string, now: number): { days: number; hours: number; minutes: number; seconds: number } {
  const total = Math.max(0, Math.floor((Date.parse(endsAt) - now) / 1000));
  return {
    days: Math.floor(total / 86400),
    hours: Math.floor((total % 86400) / 3600),
    minutes: Math.floor((total % 3600) / 60),
    seconds: total % 60,
  };
}

/** A match ratio as the share added to each gift: 1 → 100, 0.5 → 50, 1.25 → 125 (ratios have at most 2 decimals). */
export function ratioPercent(ratio: number): number {
  return Math.round(ratio * 100);
}
