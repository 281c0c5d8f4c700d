import { Boards } from '../components/Boards';
import { Feed } from '../components/Feed';
import { Header } from '../components/Header';
import { Donate, Share } from '../components/Share';
import { Thermometer } from '../components/Thermometer';
import { t } from '../i18n';
import { useLiveCampaign } from '../live-campaign';
import { PageError } from './PageError';

/** The live campaign page, for spectators arriving from a shared link, mobile first. */
export default function CampaignPage({ campaignId }: { campaignId: string }) {
  const { campaign, error, store } = useLiveCampaign(campaignId);
  const c = campaign.value;
  const totals = store.totals.value;
  if (error.value && !c) {
    return <PageError detail={error.value} />;
  }
  const demo = c?.demo ?? campaignId === 'demo';
  const url = `${location.origin}/c/${encodeURIComponent(campaignId)}`;
  return (
    <>
      <Header demo={demo} status={store.status.value} />
      <main class="page campaign-page">
        <h1 data-testid="title">{c?.title ?? campaignId}</h1>
        {demo && <p class="demo-note">{t('demoNote')}</p>}
        <div class="columns">
          <div class="column">
            {totals ? <Thermometer totals={totals} /> : <p>{t('loading')}</p>}
            <div class="actions">
              <Donate url={c?.donateUrl} />
            </div>
            {c?.story && <p class="story">{c.story}</p>}
            <Share url={url} text={t('shareText', { title: c?.title ?? campaignId })} />
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
