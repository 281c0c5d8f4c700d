import { Boards } from '../components/Boards';
import { Feed } from '../components/Feed';
import { Header } from '../components/Header';
import { Celebration, NextMilestone } from '../components/Milestones';
import { Donate, Share } from '../components/Share';
import { Sponsors } from '../components/Sponsors';
import { Thermometer } from '../components/Thermometer';
import { t } from '../i18n';
import { useLiveCampaign } from '../live-campaign';
import { PageError } from './PageError';

const CELEBRATION_MS = 10_000;

/** The live campaign page, for spectators arriving from a shared link, mobile first. */
export default function CampaignPage({ campaignId }: { campaignId: string }) {
  const { campaign, error, store } = useLiveCampaign(campaignId);
  const c = campaign.value;
  const totals = store.totals.value;
  if (error.value && !c) {
    return <PageError detail={error.value} />;
  }
  const demo = c?.demo ?? campaignId === 'demo';
  return (
    <>
      <Header demo={demo} status={store.status.value} />
      <main class="page campaign-page">
        <h1 data-testid="title">{c?.title ?? campaignId}</h1>
        {demo && <p class="demo-note">{t('demoNote')}</p>}
        <Celebration celebration={store.celebration.value} ms={CELEBRATION_MS} />
        <div class="columns">
          <div class="column">
            {totals ? <Thermometer totals={totals} /> : <p>{t('loading')}</p>}
            <div class="actions">
              <Donate url={c?.donateUrl} campaignId={campaignId} />
            </div>
            {totals && <NextMilestone milestones={store.milestones.value} totals={totals} />}
            {totals && <Sponsors pledges={store.pledges.value} matches={store.matches.value} currency={totals.currency} />}
            {c?.story && <p class="story">{c.story}</p>}
            <Share campaignId={campaignId} text={t('shareText', { title: c?.title ?? campaignId })} />
            {c?.openSignup && (
              <p>
                <a class="button secondary" href={`/c/${encodeURIComponent(campaignId)}/join`} data-testid="join-link">
                  {t('joinCta')}
                </a>
              </p>
            )}
          </div>
          <div class="column">
            {totals && <Boards boards={store.boards.value} currency={totals.currency} campaignId={campaignId} />}
            {totals && <Feed entries={store.feed.value} currency={totals.currency} />}
          </div>
        </div>
      </main>
    </>
  );
}
