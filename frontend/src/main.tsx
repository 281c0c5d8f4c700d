// Entry point: picks the page for the path. The live campaign page, where most visitors land from a
// shared link, comes with this module (no second round of script requests before its first total);
// the other pages are loaded on demand.
import { render, type ComponentType } from 'preact';
import { prefetchCampaign } from './api';
import CampaignPage from './pages/CampaignPage';
import { lang } from './i18n';
import { route } from './routes';
import { captureReferral } from './visitor';
import './styles.css';

async function start(): Promise<void> {
  document.documentElement.lang = lang.value;
  const r = route(location.pathname);
  const root = document.getElementById('app')!;
  if (!r) {
    location.replace('/');
    return;
  }
  if ('campaignId' in r) {
    prefetchCampaign(r.campaignId);
    // a visitor who came through a fundraiser's link credits that fundraiser with what they give
    captureReferral(r.campaignId, location.search);
  }
  let Page: ComponentType<any>;
  switch (r.page) {
    case 'campaign':
      Page = CampaignPage;
      break;
    case 'fundraiser':
      Page = (await import('./pages/FundraiserPage')).default;
      break;
    case 'screen':
      document.body.classList.add('big-screen');
      Page = (await import('./pages/ScreenPage')).default;
      break;
    case 'join':
      Page = (await import('./pages/JoinPage')).default;
      break;
    case 'organizer':
      Page = (await import('./pages/OrganizerPage')).default;
      break;
    default:
      Page = (await import('./pages/HomePage')).default;
  }
  render(<Page {...r} />, root);
}

void start();
