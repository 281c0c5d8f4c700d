// What the organizer console's sections share: how a refusal reads, a status line, lists read again on
// demand, and the conversions between form fields and the API's integers and instants.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../api';
import { decimalToMinor, fractionDigits, t } from '../../i18n';

export const ID_PATTERN = '[a-z0-9][a-z0-9\\-]{0,63}';

/** What a failed call says to the organizer: the problem's detail and each bad field, once. */
export function describe(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.problem.status === 401) {
      return t('unauthorized');
    }
    const fields = (e.problem.errors ?? []).map((f) => `${f.field}: ${f.message}`).join('; ');
    // the service's detail already is the bad field when there is only one
    return fields && fields !== e.message ? `${e.message} (${fields})` : e.message;
  }
  return String(e);
}

export type Note = { text: string; error: boolean } | null;

export function Message({ text, error }: { text: string | null; error?: boolean }) {
  return (
    <p role={error ? 'alert' : 'status'} class={error ? 'error' : 'ok'}>
      {text ?? ''}
    </p>
  );
}

/** A list read from the service, read again after each change the console makes. */
export function useList<T>(load: () => Promise<T[]>, deps: unknown[]): { list: T[] | null; error: string | null; reload: () => void } {
  const [list, setList] = useState<T[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    load().then(
      (l) => {
        setList(l);
        setError(null);
      },
      (e) => setError(describe(e)),
    );
  }, [...deps, round]);
  return { list, error, reload: () => setRound((r) => r + 1) };
}

/** An amount typed in the campaign's currency as minor units; throws the field's message when it is not one. */
export function money(text: string, currency: string, field: string): number {
  const minor = decimalToMinor(text, fractionDigits(currency));
  if (minor === null) {
    throw new Error(`${field}: ${text}`);
  }
  return minor;
}

export function wholeNumber(text: string, field: string): number {
  if (!/^\s*\d+\s*$/.test(text)) {
    throw new Error(`${field}: ${text}`);
  }
  return Number(text.trim());
}

/** A ratio of at most two decimals ("1", "0.5", "1,25") as the JSON number the API takes. */
export function ratio(text: string, field: string): number {
  const match = /^\s*(\d+)(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!match) {
    throw new Error(`${field}: ${text}`);
  }
  return Number(`${match[1]}.${match[2] ?? '0'}`);
}

/** An instant as a datetime-local field shows it: the browser's own time zone. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) {
    return '';
  }
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** A datetime-local value (the browser's time zone) as an RFC 3339 UTC instant. */
export function fromLocalInput(value: string, field: string): string {
  const d = new Date(value);
  if (!value || Number.isNaN(d.getTime())) {
    throw new Error(`${field}: ${value}`);
  }
  return d.toISOString().replace(/\.000Z$/, 'Z');
}
