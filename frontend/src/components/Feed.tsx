import type { FeedEntry } from '../api';
import { formatMoney, relativeTime, t } from '../i18n';
import { now } from '../live-campaign';

/** The latest gifts, newest first. Names and messages are rendered as text, never as markup. */
export function Feed({ entries, currency, limit, title = true }: { entries: FeedEntry[]; currency: string; limit?: number; title?: boolean }) {
  const shown = limit ? entries.slice(0, limit) : entries;
  return (
    <section class="feed" aria-labelledby="feed-title">
      {title && <h2 id="feed-title">{t('feedTitle')}</h2>}
      {shown.length === 0 ? (
        <p class="empty">{t('feedEmpty')}</p>
      ) : (
        <ol class="feed-list" data-testid="feed">
          {shown.map((e) => (
            <li key={e.eventId} class="feed-entry">
              <span class="donor">{e.name ?? t('anonymous')}</span>
              <span class="amount">{formatMoney(e.amountMinor, currency)}</span>
              {e.at && (
                <time class="when" dateTime={e.at}>
                  {relativeTime(e.at, now.value)}
                </time>
              )}
              {e.message && <q class="message">{e.message}</q>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
