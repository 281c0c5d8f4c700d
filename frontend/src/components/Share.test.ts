import { describe, expect, it } from 'vitest';
import { ApiError, type ShareAnswer, type ShareChannel } from '../api';
import { networkUrl, type PopupLike, shareOn, type ShareDeps } from './Share';

const answer: ShareAnswer = { counted: true, shareUrl: 'https://run.example/c/night/f/bob?ref=bob&utm_source=facebook', referralCode: 'bob' };

/** A hand-driven browser: the test sees what opened when, and answers the share call when it likes. */
function browser(record?: () => Promise<ShareAnswer>) {
  const events: string[] = [];
  const popup: PopupLike = { opener: 'page', location: { href: 'about:blank' } };
  let copied: string | null = null;
  const deps: ShareDeps = {
    record: record
      ? () => {
          events.push('record');
          return record();
        }
      : undefined,
    url: 'https://run.example/c/night/f/bob?ref=bob&utm_source=facebook',
    text: 'Support Bob!',
    openWindow: () => {
      events.push('open window');
      return popup;
    },
    openUrl: (url) => events.push(`open ${url}`),
    copy: async (text) => {
      copied = await text;
      return true;
    },
    nativeShare: async (data) => void events.push(`native ${data.url}`),
  };
  return { deps, events, popup, copied: () => copied };
}

describe('share buttons', () => {
  it('open the popup in the click, before the service answers, then load the dialog with the answered link', async () => {
    let answerNow!: (a: ShareAnswer) => void;
    const b = browser(() => new Promise((r) => (answerNow = r)));
    const done = shareOn('facebook', b.deps);
    // synchronously, within the click: the window exists, cut off from this page
    expect(b.events).toEqual(['open window', 'record']);
    expect(b.popup.opener).toBeNull();
    expect(b.popup.location.href).toBe('about:blank');
    answerNow({ ...answer, shareUrl: 'https://run.example/answered?ref=bob' });
    expect(await done).toEqual({ kind: 'shared' });
    expect(b.popup.location.href).toBe(`https://www.facebook.com/sharer/sharer.php?u=${encodeURIComponent('https://run.example/answered?ref=bob')}`);
  });

  it('still share, with the page link, when the service refuses: politely on 429 with its Retry-After', async () => {
    const b = browser(() => Promise.reject(new ApiError({ status: 429, retryAfter: 30 })));
    expect(await shareOn('x', b.deps)).toEqual({ kind: 'rate-limited', retryAfter: 30 });
    expect(b.popup.location.href).toContain(encodeURIComponent(b.deps.url));
    const down = browser(() => Promise.reject(new ApiError({ status: 503 })));
    expect(await shareOn('linkedin', down.deps)).toEqual({ kind: 'not-counted' });
  });

  it('open mailto: without a popup, copy the answered link, and use the Web Share API for other', async () => {
    const mail = browser(() => Promise.resolve(answer));
    await shareOn('email', mail.deps);
    expect(mail.events).toEqual(['record', `open ${networkUrl('email', answer.shareUrl, 'Support Bob!')}`]);

    const link = browser(() => Promise.resolve(answer));
    expect(await shareOn('link', link.deps)).toEqual({ kind: 'copied' });
    expect(link.copied()).toBe(answer.shareUrl);

    const other = browser(() => Promise.resolve(answer));
    await shareOn('other', other.deps);
    expect(other.events).toEqual(['record', `native ${answer.shareUrl}`]);
  });

  it('open the link directly when the popup was blocked, and share the page link when nothing is recorded', async () => {
    const blocked = browser(() => Promise.resolve(answer));
    blocked.deps.openWindow = () => null;
    await shareOn('whatsapp', blocked.deps);
    expect(blocked.events).toEqual(['record', `open ${networkUrl('whatsapp', answer.shareUrl, 'Support Bob!')}`]);

    const campaign = browser();
    campaign.deps.url = 'https://run.example/c/night?ref=alice';
    await shareOn('facebook', campaign.deps);
    expect(campaign.popup.location.href).toBe(networkUrl('facebook', 'https://run.example/c/night?ref=alice', ''));
  });

  it('build each network dialog with the link encoded', () => {
    const url = 'https://run.example/c/n/f/b?ref=b&utm_source=x';
    const expected: Record<Exclude<ShareChannel, 'link' | 'other'>, string> = {
      facebook: `https://www.facebook.com/sharer/sharer.php?u=${encodeURIComponent(url)}`,
      x: `https://x.com/intent/post?url=${encodeURIComponent(url)}&text=Go%20Bob!`,
      linkedin: `https://www.linkedin.com/sharing/share-offsite/?url=${encodeURIComponent(url)}`,
      whatsapp: `https://wa.me/?text=${encodeURIComponent(`Go Bob! ${url}`)}`,
      email: `mailto:?subject=Go%20Bob!&body=${encodeURIComponent(`Go Bob!\n${url}`)}`,
    };
    for (const [channel, href] of Object.entries(expected)) {
      expect(networkUrl(channel as ShareChannel, url, 'Go Bob!')).toBe(href);
    }
  });
});
