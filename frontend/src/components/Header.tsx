import { lang, setLang, t } from '../i18n';
import type { Status } from '../live';

/** The top bar of every page: name, demo badge, connection status, language switch. */
export function Header({ demo, status }: { demo?: boolean; status?: Status }) {
  const other = lang.value === 'fr' ? 'en' : 'fr';
  return (
    <header class="topbar">
      <a class="brand" href="/">
        {t('appName')}
      </a>
      {demo && <span class="badge demo-badge">{t('demo')}</span>}
      <span class="spacer" />
      {status && (
        <span class={`status status-${status}`} role="status">
          {t(`status_${status}`)}
        </span>
      )}
      <button type="button" class="lang-switch" lang={other} onClick={() => setLang(other)}>
        {other === 'fr' ? 'Français' : 'English'}
      </button>
    </header>
  );
}
