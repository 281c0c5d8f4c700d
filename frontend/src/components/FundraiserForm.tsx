import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type FundraiserBody } from '../api';
import { decimalToMinor, fractionDigits, minorToDecimal, t } from '../i18n';

const NAME_MAX = 80;
const STORY_MAX = 2000;

interface Fields {
  displayName: string;
  teamId: string;
  goal: string;
  story: string;
}

/** The campaign's teams for the team choice: the teams board lists every team, from score 0. */
function useTeams(campaignId: string): { id: string; name: string }[] {
  const [teams, setTeams] = useState<{ id: string; name: string }[]>([]);
  useEffect(() => {
    api.board(campaignId, 'teams', 100).then(
      (b) => setTeams(b.entries.map((e) => ({ id: e.id, name: e.name ?? e.id })).sort((a, b) => a.name.localeCompare(b.name))),
      () => setTeams([]),
    );
  }, [campaignId]);
  return teams;
}

/** What a refused request says: a sentence for the form, and the message of each bad field. */
export function problemText(e: unknown, byStatus: Partial<Record<number, string>> = {}): { text: string; fields: Record<string, string> } {
  if (!(e instanceof ApiError)) {
    return { text: String(e), fields: {} };
  }
  const { status, errors, retryAfter } = e.problem;
  const fields: Record<string, string> = {};
  for (const f of errors ?? []) {
    // the API names the goal in minor units; the form asks for it in the currency
    fields[f.field === 'goalMinor' ? 'goal' : f.field] = f.message;
  }
  if (byStatus[status]) {
    return { text: byStatus[status]!, fields };
  }
  if (status === 429) {
    return { text: t('tooManyRequests', { s: retryAfter ?? 60 }), fields };
  }
  if (status === 400 || status === 422) {
    return { text: t('checkForm'), fields };
  }
  return { text: e.message, fields };
}

/**
 * A fundraiser page's own fields (name, team, goal, story), for the join page and "edit my page": the
 * limits the service enforces are the inputs' limits, and a refused field shows its message beside it.
 */
export function FundraiserForm({
  campaignId,
  currency,
  initial,
  submitLabel,
  byStatus,
  onSubmit,
  testId,
}: {
  campaignId: string;
  currency: string;
  initial?: Partial<FundraiserBody>;
  submitLabel: string;
  byStatus?: Partial<Record<number, string>>;
  onSubmit: (body: FundraiserBody) => Promise<unknown>;
  testId: string;
}) {
  const digits = fractionDigits(currency);
  const [fields, setFields] = useState<Fields>({
    displayName: initial?.displayName ?? '',
    teamId: initial?.teamId ?? '',
    goal: initial?.goalMinor ? minorToDecimal(initial.goalMinor, digits) : '',
    story: initial?.story ?? '',
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; fields: Record<string, string> } | null>(null);
  const teams = useTeams(campaignId);
  const set = (name: keyof Fields) => (e: Event) => setFields({ ...fields, [name]: (e.currentTarget as HTMLInputElement).value });
  const submit = (e: Event) => {
    e.preventDefault();
    const goalMinor = fields.goal.trim() ? decimalToMinor(fields.goal, digits) : undefined;
    if (goalMinor === null) {
      setError({ text: t('checkForm'), fields: { goal: `${t('goal')}: ${fields.goal}` } });
      return;
    }
    setBusy(true);
    setError(null);
    onSubmit({
      displayName: fields.displayName.trim(),
      teamId: fields.teamId || undefined,
      goalMinor: goalMinor || undefined,
      story: fields.story.trim() || undefined,
    })
      .catch((err) => setError(problemText(err, byStatus)))
      .finally(() => setBusy(false));
  };
  const invalid = (name: string) => error?.fields[name];
  const fieldError = (name: string) =>
    invalid(name) ? (
      <span class="field-error" id={`${testId}-${name}-error`}>
        {invalid(name)}
      </span>
    ) : null;
  const aria = (name: string) => (invalid(name) ? { 'aria-invalid': true, 'aria-describedby': `${testId}-${name}-error` } : {});
  return (
    <form class="form" onSubmit={submit} data-testid={testId}>
      <label>
        {t('displayName')}
        <input name="displayName" autocomplete="name" value={fields.displayName} onInput={set('displayName')} required maxLength={NAME_MAX} {...aria('displayName')} />
        {fieldError('displayName')}
      </label>
      {teams.length > 0 && (
        <label>
          <span>
            {t('team')} <span class="muted">{t('optional')}</span>
          </span>
          <select name="teamId" value={fields.teamId} onChange={set('teamId')} {...aria('teamId')}>
            <option value="">{t('noTeam')}</option>
            {teams.map((team) => (
              <option key={team.id} value={team.id}>
                {team.name}
              </option>
            ))}
          </select>
          {fieldError('teamId')}
        </label>
      )}
      <label>
        <span>
          {t('goal')} ({currency}) <span class="muted">{t('optional')}</span>
        </span>
        <input name="goal" inputMode="decimal" value={fields.goal} onInput={set('goal')} {...aria('goal')} />
        {fieldError('goal')}
      </label>
      <label>
        <span>
          {t('story')} <span class="muted">{t('optional')}</span>
        </span>
        <textarea name="story" rows={4} value={fields.story} onInput={set('story')} maxLength={STORY_MAX} {...aria('story')} />
        {fieldError('story')}
      </label>
      <button type="submit" class="button" disabled={busy} aria-busy={busy}>
        {submitLabel}
      </button>
      <p role="alert" class="error" data-testid={`${testId}-error`}>
        {error?.text ?? ''}
      </p>
    </form>
  );
}
