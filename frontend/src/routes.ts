// Which page a path shows (API.md "Pages").

export type Route =
  | { page: 'campaign'; campaignId: string }
  | { page: 'fundraiser'; campaignId: string; fundraiserId: string }
  | { page: 'screen'; campaignId: string }
  | { page: 'join'; campaignId: string }
  | { page: 'organizer' }
  | { page: 'home' };

const ID = '([a-z0-9][a-z0-9-]{0,63})';

export function route(path: string): Route | null {
  const p = path.replace(/\/+$/, '') || '/';
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^/c/${ID}$`).exec(p))) return { page: 'campaign', campaignId: m[1] };
  if ((m = new RegExp(`^/c/${ID}/f/${ID}$`).exec(p))) return { page: 'fundraiser', campaignId: m[1], fundraiserId: m[2] };
  if ((m = new RegExp(`^/c/${ID}/screen$`).exec(p))) return { page: 'screen', campaignId: m[1] };
  if ((m = new RegExp(`^/c/${ID}/join$`).exec(p))) return { page: 'join', campaignId: m[1] };
  if (p === '/organizer') return { page: 'organizer' };
  if (p === '/') return { page: 'home' };
  return null;
}
