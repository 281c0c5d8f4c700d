// Every call to the service's HTTP API, and the shapes it answers (API.md).

export type BoardName = 'fundraisers' | 'teams' | 'sharers' | 'trending' | 'referrals';
export const BOARDS: BoardName[] = ['fundraisers', 'teams', 'sharers', 'trending', 'referrals'];

export interface Totals {
  campaignId: string;
  currency: string;
  goalMinor: number;
  raisedMinor: number;
  donationCount: number;
  refundedMinor: number;
  shareCount: number;
  /** Pledges earned plus matches matched (absent from a service before issue 17). */
  sponsorMinor?: number;
  /** raisedMinor + sponsorMinor. */
  grandTotalMinor?: number;
  updatedAt: string | null;
}

export type MilestoneMetric = 'raisedMinor' | 'grandTotalMinor' | 'shareCount';
export const MILESTONE_METRICS: MilestoneMetric[] = ['raisedMinor', 'grandTotalMinor', 'shareCount'];

export interface Milestone {
  id: string;
  metric: MilestoneMetric;
  threshold: number;
  label: string;
  reachedAt: string | null;
}

export interface PledgeBonus {
  atShares: number;
  amountMinor: number;
}

export interface Pledge {
  id: string;
  sponsor: string;
  perShareMinor: number;
  capMinor: number;
  bonus: PledgeBonus | null;
  shareCount: number;
  earnedMinor: number;
  remainingMinor: number;
  bonusPaid: boolean;
}

export interface Match {
  id: string;
  sponsor: string;
  ratio: number;
  capMinor: number;
  startsAt: string;
  endsAt: string;
  matchedMinor: number;
  remainingMinor: number;
}

/** A donation carrying a message, as the moderation queue lists it. */
export interface ModeratedMessage {
  eventId: string;
  name: string | null;
  amountMinor: number;
  message: string;
  fundraiserId?: string | null;
  at: string | null;
  hidden: boolean;
}

export type ShareChannel = 'facebook' | 'x' | 'linkedin' | 'whatsapp' | 'email' | 'link' | 'other';

export interface ShareAnswer {
  counted: boolean;
  shareUrl: string;
  referralCode: string;
}

export interface FundraiserBody {
  displayName: string;
  teamId?: string;
  goalMinor?: number;
  story?: string;
}

export interface BoardEntry {
  rank: number;
  id: string;
  name: string | null;
  score: number;
}

export interface FeedEntry {
  eventId: string;
  name: string | null;
  amountMinor: number;
  message?: string;
  fundraiserId?: string;
  at: string | null;
}

export interface Ahead {
  id: string;
  name: string | null;
  score: number;
  gapMinor: number;
}

export interface Standing {
  id?: string;
  name?: string | null;
  rank: number;
  raisedMinor: number;
  shareCount: number;
  ahead: Ahead | null;
  /** Money given by donors who came through this fundraiser's share links (the referrals board's score). */
  referredMinor?: number;
}

export interface Campaign {
  id: string;
  title: string;
  story?: string | null;
  currency: string;
  goalMinor: number;
  endsAt?: string | null;
  openSignup?: boolean;
  donateUrl?: string | null;
  /** Set on the campaign demo mode drives: pages show a badge. */
  demo?: boolean;
  totals?: Totals;
}

export interface Fundraiser extends Standing {
  id: string;
  campaignId?: string;
  displayName: string;
  teamId?: string | null;
  goalMinor?: number | null;
  story?: string | null;
}

export interface CampaignSummary {
  id: string;
  title: string;
  currency: string;
  goalMinor: number;
  /** Null while the live figures are being rebuilt. */
  raisedMinor: number | null;
  donationCount?: number | null;
}

export interface Problem {
  status: number;
  type?: string;
  title?: string;
  detail?: string;
  errors?: { field: string; message: string }[];
  /** Seconds, from a 429's or 503's Retry-After header. */
  retryAfter?: number;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
  }
}

async function call<T>(method: string, path: string, token?: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError({ status: 0, detail: String(e) });
  }
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const problem = (json && typeof json === 'object' ? json : {}) as Problem;
    const retryAfter = Number(response.headers.get('Retry-After'));
    throw new ApiError({
      ...problem,
      status: response.status,
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfter } : {}),
    });
  }
  return json as T;
}

const enc = encodeURIComponent;

const prefetched = new Map<string, Promise<Campaign>>();

/**
 * Starts reading a campaign's details (with its totals) while the page's code still loads, so the
 * first total is painted one round trip sooner; the page then takes this answer.
 */
export function prefetchCampaign(c: string): void {
  const request = call<Campaign>('GET', `/api/campaigns/${enc(c)}`);
  request.catch(() => undefined);
  prefetched.set(c, request);
}

function campaignOnce(c: string): Promise<Campaign> {
  const early = prefetched.get(c);
  prefetched.delete(c);
  return early ?? call<Campaign>('GET', `/api/campaigns/${enc(c)}`);
}

export const api = {
  campaign: (c: string) => campaignOnce(c),
  totals: (c: string) => call<Totals>('GET', `/api/campaigns/${enc(c)}/totals`),
  board: (c: string, board: BoardName, limit = 10) =>
    call<{ board: string; entries: BoardEntry[] }>('GET', `/api/campaigns/${enc(c)}/leaderboards/${board}?limit=${limit}`),
  fundraiser: (c: string, f: string) => call<Fundraiser>('GET', `/api/campaigns/${enc(c)}/fundraisers/${enc(f)}`),
  feed: (c: string, limit = 20) => call<{ entries: FeedEntry[] }>('GET', `/api/campaigns/${enc(c)}/feed?limit=${limit}`),

  campaigns: (token: string) => call<{ campaigns: CampaignSummary[] }>('GET', '/api/campaigns', token),
  putCampaign: (token: string, c: string, body: Omit<Campaign, 'id' | 'totals' | 'demo'>) =>
    call<Campaign>('PUT', `/api/campaigns/${enc(c)}`, token, body),
  putTeam: (token: string, c: string, team: string, body: { name: string }) =>
    call<unknown>('PUT', `/api/campaigns/${enc(c)}/teams/${enc(team)}`, token, body),
  /** With the organizer token, or the page's own manage token. */
  putFundraiser: (token: string, c: string, f: string, body: FundraiserBody) =>
    call<Fundraiser>('PUT', `/api/campaigns/${enc(c)}/fundraisers/${enc(f)}`, token, body),
  rebuild: (token: string) => call<{ campaigns: number; events: number }>('POST', '/api/admin/rebuild', token),

  milestones: (c: string) => call<{ milestones: Milestone[] }>('GET', `/api/campaigns/${enc(c)}/milestones`),
  pledges: (c: string) => call<{ pledges: Pledge[] }>('GET', `/api/campaigns/${enc(c)}/pledges`),
  matches: (c: string) => call<{ matches: Match[] }>('GET', `/api/campaigns/${enc(c)}/matches`),
  putMilestone: (token: string, c: string, m: string, body: Pick<Milestone, 'metric' | 'threshold' | 'label'>) =>
    call<Milestone>('PUT', `/api/campaigns/${enc(c)}/milestones/${enc(m)}`, token, body),
  putPledge: (token: string, c: string, p: string, body: Pick<Pledge, 'sponsor' | 'perShareMinor' | 'capMinor'> & { bonus?: PledgeBonus }) =>
    call<Pledge>('PUT', `/api/campaigns/${enc(c)}/pledges/${enc(p)}`, token, body),
  putMatch: (token: string, c: string, m: string, body: Pick<Match, 'sponsor' | 'ratio' | 'capMinor' | 'startsAt' | 'endsAt'>) =>
    call<Match>('PUT', `/api/campaigns/${enc(c)}/matches/${enc(m)}`, token, body),
  messages: (token: string, c: string, limit = 50) =>
    call<{ messages: ModeratedMessage[] }>('GET', `/api/campaigns/${enc(c)}/messages?limit=${limit}`, token),
  moderate: (token: string, c: string, eventId: string, hide: boolean) =>
    call<{ eventId: string; hidden: boolean }>('POST', `/api/campaigns/${enc(c)}/feed/${enc(eventId)}/${hide ? 'hide' : 'unhide'}`, token),

  /** Self-service page (campaigns with openSignup); the manage token is shown once. */
  openFundraiser: (c: string, body: FundraiserBody) =>
    call<{ id: string; manageToken: string; fundraiser: Fundraiser }>('POST', `/api/campaigns/${enc(c)}/fundraisers`, undefined, body),
  share: (c: string, f: string, body: { channel: ShareChannel; visitorId: string }) =>
    call<ShareAnswer>('POST', `/api/campaigns/${enc(c)}/fundraisers/${enc(f)}/shares`, undefined, body),
};

/** The snapshot-shaped message the live page gets from the read API when no stream gets through. */
export async function pollSnapshot(c: string, f?: string): Promise<PolledState> {
  const [totals, feed, milestones, pledges, matches, ...boards] = await Promise.all([
    api.totals(c),
    api.feed(c),
    api.milestones(c),
    api.pledges(c),
    api.matches(c),
    ...BOARDS.map((b) => api.board(c, b)),
  ]);
  const standing = f ? await api.fundraiser(c, f) : undefined;
  const leaderboards = {} as Record<BoardName, BoardEntry[]>;
  BOARDS.forEach((b, i) => (leaderboards[b] = boards[i].entries));
  return {
    totals,
    feed: feed.entries,
    leaderboards,
    standing,
    milestones: milestones.milestones,
    pledges: pledges.pledges,
    matches: matches.matches,
  };
}

export interface PolledState {
  totals: Totals;
  feed: FeedEntry[];
  leaderboards: Record<BoardName, BoardEntry[]>;
  standing?: Standing;
  milestones?: Milestone[];
  pledges?: Pledge[];
  matches?: Match[];
}
