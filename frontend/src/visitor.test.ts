import { describe, expect, it } from 'vitest';
import {
  captureReferral,
  forgetManageToken,
  keepManageToken,
  manageToken,
  markWelcome,
  newVisitorId,
  referral,
  type StorageLike,
  takeWelcome,
  visitorId,
  withReferral,
} from './visitor';

function memory(): StorageLike & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}

describe('visitor id', () => {
  it('is 22 base64url characters the share endpoint accepts', () => {
    const id = newVisitorId((b) => b.fill(255));
    expect(id).toBe('_____________________w');
    expect(id).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
  });

  it('is made once and kept; a kept value the endpoint would refuse is replaced', () => {
    const storage = memory();
    let calls = 0;
    const random = (b: Uint8Array<ArrayBuffer>) => {
      calls++;
      return b.fill(calls);
    };
    const first = visitorId(storage, random);
    expect(visitorId(storage, random)).toBe(first);
    expect(calls).toBe(1);
    storage.setItem('lb.visitor', 'bad id!');
    expect(visitorId(storage, random)).not.toBe('bad id!');
  });
});

describe('referral', () => {
  it('keeps the landing ref per campaign, ignoring what is not a fundraiser id', () => {
    const storage = memory();
    captureReferral('night-run', '?ref=bob&utm_source=x', storage);
    captureReferral('other', '?ref=Not%20An%20Id', storage);
    expect(referral('night-run', storage)).toBe('bob');
    expect(referral('other', storage)).toBeNull();
    // a later page of the visit without ref keeps the first one
    captureReferral('night-run', '', storage);
    expect(referral('night-run', storage)).toBe('bob');
  });

  it('adds ref to the donate link, replacing one already there, keeping the rest', () => {
    expect(withReferral('https://pay.example.org/night-run', 'bob')).toBe('https://pay.example.org/night-run?ref=bob');
    expect(withReferral('https://pay.example.org/p?campaign=1&ref=old#top', 'bob')).toBe('https://pay.example.org/p?campaign=1&ref=bob#top');
    expect(withReferral('https://pay.example.org/p', null)).toBe('https://pay.example.org/p');
  });
});

describe('manage tokens', () => {
  it('are kept per campaign and page', () => {
    const storage = memory();
    keepManageToken('c', 'alice-x1', 'secret', storage);
    expect(manageToken('c', 'alice-x1', storage)).toBe('secret');
    expect(manageToken('c', 'bob', storage)).toBeNull();
    expect(manageToken('d', 'alice-x1', storage)).toBeNull();
    forgetManageToken('c', 'alice-x1', storage);
    expect(manageToken('c', 'alice-x1', storage)).toBeNull();
  });

  it('greet the owner of a page just opened once, on that page only', () => {
    const storage = memory();
    markWelcome('c', 'alice-x1', storage);
    expect(takeWelcome('c', 'bob', storage)).toBe(false);
    expect(takeWelcome('c', 'alice-x1', storage)).toBe(true);
    expect(takeWelcome('c', 'alice-x1', storage)).toBe(false);
  });
});
