import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError } from './api';

afterEach(() => vi.unstubAllGlobals());

describe('api', () => {
  it('posts a share without a token, and reads a 429 with its Retry-After', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ type: 'about:blank', title: 'Too Many Requests', status: 429 }), {
      status: 429,
      headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '30' },
    }));
    vi.stubGlobal('fetch', fetch);
    const refused = await api.share('night run', 'bob', { channel: 'x', visitorId: 'v-12345678' }).catch((e) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused.problem).toMatchObject({ status: 429, retryAfter: 30, title: 'Too Many Requests' });
    const [path, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(path).toBe('/api/campaigns/night%20run/fundraisers/bob/shares');
    expect(init.method).toBe('POST');
    expect(init.headers).not.toHaveProperty('Authorization');
    expect(JSON.parse(String(init.body))).toEqual({ channel: 'x', visitorId: 'v-12345678' });
  });

  it('edits a page with its manage token as the bearer', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ id: 'zoe-1a2b', displayName: 'Zoé' }), { status: 200 }));
    vi.stubGlobal('fetch', fetch);
    await api.putFundraiser('manage-secret', 'c', 'zoe-1a2b', { displayName: 'Zoé' });
    const [, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(init.headers).toHaveProperty('Authorization', 'Bearer manage-secret');
  });
});
