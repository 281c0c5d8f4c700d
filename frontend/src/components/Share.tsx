import { useState } from 'preact/hooks';
import { api, ApiError, type ShareAnswer, type ShareChannel } from '../api';
import { t } from '../i18n';
import { local, referral, visitorId, withReferral } from '../visitor';

/** The share dialog each network documents, for a link and a line of text. */
export function networkUrl(channel: ShareChannel, url: string, text: string): string {
  const u = encodeURIComponent(url);
  const x = encodeURIComponent(text);
  switch (channel) {
    case 'facebook':
      return `https://www.facebook.com/sharer/sharer.php?u=${u}`;
    case 'x':
      return `https://x.com/intent/post?url=${u}&text=${x}`;
    case 'linkedin':
      return `https://www.linkedin.com/sharing/share-offsite/?url=${u}`;
    case 'whatsapp':
      return `https://wa.me/?text=${encodeURIComponent(`${text} ${url}`)}`;
    case 'email':
      return `mailto:?subject=${x}&body=${encodeURIComponent(`${text}\n${url}`)}`;
    default:
      return url;
  }
}

const POPUP_CHANNELS: ShareChannel[] = ['facebook', 'x', 'linkedin', 'whatsapp'];

/** A window opened blank in the click, navigated once the link is known. */
export interface PopupLike {
  opener: unknown;
  location: { href: string };
  closed?: boolean;
}

/** What a share needs from the service and the browser, so tests drive it by hand. */
export interface ShareDeps {
  /** Records the share and answers the link to share; absent where no fundraiser is shared (the campaign page). */
  record?: () => Promise<ShareAnswer>;
  /** The link shared when nothing is recorded, or recording failed. */
  url: string;
  text: string;
  /** window.open('', '_blank'): null when a blocker refused it. */
  openWindow: () => PopupLike | null;
  /** Opens a link without a window opened beforehand (a blocked popup, mailto:). */
  openUrl: (url: string) => void;
  /** Copies the text a promise gives; the promise starts in the click, so browsers keep the gesture. */
  copy: (text: Promise<string>) => Promise<boolean>;
  nativeShare?: (data: { url: string; text: string }) => Promise<void>;
}

export type ShareOutcome =
  | { kind: 'shared' | 'copied' | 'cancelled' | 'not-counted' }
  | { kind: 'rate-limited'; retryAfter: number | null };

/**
 * One click on a share button. Popups are opened blank before the service answers, in the click itself,
 * so popup blockers let them through; the network's dialog is loaded into it once the share link is known.
 * A share the service could not record (429, outage) is still shared, with the page's own link.
 */
export async function shareOn(channel: ShareChannel, deps: ShareDeps): Promise<ShareOutcome> {
  const popup = POPUP_CHANNELS.includes(channel) ? deps.openWindow() : null;
  if (popup) {
    // what noopener would do: the network's page cannot reach back into this one
    popup.opener = null;
  }
  let failure: ShareOutcome | null = null;
  const link = (async () => {
    if (!deps.record) {
      return deps.url;
    }
    try {
      return (await deps.record()).shareUrl;
    } catch (e) {
      const status = e instanceof ApiError ? e.problem.status : 0;
      failure = status === 429 ? { kind: 'rate-limited', retryAfter: (e as ApiError).problem.retryAfter ?? null } : { kind: 'not-counted' };
      return deps.url;
    }
  })();
  let outcome: ShareOutcome = { kind: 'shared' };
  if (channel === 'link') {
    outcome = (await deps.copy(link)) ? { kind: 'copied' } : { kind: 'shared' };
  } else if (channel === 'other' && deps.nativeShare) {
    const url = await link;
    try {
      await deps.nativeShare({ url, text: deps.text });
    } catch {
      outcome = { kind: 'cancelled' };
    }
  } else {
    const target = networkUrl(channel, await link, deps.text);
    if (popup && !popup.closed) {
      popup.location.href = target;
    } else {
      deps.openUrl(target);
    }
  }
  return failure ?? outcome;
}

/** Copies through ClipboardItem (a promised text keeps the click's permission), else writeText, else a prompt. */
async function copyToClipboard(text: Promise<string>): Promise<boolean> {
  if (typeof ClipboardItem !== 'undefined' && navigator.clipboard?.write) {
    try {
      await navigator.clipboard.write([new ClipboardItem({ 'text/plain': text.then((s) => new Blob([s], { type: 'text/plain' })) })]);
      return true;
    } catch {
      // older engines want a string: below
    }
  }
  const value = await text;
  try {
    await navigator.clipboard.writeText(value);
    return true;
  } catch {
    window.prompt(t('copyLink'), value);
    return false;
  }
}

function browserDeps(campaignId: string, fundraiserId: string | undefined, channel: ShareChannel, url: string, text: string): ShareDeps {
  return {
    record: fundraiserId ? () => api.share(campaignId, fundraiserId, { channel, visitorId: visitorId(local) }) : undefined,
    url,
    text,
    openWindow: () => window.open('', '_blank'),
    openUrl: (target) => {
      if (target.startsWith('mailto:')) {
        location.href = target;
      } else {
        window.open(target, '_blank', 'noopener');
      }
    },
    copy: copyToClipboard,
    nativeShare: typeof navigator.share === 'function' ? (data) => navigator.share(data) : undefined,
  };
}

const BUTTONS: { channel: ShareChannel; label: () => string }[] = [
  { channel: 'facebook', label: () => 'Facebook' },
  { channel: 'x', label: () => 'X' },
  { channel: 'linkedin', label: () => 'LinkedIn' },
  { channel: 'whatsapp', label: () => 'WhatsApp' },
  { channel: 'email', label: () => t('email') },
  { channel: 'link', label: () => t('copyLink') },
];

function outcomeText(outcome: ShareOutcome): string {
  switch (outcome.kind) {
    case 'copied':
      return t('copied');
    case 'shared':
      return t('shareThanks');
    case 'rate-limited':
      return t('shareRateLimited', { s: outcome.retryAfter ?? 60 });
    case 'not-counted':
      return t('shareNotCounted');
    default:
      return '';
  }
}

/**
 * The share buttons. On a fundraiser's page each click is recorded (a counted share, which sponsors'
 * pledges turn into money) and shares the link the service answers, which credits the fundraiser; on
 * the campaign page the campaign's link is shared, with the referral the visitor came with.
 */
export function Share({ campaignId, fundraiserId, text }: { campaignId: string; fundraiserId?: string; text: string }) {
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const canShare = typeof navigator !== 'undefined' && typeof navigator.share === 'function';
  const page = `${location.origin}/c/${encodeURIComponent(campaignId)}`;
  const click = (channel: ShareChannel) => {
    const url = fundraiserId
      ? `${page}/f/${encodeURIComponent(fundraiserId)}?ref=${encodeURIComponent(fundraiserId)}&utm_source=${channel}`
      : withReferral(page, referral(campaignId));
    setBusy(true);
    shareOn(channel, browserDeps(campaignId, fundraiserId, channel, url, text))
      .then((outcome) => setStatus(outcomeText(outcome)))
      .finally(() => setBusy(false));
  };
  return (
    <section class="share" aria-labelledby="share-title">
      <h2 id="share-title">{t('shareTitle')}</h2>
      <div class="share-buttons" aria-busy={busy}>
        {canShare && (
          <button type="button" class="button" onClick={() => click('other')}>
            {t('shareNative')}
          </button>
        )}
        {BUTTONS.map((b) => (
          <button type="button" key={b.channel} class={`button share-${b.channel}`} onClick={() => click(b.channel)}>
            {b.label()}
          </button>
        ))}
      </div>
      <p role="status" class="share-status" data-testid="share-status">
        {status}
      </p>
    </section>
  );
}

/** The way to give: the charity's own payment page, opened in the same tab, with the visitor's referral. */
export function Donate({ url, campaignId }: { url?: string | null; campaignId: string }) {
  if (!url || !/^https:\/\//i.test(url)) {
    return (
      <p class="donate-unavailable" aria-disabled="true">
        {t('donateUnavailable')}
      </p>
    );
  }
  return (
    <a class="button donate" href={withReferral(url, referral(campaignId))} rel="noopener">
      {t('donate')}
    </a>
  );
}
