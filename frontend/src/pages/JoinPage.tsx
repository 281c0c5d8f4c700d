import { useEffect, useState } from 'preact/hooks';
import { api, type Campaign } from '../api';
import { FundraiserForm } from '../components/FundraiserForm';
import { Header } from '../components/Header';
import { t } from '../i18n';
import { keepManageToken, markWelcome } from '../visitor';
import { PageError } from './PageError';

/**
 * Opening one's own fundraiser page, when the campaign has openSignup: a short form, then the new page
 * with its share buttons. The manage token the service shows once is kept in this browser.
 */
export default function JoinPage({ campaignId }: { campaignId: string }) {
  const [campaign, setCampaign] = useState<Campaign | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [closed, setClosed] = useState(false);
  useEffect(() => {
    api.campaign(campaignId).then(setCampaign, (e: Error) => setFailed(e.message));
  }, [campaignId]);
  if (failed && !campaign) {
    return <PageError detail={failed} />;
  }
  const open = !!campaign?.openSignup && !closed;
  const join = async (body: Parameters<typeof api.openFundraiser>[1]) => {
    try {
      const created = await api.openFundraiser(campaignId, body);
      keepManageToken(campaignId, created.id, created.manageToken);
      markWelcome(campaignId, created.id);
      location.assign(`/c/${encodeURIComponent(campaignId)}/f/${encodeURIComponent(created.id)}`);
    } catch (e) {
      if ((e as { problem?: { status: number } }).problem?.status === 403) {
        setClosed(true);
      }
      throw e;
    }
  };
  return (
    <>
      <Header demo={campaign?.demo ?? campaignId === 'demo'} />
      <main class="page join-page">
        <h1>{t('joinTitle')}</h1>
        {!campaign ? (
          <p>{t('loading')}</p>
        ) : !open ? (
          <p class="notice" role="status" data-testid="not-open">
            {t('notOpen')}
          </p>
        ) : (
          <>
            <p>{t('joinIntro', { title: campaign.title })}</p>
            <FundraiserForm
              campaignId={campaignId}
              currency={campaign.currency}
              submitLabel={t('create')}
              byStatus={{ 403: t('notOpen') }}
              onSubmit={join}
              testId="join-form"
            />
          </>
        )}
        <p>
          <a href={`/c/${encodeURIComponent(campaignId)}`}>{t('backToCampaign')}</a>
        </p>
      </main>
    </>
  );
}
