import { useState } from 'preact/hooks';
import { api, MILESTONE_METRICS, type Match, type Milestone, type MilestoneMetric, type Pledge } from '../../api';
import { formatMoneyShort, formatNumber, fractionDigits, minorToDecimal, relativeTime, t, type MessageKey } from '../../i18n';
import { describe, fromLocalInput, ID_PATTERN, Message, money, type Note, ratio, toLocalInput, useList, wholeNumber } from './common';

/** One field of a definition form; values travel as the strings the inputs hold. */
interface FieldSpec {
  name: string;
  label: MessageKey;
  kind?: 'text' | 'datetime' | 'select';
  options?: { value: string; label: string }[];
  optional?: boolean;
  inputMode?: 'decimal' | 'numeric';
}

type Values = Record<string, string>;

/**
 * A list of definitions read from the public GET, and a form that PUTs one by id (a new id creates, an
 * existing one is replaced); "Edit" on a line fills the form with it.
 */
function Definitions<T extends { id: string }>({
  title,
  testId,
  load,
  line,
  fields,
  toValues,
  save,
  saveLabel,
}: {
  title: MessageKey;
  testId: string;
  load: () => Promise<T[]>;
  line: (item: T) => preact.ComponentChildren;
  fields: FieldSpec[];
  toValues: (item: T) => Values;
  save: (id: string, values: Values) => Promise<unknown>;
  saveLabel: MessageKey;
}) {
  const { list, error, reload } = useList(load, []);
  const empty = (): Values => Object.fromEntries([['id', ''], ...fields.map((f) => [f.name, f.options?.[0]?.value ?? ''])]);
  const [values, setValues] = useState<Values>(empty());
  const [note, setNote] = useState<Note>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await save(values.id.trim(), values);
      setNote({ text: t('saved'), error: false });
      reload();
    } catch (err) {
      setNote({ text: err instanceof Error && !('problem' in err) ? err.message : describe(err), error: true });
    }
  };
  const set = (name: string) => (e: Event) => setValues({ ...values, [name]: (e.currentTarget as HTMLInputElement).value });
  return (
    <section class="form" aria-labelledby={`${testId}-title`} data-testid={testId}>
      <h3 id={`${testId}-title`}>{t(title)}</h3>
      {error && <Message text={error} error />}
      {list && list.length === 0 && <p>{t('noneYet')}</p>}
      {list && list.length > 0 && (
        <ul class="defs">
          {list.map((item) => (
            <li key={item.id}>
              <strong>{item.id}</strong> {line(item)}
              <button type="button" class="button small secondary" onClick={() => setValues({ id: item.id, ...toValues(item) })}>
                {t('edit')} <span class="sr-only">{item.id}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <form class="form" onSubmit={submit}>
        <label>
          {t('id')}
          <input name={`${testId}-id`} value={values.id} onInput={set('id')} required pattern={ID_PATTERN} />
        </label>
        {fields.map((f) => (
          <label key={f.name}>
            <span>
              {t(f.label)} {f.optional && <span class="muted">{t('optional')}</span>}
            </span>
            {f.kind === 'select' ? (
              <select name={`${testId}-${f.name}`} value={values[f.name]} onChange={set(f.name)}>
                {f.options!.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            ) : f.kind === 'datetime' ? (
              <input name={`${testId}-${f.name}`} type="datetime-local" value={values[f.name]} onInput={set(f.name)} required={!f.optional} />
            ) : (
              <input name={`${testId}-${f.name}`} inputMode={f.inputMode} value={values[f.name]} onInput={set(f.name)} required={!f.optional} />
            )}
          </label>
        ))}
        <button type="submit" class="button">
          {t(saveLabel)}
        </button>
        {note && <Message text={note.text} error={note.error} />}
      </form>
    </section>
  );
}

interface Props {
  token: string;
  campaignId: string;
  currency: string;
}

const amount = (minor: number, currency: string) => minorToDecimal(minor, fractionDigits(currency));

export function Milestones({ token, campaignId, currency }: Props) {
  const isMoney = (metric: string) => metric !== 'shareCount';
  return (
    <Definitions<Milestone>
      title="milestones"
      testId="milestones"
      load={() => api.milestones(campaignId).then((r) => r.milestones)}
      line={(m) => (
        <>
          {m.label} · {t(`metric_${m.metric}`)} {isMoney(m.metric) ? formatMoneyShort(m.threshold, currency) : formatNumber(m.threshold)} ·{' '}
          {m.reachedAt ? t('reachedAt', { when: relativeTime(m.reachedAt, Date.now()) }) : t('notReached')}
        </>
      )}
      fields={[
        { name: 'metric', label: 'metric', kind: 'select', options: MILESTONE_METRICS.map((m) => ({ value: m, label: t(`metric_${m}`) })) },
        { name: 'threshold', label: 'threshold', inputMode: 'decimal' },
        { name: 'label', label: 'label' },
      ]}
      toValues={(m) => ({ metric: m.metric, threshold: isMoney(m.metric) ? amount(m.threshold, currency) : String(m.threshold), label: m.label })}
      save={(id, v) =>
        api.putMilestone(token, campaignId, id, {
          metric: v.metric as MilestoneMetric,
          // money metrics are typed in the currency, shares as a count
          threshold: isMoney(v.metric) ? money(v.threshold, currency, t('threshold')) : wholeNumber(v.threshold, t('threshold')),
          label: v.label,
        })
      }
      saveLabel="saveMilestone"
    />
  );
}

export function Pledges({ token, campaignId, currency }: Props) {
  return (
    <Definitions<Pledge>
      title="pledges"
      testId="pledges"
      load={() => api.pledges(campaignId).then((r) => r.pledges)}
      line={(p) => (
        <>
          {t('pledgePerShare', { sponsor: p.sponsor, perShare: formatMoneyShort(p.perShareMinor, currency) })} ·{' '}
          {t('pledgeEarned', { earned: formatMoneyShort(p.earnedMinor, currency), cap: formatMoneyShort(p.capMinor, currency) })}
        </>
      )}
      fields={[
        { name: 'sponsor', label: 'sponsor' },
        { name: 'perShare', label: 'perShare', inputMode: 'decimal' },
        { name: 'cap', label: 'cap', inputMode: 'decimal' },
        { name: 'bonusAtShares', label: 'bonusAtShares', inputMode: 'numeric', optional: true },
        { name: 'bonusAmount', label: 'bonusAmount', inputMode: 'decimal', optional: true },
      ]}
      toValues={(p) => ({
        sponsor: p.sponsor,
        perShare: amount(p.perShareMinor, currency),
        cap: amount(p.capMinor, currency),
        bonusAtShares: p.bonus ? String(p.bonus.atShares) : '',
        bonusAmount: p.bonus ? amount(p.bonus.amountMinor, currency) : '',
      })}
      save={(id, v) => {
        const bonus =
          v.bonusAtShares.trim() || v.bonusAmount.trim()
            ? { atShares: wholeNumber(v.bonusAtShares, t('bonusAtShares')), amountMinor: money(v.bonusAmount, currency, t('bonusAmount')) }
            : undefined;
        return api.putPledge(token, campaignId, id, {
          sponsor: v.sponsor,
          perShareMinor: money(v.perShare, currency, t('perShare')),
          capMinor: money(v.cap, currency, t('cap')),
          ...(bonus ? { bonus } : {}),
        });
      }}
      saveLabel="savePledge"
    />
  );
}

export function Matches({ token, campaignId, currency }: Props) {
  return (
    <Definitions<Match>
      title="matches"
      testId="matches"
      load={() => api.matches(campaignId).then((r) => r.matches)}
      line={(m) => (
        <>
          {t('matchTitle', { sponsor: m.sponsor, pct: formatNumber(Math.round(m.ratio * 100)) })} ·{' '}
          {t('matchBurn', {
            matched: formatMoneyShort(m.matchedMinor, currency),
            cap: formatMoneyShort(m.capMinor, currency),
            remaining: formatMoneyShort(m.remainingMinor, currency),
          })}{' '}
          · {new Date(m.startsAt).toLocaleString()} – {new Date(m.endsAt).toLocaleString()}
        </>
      )}
      fields={[
        { name: 'sponsor', label: 'sponsor' },
        { name: 'ratio', label: 'ratio', inputMode: 'decimal' },
        { name: 'cap', label: 'cap', inputMode: 'decimal' },
        { name: 'startsAt', label: 'startsAt', kind: 'datetime' },
        { name: 'endsAt', label: 'endsAt', kind: 'datetime' },
      ]}
      toValues={(m) => ({
        sponsor: m.sponsor,
        ratio: String(m.ratio),
        cap: amount(m.capMinor, currency),
        startsAt: toLocalInput(m.startsAt),
        endsAt: toLocalInput(m.endsAt),
      })}
      save={(id, v) =>
        api.putMatch(token, campaignId, id, {
          sponsor: v.sponsor,
          ratio: ratio(v.ratio, t('ratio')),
          capMinor: money(v.cap, currency, t('cap')),
          startsAt: fromLocalInput(v.startsAt, t('startsAt')),
          endsAt: fromLocalInput(v.endsAt, t('endsAt')),
        })
      }
      saveLabel="saveMatch"
    />
  );
}
