import { Header } from '../components/Header';
import { t } from '../i18n';

export function PageError({ detail }: { detail: string }) {
  return (
    <>
      <Header />
      <main class="page">
        <p role="alert">{t('loadFailed', { detail })}</p>
        <button type="button" class="button" onClick={() => location.reload()}>
          {t('retry')}
        </button>
      </main>
    </>
  );
}
