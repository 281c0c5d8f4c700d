import qrcode from 'qrcode-generator';
import { useEffect, useRef, useState } from 'preact/hooks';
import { BOARDS, type BoardName } from '../api';
import { BoardList } from '../components/Boards';
import { Feed } from '../components/Feed';
import { Celebration, NextMilestone } from '../components/Milestones';
import { Sponsors } from '../components/Sponsors';
import { Thermometer } from '../components/Thermometer';
import { lang, t } from '../i18n';
import { useLiveCampaign } from '../live-campaign';
import { activeMatches, grandTotal } from '../viral';

export const ROTATE_MS = 12_000;
const CELEBRATION_MS = 15_000;

/** The QR code of the campaign page, drawn in the browser on a canvas. */
function QrCode({ url }: { url: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const qr = qrcode(0, 'M');
    qr.addData(url);
    qr.make();
    const modules = qr.getModuleCount();
    const margin = 2;
    const scale = 8;
    const size = (modules + margin * 2) * scale;
    const el = canvas.current!;
    el.width = size;
    el.height = size;
    const ctx = el.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, size, size);
    ctx.fillStyle = '#000';
    for (let r = 0; r < modules; r++) {
      for (let c = 0; c < modules; c++) {
        if (qr.isDark(r, c)) {
          ctx.fillRect((c + margin) * scale, (r + margin) * scale, scale, scale);
        }
      }
    }
  }, [url]);
  return <canvas ref={canvas} class="qr" role="img" aria-label={`QR: ${url}`} data-testid="qr" />;
}

/**
 * Big-screen mode for a hall: large figures, a QR code, rotating boards, the latest gifts, sponsors'
 * money, and a celebration filling the screen at the goal and at each milestone crossed while it is up.
 */
export default function ScreenPage({ campaignId }: { campaignId: string }) {
  const { campaign, store } = useLiveCampaign(campaignId);
  const [boardIndex, setBoardIndex] = useState(0);
  const [celebrating, setCelebrating] = useState(false);
  const reachedBefore = useRef<boolean | null>(null);
  const totals = store.totals.value;
  const boards = store.boards.value;

  useEffect(() => {
    const timer = window.setInterval(() => setBoardIndex((i) => i + 1), ROTATE_MS);
    return () => window.clearInterval(timer);
  }, []);

  const reached = !!totals && totals.goalMinor > 0 && grandTotal(totals) >= totals.goalMinor;
  useEffect(() => {
    if (!totals) {
      return;
    }
    // celebrate a goal reached while the screen is up, not every time the screen is opened
    if (reachedBefore.current === false && reached) {
      setCelebrating(true);
      const timer = window.setTimeout(() => setCelebrating(false), CELEBRATION_MS);
      reachedBefore.current = reached;
      return () => window.clearTimeout(timer);
    }
    reachedBefore.current = reached;
  }, [reached, totals !== null]);

  // a column for the milestone and the sponsors' money when the campaign has any
  const extras =
    store.pledges.value.length > 0 ||
    activeMatches(store.matches.value, Date.now()).length > 0 ||
    store.milestones.value.some((m) => !m.reachedAt);
  const nonEmpty = BOARDS.filter((b) => boards[b].length > 0);
  const board: BoardName = nonEmpty.length ? nonEmpty[boardIndex % nonEmpty.length] : 'fundraisers';
  const url = `${location.origin}/c/${encodeURIComponent(campaignId)}`;
  const fullScreen = () => document.documentElement.requestFullscreen?.().catch(() => undefined);
  return (
    <main class="screen" lang={lang.value} data-status={store.status.value}>
      <header class="screen-head">
        <h1 data-testid="title">{campaign.value?.title ?? campaignId}</h1>
        {(campaign.value?.demo ?? campaignId === 'demo') && <span class="badge demo-badge">{t('demo')}</span>}
        <span class={`status status-${store.status.value}`} role="status">
          {t(`status_${store.status.value}`)}
        </span>
        <button type="button" class="button fullscreen" onClick={fullScreen}>
          {t('fullScreen')}
        </button>
      </header>
      <div class={extras ? 'screen-grid with-extras' : 'screen-grid'}>
        <section class="screen-total">
          {totals && <Thermometer totals={totals} big />}
          {reached && <p class="reached">{t('goalReached')}</p>}
        </section>
        <div class="screen-extras">
          {totals && <NextMilestone milestones={store.milestones.value} totals={totals} />}
          {totals && <Sponsors pledges={store.pledges.value} matches={store.matches.value} currency={totals.currency} />}
        </div>
        <section class="screen-board" aria-labelledby="screen-board-title">
          <h2 id="screen-board-title">{t(`board_${board}`)}</h2>
          {totals && <BoardList name={board} entries={boards[board].slice(0, 5)} currency={totals.currency} campaignId={campaignId} />}
        </section>
        <section class="screen-feed">
          {totals && <Feed entries={store.feed.value} currency={totals.currency} limit={4} />}
        </section>
        <section class="screen-qr">
          <QrCode url={url} />
          <p>{t('scanToGive')}</p>
          <p class="url">{url.replace(/^https?:\/\//, '')}</p>
        </section>
      </div>
      <Celebration celebration={store.celebration.value} big ms={CELEBRATION_MS} />
      {celebrating && (
        <div class="celebration" role="alert">
          <p>{t('goalReached')}</p>
          <div class="confetti" aria-hidden="true">
            {Array.from({ length: 24 }, (_, i) => (
              <span class={`piece p${i % 6}`} />
            ))}
          </div>
        </div>
      )}
    </main>
  );
}
