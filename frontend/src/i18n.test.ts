import { describe, expect, it } from 'vitest';
import { decimalToMinor, formatDuration, formatMoney, formatMoneyShort, fractionDigits, initialLang, lang, minorToDecimal, percentOf, relativeTime, t } from './i18n';

const nbsp = /[\u00a0\u202f]/g;

describe('money', () => {
  it('formats minor units in the currency and locale', () => {
    expect(formatMoney(123456, 'EUR', 'en')).toBe('€1,234.56');
    expect(formatMoney(123456, 'EUR', 'fr-FR').replace(nbsp, ' ')).toBe('1 234,56 €');
    expect(formatMoney(5000, 'JPY', 'en')).toBe('¥5,000');
    expect(formatMoney(-250, 'USD', 'en-US')).toBe('-$2.50');
  });

  it('rounds to whole units for big figures only when asked', () => {
    expect(formatMoney(500000, 'EUR', 'en', true)).toBe('€5,000');
  });

  it('keeps amounts past 2^53 minor units exact', () => {
    expect(minorToDecimal(12345678901234567890n, 2)).toBe('123456789012345678.90');
    expect(minorToDecimal(5, 2)).toBe('0.05');
    expect(minorToDecimal(-5, 3)).toBe('-0.005');
    expect(minorToDecimal(42, 0)).toBe('42');
  });

  it('knows the minor units of each currency', () => {
    expect(fractionDigits('EUR')).toBe(2);
    expect(fractionDigits('JPY')).toBe(0);
    expect(fractionDigits('KWD')).toBe(3);
  });

  it('reads amounts typed by people without floating point', () => {
    expect(decimalToMinor('12', 2)).toBe(1200);
    expect(decimalToMinor('12.5', 2)).toBe(1250);
    expect(decimalToMinor('0,07', 2)).toBe(7);
    expect(decimalToMinor('12.345', 2)).toBeNull();
    expect(decimalToMinor('-3', 2)).toBeNull();
    expect(decimalToMinor('abc', 2)).toBeNull();
    expect(decimalToMinor('500', 0)).toBe(500);
  });

  it('leaves the fraction out of round amounts only, as offers are said', () => {
    expect(formatMoneyShort(50, 'EUR', 'en')).toBe('€0.50');
    expect(formatMoneyShort(100000, 'EUR', 'en')).toBe('€1,000');
    expect(formatMoneyShort(31250, 'EUR', 'fr-FR').replace(nbsp, ' ')).toBe('312,50 €');
    expect(formatMoneyShort(400, 'JPY', 'en')).toBe('¥400');
  });

  it('floors the percentage of the goal', () => {
    expect(percentOf(9999, 10000)).toBe(99);
    expect(percentOf(25000, 10000)).toBe(250);
    expect(percentOf(10, 0)).toBe(0);
  });
});

describe('language', () => {
  it('follows the browser unless the visitor chose', () => {
    expect(initialLang(null, ['fr-CA', 'en'])).toBe('fr');
    expect(initialLang(null, ['de-DE', 'en-GB'])).toBe('en');
    expect(initialLang(null, ['de-DE'])).toBe('en');
    expect(initialLang('fr', ['en-US'])).toBe('fr');
    expect(initialLang('xx', ['fr'])).toBe('fr');
  });

  it('says how long ago in the locale', () => {
    const now = Date.parse('2026-11-21T20:15:00Z');
    expect(relativeTime('2026-11-21T20:14:50Z', now, 'en')).toBe('now');
    expect(relativeTime('2026-11-21T20:10:00Z', now, 'en')).toBe('5 minutes ago');
    expect(relativeTime('2026-11-21T20:10:00Z', now, 'fr')).toBe('il y a 5 minutes');
    expect(relativeTime('2026-11-21T17:15:00Z', now, 'en')).toBe('3 hours ago');
    expect(relativeTime(null, now, 'en')).toBe('');
  });
});

describe('messages', () => {
  it('say a time left with its two largest units, in both languages', () => {
    lang.value = 'en';
    expect(formatDuration({ days: 0, hours: 1, minutes: 5, seconds: 7 })).toBe('1 h 05 min');
    expect(formatDuration({ days: 0, hours: 0, minutes: 4, seconds: 7 })).toBe('4 min 07 s');
    expect(formatDuration({ days: 2, hours: 3, minutes: 0, seconds: 0 })).toBe('2 d 03 h');
    lang.value = 'fr';
    expect(formatDuration({ days: 2, hours: 3, minutes: 0, seconds: 0 })).toBe('2 j 03 h');
    expect(t('pledgePerShare', { sponsor: 'Acme', perShare: '0,50 €' })).toBe('Acme : chaque partage rapporte 0,50 €');
    lang.value = 'en';
    expect(t('pledgeEarned', { earned: '€312', cap: '€1,000' })).toBe('€312 of €1,000 earned');
  });
});
