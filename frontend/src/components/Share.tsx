import { useState } from 'preact/hooks';
import { t } from '../i18n';

/** The links each network documents for sharing a page. */
export function shareLinks(url: string, text: string): { channel: string; label: string; href: string }[] {
  const u = encodeURIComponent(url);
  const x = encodeURIComponent(text);
  return [
    { channel: 'facebook', label: 'Facebook', href: `https://www.facebook.com/sharer/sharer.php?u=${u}` },
    { channel: 'x', label: 'X', href: `https://x.com/intent/post?url=${u}&text=${x}` },
    { channel: 'linkedin', label: 'LinkedIn', href: `https://www.linkedin.com/sharing/share-offsite/?url=${u}` },
    { channel: 'whatsapp', label: 'WhatsApp', href: `https://wa.me/?text=${encodeURIComponent(`${text} ${url}`)}` },
    { channel: 'email', label: t('email'), href: `mailto:?subject=${x}&body=${encodeURIComponent(`${text}\n${url}`)}` },
  ];
}

export function Share({ url, text }: { url: string; text: string }) {
  const [copied, setCopied] = useState(false);
  const canShare = typeof navigator !== 'undefined' && typeof navigator.share === 'function';
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      window.prompt(t('copyLink'), url);
    }
  };
  return (
    <section class="share" aria-labelledby="share-title">
      <h2 id="share-title">{t('shareTitle')}</h2>
      <div class="share-buttons">
        {canShare && (
          <button type="button" class="button" onClick={() => navigator.share({ url, text }).catch(() => undefined)}>
            {t('shareNative')}
          </button>
        )}
        {shareLinks(url, text).map((l) => (
          <a class={`button share-${l.channel}`} href={l.href} target="_blank" rel="noopener noreferrer">
            {l.label}
          </a>
        ))}
        <button type="button" class="button" onClick={copy}>
          {t('copyLink')}
        </button>
        <span role="status" class="copied">
          {copied ? t('copied') : ''}
        </span>
      </div>
    </section>
  );
}

/** The way to give: the charity's own payment page, opened in the same tab. */
export function Donate({ url }: { url?: string | null }) {
  if (!url || !/^https:\/\//i.test(url)) {
    return (
      <p class="donate-unavailable" aria-disabled="true">
        {t('donateUnavailable')}
      </p>
    );
  }
  return (
    <a class="button donate" href={url} rel="noopener">
      {t('donate')}
    </a>
  );
}
