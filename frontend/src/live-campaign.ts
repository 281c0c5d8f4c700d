// Wires a page to its campaign: the details from the read API, the live store, and the connection.
import { signal } from '@preact/signals';
import { useEffect, useMemo } from 'preact/hooks';
import { api, ApiError, pollSnapshot, type Campaign } from './api';
import { browserEnvironment, LiveConnection } from './live';
import { createCampaignStore, type CampaignStore } from './store';

export interface LiveCampaign {
  campaign: ReturnType<typeof signal<Campaign | null>>;
  error: ReturnType<typeof signal<string | null>>;
  store: CampaignStore;
}

/** The campaign's details and live state for as long as the page shows it. */
export function useLiveCampaign(campaignId: string, fundraiserId?: string): LiveCampaign {
  const live = useMemo(
    () => ({ campaign: signal<Campaign | null>(null), error: signal<string | null>(null), store: createCampaignStore() }),
    [campaignId, fundraiserId],
  );
  useEffect(() => {
    let cancelled = false;
    api
      .campaign(campaignId)
      .then((c) => {
        if (!cancelled) {
          live.campaign.value = c;
          if (c.totals && !live.store.totals.value) {
            // the first figure painted comes with the page's details, before the stream opens
            live.store.totals.value = c.totals;
          }
        }
      })
      .catch((e: ApiError) => {
        if (!cancelled) {
          live.error.value = e.message;
        }
      });
    const connection = new LiveConnection(
      {
        campaignId,
        fundraiserId,
        onMessage: live.store.apply,
        onPolled: live.store.applyPolled,
        onStatus: (status, transport) => {
          live.store.status.value = status;
          live.store.transport.value = transport;
        },
      },
      browserEnvironment(() => pollSnapshot(campaignId, fundraiserId)),
    );
    connection.start();
    return () => {
      cancelled = true;
      connection.stop();
    };
  }, [live]);
  return live;
}

/** The current time, refreshed every 30 s, for "2 minutes ago". */
export const now = signal(Date.now());
if (typeof window !== 'undefined') {
  window.setInterval(() => (now.value = Date.now()), 30_000);
}
