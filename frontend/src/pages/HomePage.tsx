import { Header } from '../components/Header';
import { t } from '../i18n';

export default function HomePage() {
  return (
    <>
      <Header />
      <main class="page">
        <h1>{t('appName')}</h1>
        <p>{t('home')}</p>
        <ul>
          <li>
            <a href="/c/demo">{t('seeDemo')}</a>
          </li>
          <li>
            <a href="/organizer">{t('organizerConsole')}</a>
          </li>
        </ul>
      </main>
    </>
  );
}
