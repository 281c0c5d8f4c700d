import type { Totals } from '../api';
import { formatMoney, formatNumber, percentOf, t } from '../i18n';
import { grandTotal } from '../viral';

/**
 * The total against the goal: the figure everyone looks at, announced politely to screen readers. It is
 * the grand total (donors' gifts plus sponsors' money), with the split beneath once sponsors gave.
 */
export function Thermometer({ totals, big }: { totals: Totals; big?: boolean }) {
  const grand = grandTotal(totals);
  const sponsors = grand - totals.raisedMinor;
  const pct = percentOf(grand, totals.goalMinor);
  const width = Math.min(100, pct);
  return (
    <section class={big ? 'thermometer big' : 'thermometer'} aria-label={t('raised')}>
      <p class="total" aria-live="polite" aria-atomic="true" data-testid="total">
        {formatMoney(grand, totals.currency, undefined, big)}
      </p>
      {sponsors > 0 && (
        <p class="split" data-testid="total-split">
          {t('totalSplit', {
            donors: formatMoney(totals.raisedMinor, totals.currency, undefined, big),
            sponsors: formatMoney(sponsors, totals.currency, undefined, big),
          })}
        </p>
      )}
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
