// Entry point: picks the page for the path and loads only its code, so the live page stays small.
import { render, type ComponentType } from 'preact';
import { prefetchCampaign } from './api';
import { lang } from './i18n';
import { route } from './routes';
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
  }
  let Page: ComponentType<any>;
  switch (r.page) {
    case 'campaign':
      Page = (await import('./pages/CampaignPage')).default;
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
