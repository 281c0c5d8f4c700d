import { useEffect, useState } from 'preact/hooks';
import { api, type Fundraiser } from '../api';
import { FundraiserForm } from '../components/FundraiserForm';
import { Header } from '../components/Header';
import { Donate, Share } from '../components/Share';
import { formatMoney, formatNumber, t } from '../i18n';
import { useLiveCampaign } from '../live-campaign';
import { manageToken, takeWelcome } from '../visitor';
import { PageError } from './PageError';

/** A fundraiser's own page: story, total against its goal, rank and the gap to the one ahead, all live. */
export default function FundraiserPage({ campaignId, fundraiserId }: { campaignId: string; fundraiserId: string }) {
  const { campaign, error, store } = useLiveCampaign(campaignId, fundraiserId);
  const [details, setDetails] = useState<Fundraiser | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [welcome] = useState(() => takeWelcome(campaignId, fundraiserId));
  const [owner] = useState(() => manageToken(campaignId, fundraiserId));
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
  const referred =
    standing?.referredMinor ?? store.boards.value.referrals.find((e) => e.id === fundraiserId)?.score ?? details?.referredMinor ?? 0;
  const pct = goal && standing ? Math.min(100, Math.floor((standing.raisedMinor * 100) / goal)) : null;
  return (
    <>
      <Header demo={c?.demo ?? campaignId === 'demo'} status={store.status.value} />
      <main class="page fundraiser-page">
        <h1 data-testid="title">{name}</h1>
        {welcome && (
          <p class="notice" role="status" data-testid="welcome">
            {t('pageOpened')}
          </p>
        )}
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
            {referred > 0 && (
              <p class="referred" data-testid="referred">
                {owner
                  ? t('broughtByYou', { amount: formatMoney(referred, currency) })
                  : t('broughtBy', { name, amount: formatMoney(referred, currency) })}
              </p>
            )}
          </section>
        ) : (
          <p>{t('loading')}</p>
        )}
        <div class="actions">
          <Donate url={c?.donateUrl} campaignId={campaignId} />
        </div>
        {details?.story && <p class="story">{details.story}</p>}
        <Share campaignId={campaignId} fundraiserId={fundraiserId} text={t('shareText', { title: name })} />
        {owner && details && (
          <details class="edit-my-page">
            <summary>{t('editMyPage')}</summary>
            <p class="help">{t('manageKeyNote')}</p>
            <FundraiserForm
              campaignId={campaignId}
              currency={currency}
              initial={{ displayName: details.displayName, teamId: details.teamId ?? undefined, goalMinor: details.goalMinor ?? undefined, story: details.story ?? undefined }}
              submitLabel={t('save')}
              byStatus={{ 401: t('manageRefused'), 403: t('manageRefused') }}
              onSubmit={(body) => api.putFundraiser(owner, campaignId, fundraiserId, body).then((saved) => setDetails({ ...details, ...saved }))}
              testId="edit-form"
            />
          </details>
        )}
        <p>
          <a href={`/c/${encodeURIComponent(campaignId)}`}>{t('backToCampaign')}</a>
        </p>
      </main>
    </>
  );
}
