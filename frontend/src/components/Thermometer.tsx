import type { Totals } from '../api';
import { formatMoney, formatNumber, percentOf, t } from '../i18n';

/** The total against the goal: the figure everyone looks at, announced politely to screen readers. */
export function Thermometer({ totals, big }: { totals: Totals; big?: boolean }) {
  const pct = percentOf(totals.raisedMinor, totals.goalMinor);
  const width = Math.min(100, pct);
  return (
    <section class={big ? 'thermometer big' : 'thermometer'} aria-label={t('raised')}>
      <p class="total" aria-live="polite" aria-atomic="true" data-testid="total">
        {formatMoney(totals.raisedMinor, totals.currency, undefined, big)}
      </p>
      <p class="goal">{t('raisedOf', { goal: formatMoney(totals.goalMinor, totals.currency, undefined, true) })}</p>
      <div
        class="bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={width}
        aria-label={t('percentOfGoal', { pct })}
      >
        <div class="fill" style={{ width: `${width}%` }} />
      </div>
      <p class="figures">
        <span class="pct">{t('percentOfGoal', { pct: formatNumber(pct) })}</span>
        <span class="count" data-testid="donation-count">
          {totals.donationCount === 1 ? t('oneDonation') : t('donations', { n: formatNumber(totals.donationCount) })}
        </span>
      </p>
    </section>
  );
}
