import { useState } from 'preact/hooks';
import { api, type ModeratedMessage } from '../../api';
import { formatMoney, relativeTime, t } from '../../i18n';
import { describe, Message, useList } from './common';

/**
 * The moderation queue: the newest gifts that carry a message, each hidden or shown again with one
 * click. Hiding removes the message from every feed and open stream; the money stays counted.
 */
export function Moderation({ token, campaignId, currency }: { token: string; campaignId: string; currency: string }) {
  const { list, error, reload } = useList(() => api.messages(token, campaignId).then((r) => r.messages), [token, campaignId]);
  const [changed, setChanged] = useState<Record<string, boolean>>({});
  const [note, setNote] = useState<string | null>(null);
  const toggle = (m: ModeratedMessage, hidden: boolean) =>
    api.moderate(token, campaignId, m.eventId, !hidden).then(
      (r) => {
        setChanged({ ...changed, [r.eventId]: r.hidden });
        setNote(null);
      },
      (e) => setNote(describe(e)),
    );
  return (
    <section class="form" aria-labelledby="moderation-title" data-testid="moderation">
      <h3 id="moderation-title">{t('moderation')}</h3>
      {error && <Message text={error} error />}
      {list && list.length === 0 && <p>{t('noMessages')}</p>}
      {list && list.length > 0 && (
        <ul class="queue">
          {list.map((m) => {
            const hidden = changed[m.eventId] ?? m.hidden;
            return (
              <li key={m.eventId} class={hidden ? 'hidden' : ''} data-testid={`message-${m.eventId}`}>
                <q class="message">{m.message}</q>
                <span class="meta">
                  {m.name ?? t('anonymous')} · {formatMoney(m.amountMinor, currency)}
                  {m.at && <> · {relativeTime(m.at, Date.now())}</>}
                  {hidden && <> · {t('hiddenLabel')}</>}
                </span>
                <button type="button" class="button small" onClick={() => toggle(m, hidden)}>
                  {hidden ? t('unhide') : t('hide')}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <div class="row">
        <button
          type="button"
          class="button secondary small"
          onClick={() => {
            setChanged({});
            reload();
          }}
        >
          {t('refresh')}
        </button>
      </div>
      {note && <Message text={note} error />}
    </section>
  );
}
