import { useEffect, useState } from 'preact/hooks';
import { api, type Campaign, type CampaignSummary } from '../api';
import { Header } from '../components/Header';
import { decimalToMinor, formatMoney, fractionDigits, minorToDecimal, t } from '../i18n';
import { describe, fromLocalInput, Message, toLocalInput } from './organizer/common';
import { Moderation } from './organizer/Moderation';
import { Matches, Milestones, Pledges } from './organizer/Sponsoring';

const TOKEN_KEY = 'lb.organizerToken';

function storedToken(): string {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

/** The organizer console: the token lives in this tab's session storage, never in a URL. */
export default function OrganizerPage() {
  const [token, setToken] = useState(storedToken());
  const [editing, setEditing] = useState<string | null>(null);
  const signOut = () => {
    sessionStorage.removeItem(TOKEN_KEY);
    setToken('');
  };
  return (
    <>
      <Header />
      <main class="page organizer-page">
        <h1>{t('organizerConsole')}</h1>
        {!token ? (
          <SignIn
            onToken={(value) => {
              sessionStorage.setItem(TOKEN_KEY, value);
              setToken(value);
            }}
          />
        ) : (
          <>
            <button type="button" class="button secondary" onClick={signOut}>
              {t('signOut')}
            </button>
            {editing === null ? (
              <Campaigns token={token} onEdit={setEditing} />
            ) : (
              <EditCampaign token={token} id={editing} onDone={() => setEditing(null)} />
            )}
          </>
        )}
      </main>
    </>
  );
}

function SignIn({ onToken }: { onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="form"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim()) {
          onToken(value.trim());
        }
      }}
    >
      <label>
        {t('token')}
        <input type="password" name="token" autocomplete="off" value={value} onInput={(e) => setValue(e.currentTarget.value)} required />
      </label>
      <p class="help">{t('tokenHelp')}</p>
      <button type="submit" class="button">
        {t('signIn')}
      </button>
    </form>
  );
}

function Campaigns({ token, onEdit }: { token: string; onEdit: (id: string) => void }) {
  const [list, setList] = useState<CampaignSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [openId, setOpenId] = useState('');
  const [rebuilt, setRebuilt] = useState<string | null>(null);
  useEffect(() => {
    api.campaigns(token).then(
      (r) => setList(r.campaigns),
      (e) => setError(t('listUnavailable', { detail: describe(e) })),
    );
  }, [token]);
  const rebuild = () =>
    api.rebuild(token).then(
      (r) => setRebuilt(t('rebuilt', { campaigns: r.campaigns, events: r.events })),
      (e) => setRebuilt(describe(e)),
    );
  return (
    <>
      <section aria-labelledby="campaigns-title">
        <h2 id="campaigns-title">{t('campaigns')}</h2>
        {error && <Message text={error} error />}
        {list && list.length === 0 && <p>{t('noCampaigns')}</p>}
        {list && list.length > 0 && (
          <table class="table" data-testid="campaign-list">
            <thead>
              <tr>
                <th scope="col">{t('title')}</th>
                <th scope="col">{t('raised')}</th>
                <th scope="col">{t('goal')}</th>
                <th scope="col">{t('actions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <tr key={c.id}>
                  <th scope="row">
                    {c.title} <span class="muted">({c.id})</span>
                  </th>
                  <td>{c.raisedMinor === null ? '—' : formatMoney(c.raisedMinor, c.currency)}</td>
                  <td>{formatMoney(c.goalMinor, c.currency, undefined, true)}</td>
                  <td class="row-actions">
                    <button type="button" class="button small" onClick={() => onEdit(c.id)}>
                      {t('edit')}
                    </button>
                    <a href={`/c/${encodeURIComponent(c.id)}`}>{t('livePage')}</a>
                    <a href={`/c/${encodeURIComponent(c.id)}/screen`}>{t('bigScreen')}</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <div class="row">
        <button type="button" class="button" onClick={() => onEdit('')}>
          {t('newCampaign')}
        </button>
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (openId.trim()) {
              onEdit(openId.trim());
            }
          }}
        >
          <label>
            {t('openCampaign')}
            <input name="openId" value={openId} onInput={(e) => setOpenId(e.currentTarget.value)} pattern="[a-z0-9][a-z0-9\-]{0,63}" />
          </label>
          <button type="submit" class="button secondary">
            {t('open')}
          </button>
        </form>
      </div>
      <section>
        <button type="button" class="button secondary" onClick={rebuild}>
          {t('rebuild')}
        </button>
        <Message text={rebuilt} />
      </section>
    </>
  );
}

interface CampaignForm {
  id: string;
  title: string;
  story: string;
  currency: string;
  goal: string;
  donateUrl: string;
  endsAt: string;
  openSignup: boolean;
}

function toForm(c: Campaign | null, id: string): CampaignForm {
  return {
    id,
    title: c?.title ?? '',
    story: c?.story ?? '',
    currency: c?.currency ?? 'EUR',
    goal: c ? minorToDecimal(c.goalMinor, fractionDigits(c.currency)) : '',
    donateUrl: c?.donateUrl ?? '',
    endsAt: toLocalInput(c?.endsAt),
    openSignup: c?.openSignup ?? false,
  };
}

function EditCampaign({ token, id, onDone }: { token: string; id: string; onDone: () => void }) {
  const [form, setForm] = useState<CampaignForm>(toForm(null, id));
  const [saved, setSaved] = useState<Campaign | null>(null);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  useEffect(() => {
    if (id) {
      api.campaign(id).then(
        (c) => {
          setForm(toForm(c, id));
          setSaved(c);
        },
        () => undefined,
      );
    }
  }, [id]);
  const field = (name: keyof CampaignForm) => (e: Event) => {
    const target = e.currentTarget as HTMLInputElement;
    setForm({ ...form, [name]: target.type === 'checkbox' ? target.checked : target.value });
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    let currency = form.currency.trim().toUpperCase();
    let goalMinor: number | null;
    try {
      goalMinor = decimalToMinor(form.goal, fractionDigits(currency));
    } catch {
      setMessage({ text: `${t('currency')}: ${currency}`, error: true });
      return;
    }
    if (goalMinor === null) {
      setMessage({ text: `${t('goal')}: ${form.goal}`, error: true });
      return;
    }
    try {
      const c = await api.putCampaign(token, form.id.trim(), {
        title: form.title,
        story: form.story || undefined,
        currency,
        goalMinor,
        endsAt: form.endsAt ? fromLocalInput(form.endsAt, t('endsAt')) : undefined,
        openSignup: form.openSignup,
        donateUrl: form.donateUrl || undefined,
      });
      setSaved(c);
      setMessage({ text: t('saved'), error: false });
    } catch (err) {
      setMessage({ text: describe(err), error: true });
    }
  };
  return (
    <section aria-labelledby="edit-title">
      <h2 id="edit-title">{id ? t('editCampaign', { id }) : t('newCampaign')}</h2>
      <form class="form" onSubmit={submit} data-testid="campaign-form">
        <label>
          {t('id')}
          <input name="id" value={form.id} onInput={field('id')} readOnly={!!id} required pattern="[a-z0-9][a-z0-9\-]{0,63}" />
        </label>
        <label>
          {t('title')}
          <input name="title" value={form.title} onInput={field('title')} required />
        </label>
        <label>
          {t('currency')}
          <input name="currency" value={form.currency} onInput={field('currency')} required pattern="[A-Za-z]{3}" readOnly={!!saved} />
        </label>
        <label>
          {t('goal')}
          <input name="goal" value={form.goal} onInput={field('goal')} required inputMode="decimal" />
        </label>
        <label>
          {t('donateUrl')}
          <input name="donateUrl" type="url" value={form.donateUrl} onInput={field('donateUrl')} pattern="https://.*" />
        </label>
        <label>
          {t('endsAt')}
          <input name="endsAt" type="datetime-local" value={form.endsAt} onInput={field('endsAt')} />
        </label>
        <label>
          {t('story')}
          <textarea name="story" rows={4} value={form.story} onInput={field('story')} />
        </label>
        <label class="check">
          <input name="openSignup" type="checkbox" checked={form.openSignup} onChange={field('openSignup')} />
          {t('openSignup')}
        </label>
        <div class="row">
          <button type="submit" class="button">
            {saved ? t('save') : t('create')}
          </button>
          <button type="button" class="button secondary" onClick={onDone}>
            {t('campaigns')}
          </button>
        </div>
        {message && <Message text={message.text} error={message.error} />}
      </form>
      {saved && (
        <>
          <p class="row">
            <a href={`/c/${encodeURIComponent(saved.id)}`} data-testid="live-link">
              {t('livePage')}
            </a>
            <a href={`/c/${encodeURIComponent(saved.id)}/screen`}>{t('bigScreen')}</a>
          </p>
          <TeamForm token={token} campaignId={saved.id} />
          <FundraiserForm token={token} campaignId={saved.id} currency={saved.currency} />
          <Moderation token={token} campaignId={saved.id} currency={saved.currency} />
          <Milestones token={token} campaignId={saved.id} currency={saved.currency} />
          <Pledges token={token} campaignId={saved.id} currency={saved.currency} />
          <Matches token={token} campaignId={saved.id} currency={saved.currency} />
        </>
      )}
    </section>
  );
}

function TeamForm({ token, campaignId }: { token: string; campaignId: string }) {
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  return (
    <form
      class="form"
      data-testid="team-form"
      onSubmit={(e) => {
        e.preventDefault();
        api.putTeam(token, campaignId, id.trim(), { name }).then(
          () => setMessage({ text: t('saved'), error: false }),
          (err) => setMessage({ text: describe(err), error: true }),
        );
      }}
    >
      <h3>{t('teams')}</h3>
      <label>
        {t('id')}
        <input name="teamId" value={id} onInput={(e) => setId(e.currentTarget.value)} required pattern="[a-z0-9][a-z0-9\-]{0,63}" />
      </label>
      <label>
        {t('name')}
        <input name="teamName" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      </label>
      <button type="submit" class="button">
        {t('addTeam')}
      </button>
      {message && <Message text={message.text} error={message.error} />}
    </form>
  );
}

function FundraiserForm({ token, campaignId, currency }: { token: string; campaignId: string; currency: string }) {
  const [f, setF] = useState({ id: '', displayName: '', teamId: '', goal: '', story: '' });
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const set = (name: keyof typeof f) => (e: Event) => setF({ ...f, [name]: (e.currentTarget as HTMLInputElement).value });
  return (
    <form
      class="form"
      data-testid="fundraiser-form"
      onSubmit={(e) => {
        e.preventDefault();
        const goalMinor = f.goal ? decimalToMinor(f.goal, fractionDigits(currency)) : undefined;
        if (goalMinor === null) {
          setMessage({ text: `${t('goal')}: ${f.goal}`, error: true });
          return;
        }
        api
          .putFundraiser(token, campaignId, f.id.trim(), {
            displayName: f.displayName,
            teamId: f.teamId.trim() || undefined,
            goalMinor,
            story: f.story || undefined,
          })
          .then(
            () => setMessage({ text: t('saved'), error: false }),
            (err) => setMessage({ text: describe(err), error: true }),
          );
      }}
    >
      <h3>{t('fundraisers')}</h3>
      <label>
        {t('id')}
        <input name="fundraiserId" value={f.id} onInput={set('id')} required pattern="[a-z0-9][a-z0-9\-]{0,63}" />
      </label>
      <label>
        {t('name')}
        <input name="displayName" value={f.displayName} onInput={set('displayName')} required />
      </label>
      <label>
        {t('team')}
        <input name="fundraiserTeam" value={f.teamId} onInput={set('teamId')} placeholder={t('noTeam')} />
      </label>
      <label>
        {t('goal')}
        <input name="fundraiserGoal" value={f.goal} onInput={set('goal')} inputMode="decimal" />
      </label>
      <label>
        {t('story')}
        <textarea name="fundraiserStory" rows={3} value={f.story} onInput={set('story')} />
      </label>
      <button type="submit" class="button">
        {t('addFundraiser')}
      </button>
      {message && <Message text={message.text} error={message.error} />}
    </form>
  );
}
