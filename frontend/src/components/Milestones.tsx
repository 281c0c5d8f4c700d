import { useEffect, useState } from 'preact/hooks';
import type { Milestone, Totals } from '../api';
import { formatMoneyShort, formatNumber, t } from '../i18n';
import type { Celebration as CelebrationState } from '../store';
import { nextMilestone } from '../viral';

/** The next milestone and how far the campaign is from it, on the milestone's own metric. */
export function NextMilestone({ milestones, totals }: { milestones: Milestone[]; totals: Totals }) {
  const next = nextMilestone(milestones, totals);
  if (!next) {
    return null;
  }
  const { milestone, value, percent } = next;
  const shown = (n: number) => (milestone.metric === 'shareCount' ? formatNumber(n) : formatMoneyShort(n, totals.currency));
  return (
    <section class="milestone card" aria-labelledby="milestone-title" data-testid="next-milestone">
      <h2 id="milestone-title">
        {t('nextMilestone')} <span class="milestone-label">{milestone.label}</span>
      </h2>
      <div class="bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-labelledby="milestone-title">
        <div class="fill" style={{ width: `${percent}%` }} />
      </div>
      <p class="milestone-progress">{t(`milestoneProgress_${milestone.metric}`, { value: shown(value), threshold: shown(milestone.threshold) })}</p>
    </section>
  );
}

/**
 * The celebration of milestones crossed while the page is open: announced at once to screen readers
 * (an assertive live region, present from the start so every announcement is read), shown for a while;
 * the confetti are left out for visitors who ask for less motion (styles.css).
 */
export function Celebration({ celebration, big, ms }: { celebration: CelebrationState | null; big?: boolean; ms: number }) {
  const [shown, setShown] = useState<CelebrationState | null>(null);
  useEffect(() => {
    if (!celebration) {
      return;
    }
    setShown(celebration);
    const timer = window.setTimeout(() => setShown(null), ms);
    return () => window.clearTimeout(timer);
  }, [celebration?.n]);
  const text = celebration ? celebration.milestones.map((m) => t('milestoneReached', { label: m.label })).join(' ') : '';
  return (
    <>
      <div class="sr-only" aria-live="assertive" aria-atomic="true" data-testid="announcement">
        {text}
      </div>
      {shown && (
        <div class={big ? 'celebration milestone-celebration' : 'celebrate-banner'} data-testid="milestone-celebration">
          {shown.milestones.map((m) => (
            <p key={m.id}>{t('milestoneReached', { label: m.label })}</p>
          ))}
          {!big && (
            <button type="button" class="button secondary small" onClick={() => setShown(null)}>
              {t('close')}
            </button>
          )}
          <div class="confetti" aria-hidden="true">
            {Array.from({ length: big ? 24 : 12 }, (_, i) => (
              <span class={`piece p${i % 6}`} />
            ))}
          </div>
        </div>
      )}
    </>
  );
}
