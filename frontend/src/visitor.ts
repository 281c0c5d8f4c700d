// What the browser remembers about its visitor, in one place: the random visitor id that share counting
// needs (local storage), the fundraiser whose link brought the visitor (session storage, per campaign),
// the manage tokens of the pages this browser opened (local storage, per campaign and page), and the
// page just opened, to greet its owner once (session storage).

/** The part of Web Storage used here, so tests pass a map. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const VISITOR_ID = /^[A-Za-z0-9_-]{8,64}$/;
const VISITOR_KEY = 'lb.visitor';

/** Storage that may be missing or refuse writes (private mode, disabled cookies): never throws. */
function safe(get: () => StorageLike | undefined): StorageLike {
  const memory = new Map<string, string>();
  const storage = () => {
    try {
      return get();
    } catch {
      return undefined;
    }
  };
  return {
    getItem: (key) => {
      try {
        return storage()?.getItem(key) ?? memory.get(key) ?? null;
      } catch {
        return memory.get(key) ?? null;
      }
    },
    setItem: (key, value) => {
      memory.set(key, value);
      try {
        storage()?.setItem(key, value);
      } catch {
        // the value lasts for this page only
      }
    },
    removeItem: (key) => {
      memory.delete(key);
      try {
        storage()?.removeItem(key);
      } catch {
        // nothing kept
      }
    },
  };
}

export const local = safe(() => (typeof localStorage === 'undefined' ? undefined : localStorage));
export const session = safe(() => (typeof sessionStorage === 'undefined' ? undefined : sessionStorage));

type RandomBytes = (bytes: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer>;

/** 16 random bytes as base64url: 22 characters the share endpoint accepts as a visitor id. */
export function newVisitorId(randomBytes: RandomBytes): string {
  const bytes = randomBytes(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** This browser's visitor id, made once and kept. */
export function visitorId(storage: StorageLike = local, randomBytes: RandomBytes = (b) => crypto.getRandomValues(b)): string {
  const kept = storage.getItem(VISITOR_KEY);
  if (kept && VISITOR_ID.test(kept)) {
    return kept;
  }
  const id = newVisitorId(randomBytes);
  storage.setItem(VISITOR_KEY, id);
  return id;
}

const refKey = (campaignId: string) => `lb.ref:${campaignId}`;

/** Keeps the `ref` of the landing URL (a fundraiser id) for the rest of the visit to that campaign. */
export function captureReferral(campaignId: string, search: string, storage: StorageLike = session): void {
  const ref = new URLSearchParams(search).get('ref');
  if (ref && ID.test(ref)) {
    storage.setItem(refKey(campaignId), ref);
  }
}

export function referral(campaignId: string, storage: StorageLike = session): string | null {
  const ref = storage.getItem(refKey(campaignId));
  return ref && ID.test(ref) ? ref : null;
}

/** The donate link with `ref=<id>` added (or replaced), so the payment side can post it back as referrerId. */
export function withReferral(url: string, ref: string | null): string {
  if (!ref) {
    return url;
  }
  try {
    const u = new URL(url);
    u.searchParams.set('ref', ref);
    return u.toString();
  } catch {
    return url;
  }
}

const manageKey = (campaignId: string, fundraiserId: string) => `lb.manage:${campaignId}:${fundraiserId}`;

export function manageToken(campaignId: string, fundraiserId: string, storage: StorageLike = local): string | null {
  return storage.getItem(manageKey(campaignId, fundraiserId));
}

export function keepManageToken(campaignId: string, fundraiserId: string, token: string, storage: StorageLike = local): void {
  storage.setItem(manageKey(campaignId, fundraiserId), token);
}

export function forgetManageToken(campaignId: string, fundraiserId: string, storage: StorageLike = local): void {
  storage.removeItem(manageKey(campaignId, fundraiserId));
}

const WELCOME_KEY = 'lb.welcome';

export function markWelcome(campaignId: string, fundraiserId: string, storage: StorageLike = session): void {
  storage.setItem(WELCOME_KEY, `${campaignId}/${fundraiserId}`);
}

/** True once, on the page its owner just opened from the join page. */
export function takeWelcome(campaignId: string, fundraiserId: string, storage: StorageLike = session): boolean {
  const welcome = storage.getItem(WELCOME_KEY) === `${campaignId}/${fundraiserId}`;
  if (welcome) {
    storage.removeItem(WELCOME_KEY);
  }
  return welcome;
}
