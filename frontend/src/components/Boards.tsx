import { useState } from 'preact/hooks';
import { BOARDS, type BoardName } from '../api';
import { formatMoney, formatNumber, t } from '../i18n';
import type { RankedEntry } from '../store';

/** One board's lines; a line that moved gets a class that animates it (none under reduced motion). */
export function BoardList({ name, entries, currency, campaignId }: { name: BoardName; entries: RankedEntry[]; currency: string; campaignId: string }) {
  if (entries.length === 0) {
    return <p class="empty">{t('boardEmpty')}</p>;
  }
  return (
    <ol class="board" data-testid={`board-${name}`}>
      {entries.map((e) => {
        const moved = e.moved === null ? 'moved-new' : e.moved > 0 ? 'moved-up' : e.moved < 0 ? 'moved-down' : '';
        const label = e.name ?? e.id;
        return (
          <li key={moved ? `${e.id}:${e.rank}:${e.score}` : e.id} class={`board-entry ${moved}`}>
            <span class="rank" aria-label={`${t('rank')} ${e.rank}`}>
              {e.rank}
            </span>
            <span class="name">
              {name === 'teams' ? label : <a href={`/c/${encodeURIComponent(campaignId)}/f/${encodeURIComponent(e.id)}`}>{label}</a>}
            </span>
            {moved && (
              <span class="move">
                {e.moved === null ? t('newEntry') : e.moved > 0 ? `▲ ${t('movedUp', { n: e.moved })}` : `▼ ${t('movedDown', { n: -e.moved })}`}
              </span>
            )}
            <span class="score">{name === 'sharers' ? t('shares', { n: formatNumber(e.score) }) : formatMoney(e.score, currency)}</span>
          </li>
        );
      })}
    </ol>
  );
}

/** The four boards as tabs (WAI-ARIA tabs pattern: arrow keys move between them). */
export function Boards({ boards, currency, campaignId }: { boards: Record<BoardName, RankedEntry[]>; currency: string; campaignId: string }) {
  const [selected, setSelected] = useState<BoardName>('fundraisers');
  const onKey = (e: KeyboardEvent) => {
    const i = BOARDS.indexOf(selected);
    const next = e.key === 'ArrowRight' ? BOARDS[(i + 1) % BOARDS.length] : e.key === 'ArrowLeft' ? BOARDS[(i + BOARDS.length - 1) % BOARDS.length] : null;
    if (next) {
      setSelected(next);
      document.getElementById(`tab-${next}`)?.focus();
    }
  };
  return (
    <section class="boards" aria-labelledby="boards-title">
      <h2 id="boards-title">{t('boardsTitle')}</h2>
      <div role="tablist" class="tabs" onKeyDown={onKey}>
        {BOARDS.map((b) => (
          <button
            key={b}
            type="button"
            role="tab"
            id={`tab-${b}`}
            aria-selected={b === selected}
            aria-controls={`panel-${b}`}
            tabIndex={b === selected ? 0 : -1}
            onClick={() => setSelected(b)}
          >
            {t(`board_${b}`)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${selected}`} aria-labelledby={`tab-${selected}`} tabIndex={0}>
        <BoardList name={selected} entries={boards[selected]} currency={currency} campaignId={campaignId} />
      </div>
    </section>
  );
}
