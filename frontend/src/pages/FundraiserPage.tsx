import { useEffect, useState } from 'preact/hooks';
import { api, type Fundraiser } from '../api';
import { Header } from '../components/Header';
import { Donate, Share } from '../components/Share';
import { formatMoney, formatNumber, t } from '../i18n';
import { useLiveCampaign } from '../live-campaign';
import { PageError } from './PageError';

/** A fundraiser's own page: story, total against its goal, rank and the gap to the one ahead, all live. */
export default function FundraiserPage({ campaignId, fundraiserId }: { campaignId: string; fundraiserId: string }) {
  const { campaign, error, store } = useLiveCampaign(campaignId, fundraiserId);
  const [details, setDetails] = useState<Fundraiser | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const board = store.boards.value.fundraisers;

  // The details (name, story, goal) come from the read API. While the stream carries no standing
  // (a service without it), the standing is read again whenever the fundraisers board changes.
  useEffect(() => {
    if (details && store.streamHasStanding.value) {
      return;
    }
    const timer = window.setTimeout(() => {
      api
        .fundraiser(campaignId, fundraiserId)
        .then((f) => {
          setDetails(f);
          if (!store.streamHasStanding.value) {
            store.standing.value = f;
          }
        })
        .catch((e: Error) => setFailed(e.message));
    }, details ? 150 : 0);
    return () => window.clearTimeout(timer);
  }, [board]);

  const c = campaign.value;
  const standing = store.standing.value;
  if ((error.value && !c) || (failed && !details)) {
    return <PageError detail={error.value ?? failed ?? ''} />;
  }
  const currency = c?.currency ?? store.totals.value?.currency ?? 'EUR';
  const name = details?.displayName ?? fundraiserId;
  const goal = details?.goalMinor ?? null;
  const url = `${location.origin}/c/${encodeURIComponent(campaignId)}/f/${encodeURIComponent(fundraiserId)}`;
  const pct = goal && standing ? Math.min(100, Math.floor((standing.raisedMinor * 100) / goal)) : null;
  return (
    <>
      <Header demo={c?.demo ?? campaignId === 'demo'} status={store.status.value} />
      <main class="page fundraiser-page">
        <h1 data-testid="title">{name}</h1>
        <p class="subtitle">
          <a href={`/c/${encodeURIComponent(campaignId)}`}>{t('onCampaign', { title: c?.title ?? campaignId })}</a>
        </p>
        {standing ? (
          <section class="thermometer" aria-label={t('raised')}>
            <p class="total" aria-live="polite" aria-atomic="true" data-testid="total">
              {formatMoney(standing.raisedMinor, currency)}
            </p>
            <p class="goal">
              {goal ? t('fundraiserRaised', { goal: formatMoney(goal, currency, undefined, true) }) : t('fundraiserRaisedNoGoal')}
            </p>
            {pct !== null && (
              <div class="bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label={`${pct}%`}>
                <div class="fill" style={{ width: `${pct}%` }} />
              </div>
            )}
            <p class="standing" aria-live="polite" data-testid="standing">
              <strong class="rank">{t('rankOf', { rank: formatNumber(standing.rank) })}</strong>{' '}
              <span class="gap" data-testid="gap">
                {standing.ahead
                  ? t('toOvertake', { gap: formatMoney(standing.ahead.gapMinor, currency), name: standing.ahead.name ?? standing.ahead.id })
                  : t('firstPlace')}
              </span>
            </p>
          </section>
        ) : (
          <p>{t('loading')}</p>
        )}
        <div class="actions">
          <Donate url={c?.donateUrl} />
        </div>
        {details?.story && <p class="story">{details.story}</p>}
        <Share url={url} text={t('shareText', { title: name })} />
        <p>
          <a href={`/c/${encodeURIComponent(campaignId)}`}>{t('backToCampaign')}</a>
        </p>
      </main>
    </>
  );
}
