import { useEffect, useState } from 'preact/hooks';
import type { Match, Pledge } from '../api';
import { formatDuration, formatMoneyShort, formatNumber, t } from '../i18n';
import { activeMatches, matchedPercent, pledgeProgress, ratioPercent, timeLeft } from '../viral';

/** The clock, ticking every second only while something on the page counts down. */
function useClock(ticking: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!ticking) {
      return;
    }
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [ticking]);
  return now;
}

function PledgeLine({ pledge, currency }: { pledge: Pledge; currency: string }) {
  const { perShareEarnedMinor, percent } = pledgeProgress(pledge);
  const money = (minor: number) => formatMoneyShort(minor, currency);
  const bonus = pledge.bonus;
  return (
    <li class="pledge" data-testid={`pledge-${pledge.id}`}>
      <p class="pledge-offer">{t('pledgePerShare', { sponsor: pledge.sponsor, perShare: money(pledge.perShareMinor) })}</p>
      <div class="bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-label={`${pledge.sponsor}: ${percent}%`}>
        <div class="fill" style={{ width: `${percent}%` }} />
      </div>
      <p class="pledge-figures">
        <span data-testid="pledge-earned">{t('pledgeEarned', { earned: money(perShareEarnedMinor), cap: money(pledge.capMinor) })}</span>
        {bonus && (
          <span class={pledge.bonusPaid ? 'bonus paid' : 'bonus'}>
            {pledge.bonusPaid
              ? t('pledgeBonusPaid', { amount: money(bonus.amountMinor) })
              : t('pledgeBonusAt', { amount: money(bonus.amountMinor), shares: formatNumber(bonus.atShares) })}
          </span>
        )}
      </p>
    </li>
  );
}

/** A matching gift as a burn-down: what is matched of the cap, what remains, and the time left. */
function MatchLine({ match, currency, now }: { match: Match; currency: string; now: number }) {
  const money = (minor: number) => formatMoneyShort(minor, currency);
  const used = matchedPercent(match);
  return (
    <li class="match" data-testid={`match-${match.id}`}>
      <p class="match-offer">{t('matchTitle', { sponsor: match.sponsor, pct: formatNumber(ratioPercent(match.ratio)) })}</p>
      <div class="bar burn" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={100 - used} aria-label={`${match.sponsor}: ${100 - used}%`}>
        <div class="fill" style={{ width: `${100 - used}%` }} />
      </div>
      <p class="match-figures">
        <span data-testid="match-burn">
          {t('matchBurn', { matched: money(match.matchedMinor), cap: money(match.capMinor), remaining: money(match.remainingMinor) })}
        </span>
        <span class="time-left">
          <time dateTime={match.endsAt}>{t('timeLeft', { time: formatDuration(timeLeft(match.endsAt, now)) })}</time>
        </span>
      </p>
    </li>
  );
}

/** Sponsors' money: pledges per share and the matching gifts running now, all live from the stream. */
export function Sponsors({ pledges, matches, currency }: { pledges: Pledge[]; matches: Match[]; currency: string }) {
  const clock = useClock(matches.length > 0);
  const active = activeMatches(matches, clock);
  if (pledges.length === 0 && active.length === 0) {
    return null;
  }
  return (
    <section class="sponsors card" aria-labelledby="sponsors-title" data-testid="sponsors">
      <h2 id="sponsors-title">{t('sponsorsTitle')}</h2>
      <ul class="sponsor-list">
        {active.map((m) => (
          <MatchLine key={m.id} match={m} currency={currency} now={clock} />
        ))}
        {pledges.map((p) => (
          <PledgeLine key={p.id} pledge={p} currency={currency} />
        ))}
      </ul>
    </section>
  );
}
