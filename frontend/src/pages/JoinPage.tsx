import { useEffect, useState } from 'preact/hooks';
import { api, type Campaign } from '../api';
import { Header } from '../components/Header';
import { t } from '../i18n';

/**
 * Opening one's own fundraiser page. The self-signup endpoint belongs to a later issue, so the form
 * is laid out but closed, and says so.
 */
export default function JoinPage({ campaignId }: { campaignId: string }) {
  const [campaign, setCampaign] = useState<Campaign | null>(null);
  useEffect(() => {
    api.campaign(campaignId).then(setCampaign, () => undefined);
  }, [campaignId]);
  return (
    <>
      <Header demo={campaign?.demo ?? campaignId === 'demo'} />
      <main class="page join-page">
        <h1>{t('joinTitle')}</h1>
        <p>{t('joinIntro', { title: campaign?.title ?? campaignId })}</p>
        <p class="notice" role="status" data-testid="not-open">
          {t('notOpen')}
        </p>
        <form class="form" aria-disabled="true" onSubmit={(e) => e.preventDefault()}>
          <fieldset disabled>
            <label>
              {t('displayName')}
              <input name="displayName" autocomplete="name" />
            </label>
            <label>
              {t('goal')}
              <input name="goal" inputMode="decimal" />
            </label>
            <label>
              {t('story')}
              <textarea name="story" rows={4} />
            </label>
            <button type="submit" class="button">
              {t('create')}
            </button>
          </fieldset>
        </form>
        <p>
          <a href={`/c/${encodeURIComponent(campaignId)}`}>{t('backToCampaign')}</a>
        </p>
      </main>
    </>
  );
}
