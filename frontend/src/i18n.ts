// The messages of both languages, the chosen language, and locale-aware formatting of money and time.
import { signal } from '@preact/signals';

export type Lang = 'en' | 'fr';

const en = {
  appName: 'Leaderboard',
  raisedOf: 'raised of {goal}',
  percentOfGoal: '{pct}% of the goal',
  donations: '{n} donations',
  oneDonation: '1 donation',
  donate: 'Donate',
  donateUnavailable: 'Donations open soon',
  share: 'Share',
  shareTitle: 'Share this page',
  shareNative: 'Share…',
  copyLink: 'Copy link',
  copied: 'Link copied',
  email: 'Email',
  shareText: 'Support {title}!',
  feedTitle: 'Latest gifts',
  feedEmpty: 'No gifts yet: be the first!',
  anonymous: 'Anonymous',
  boardsTitle: 'Leaderboards',
  board_fundraisers: 'Fundraisers',
  board_teams: 'Teams',
  board_sharers: 'Sharers',
  board_trending: 'Trending',
  boardEmpty: 'Nobody on this board yet.',
  rank: 'Rank',
  movedUp: 'up {n}',
  movedDown: 'down {n}',
  newEntry: 'new',
  shares: '{n} shares',
  status_connecting: 'Connecting…',
  status_live: 'Live',
  status_reconnecting: 'Reconnecting…',
  status_polling: 'Updating every few seconds',
  demo: 'demo',
  demoNote: 'Demo campaign: the gifts are simulated.',
  goalReached: 'Goal reached! Thank you!',
  fundraiserRaised: 'raised of a {goal} goal',
  fundraiserRaisedNoGoal: 'raised',
  rankOf: 'Rank #{rank}',
  toOvertake: '{gap} to overtake {name}',
  firstPlace: 'In first place!',
  onCampaign: 'Fundraising for {title}',
  backToCampaign: 'See the whole campaign',
  scanToGive: 'Scan to give',
  fullScreen: 'Full screen',
  notOpen: 'Self-signup is not open for this campaign yet.',
  joinTitle: 'Open my fundraiser page',
  joinIntro: 'Raise money for {title} with your own page, then share it with friends.',
  displayName: 'Your name',
  story: 'Story',
  goal: 'Goal',
  team: 'Team',
  create: 'Create',
  save: 'Save',
  loading: 'Loading…',
  loadFailed: 'The page could not load: {detail}',
  retry: 'Retry',
  language: 'Language',
  home: 'Campaigns are shared as links: /c/your-campaign.',
  seeDemo: 'See the demo campaign',
  organizerConsole: 'Organizer console',
  // organizer console
  token: 'Organizer token',
  signIn: 'Sign in',
  signOut: 'Sign out',
  tokenHelp: 'Kept in this tab only (session storage), never in a link.',
  campaigns: 'Campaigns',
  noCampaigns: 'No campaign yet.',
  listUnavailable: 'The campaign list is not available: {detail}',
  newCampaign: 'New campaign',
  editCampaign: 'Edit campaign {id}',
  openCampaign: 'Open a campaign by id',
  open: 'Open',
  id: 'Id',
  title: 'Title',
  currency: 'Currency',
  donateUrl: 'Donate link (https://)',
  endsAt: 'Ends at',
  openSignup: 'Open signup',
  teams: 'Teams',
  fundraisers: 'Fundraisers',
  name: 'Name',
  addTeam: 'Save team',
  addFundraiser: 'Save fundraiser',
  noTeam: 'No team',
  rebuild: 'Rebuild live figures',
  rebuilt: 'Rebuilt {campaigns} campaigns from {events} events.',
  saved: 'Saved.',
  livePage: 'Live page',
  bigScreen: 'Big screen',
  raised: 'Raised',
  actions: 'Actions',
  edit: 'Edit',
  unauthorized: 'The token was refused.',
  // viral mechanics
  board_referrals: 'Referrals',
  totalSplit: '{donors} from donors + {sponsors} from sponsors',
  nextMilestone: 'Next milestone:',
  milestoneProgress_raisedMinor: '{value} of {threshold} raised',
  milestoneProgress_grandTotalMinor: '{value} of {threshold} with sponsors',
  milestoneProgress_shareCount: '{value} of {threshold} shares',
  milestoneReached: 'Milestone reached: {label}!',
  close: 'Close',
  sponsorsTitle: 'Sponsors',
  pledgePerShare: '{sponsor}: every share gives {perShare}',
  pledgeEarned: '{earned} of {cap} earned',
  pledgeBonusAt: 'bonus {amount} at {shares} shares',
  pledgeBonusPaid: 'bonus {amount} earned!',
  matchTitle: '{sponsor} adds {pct}% to every gift',
  matchBurn: '{matched} of {cap} matched, {remaining} left',
  timeLeft: '{time} left',
  durationDays: '{d} d {h} h',
  durationHours: '{h} h {m} min',
  durationMinutes: '{m} min {s} s',
  shareThanks: 'Thanks for sharing!',
  shareRateLimited: 'Many shares from your network just now: this one may not count. Try again in {s} s.',
  shareNotCounted: 'Your share could not be counted, but your link works.',
  broughtByYou: 'You brought {amount} through your share links',
  broughtBy: '{name} brought {amount} through share links',
  optional: '(optional)',
  tooManyRequests: 'Too many requests from your network: try again in {s} s.',
  checkForm: 'Please check the form.',
  pageOpened: 'Your page is open! Share it with your friends.',
  editMyPage: 'Edit my page',
  manageKeyNote: 'This browser keeps the key to edit your page: open it from here.',
  manageRefused: 'This browser can no longer edit this page.',
  joinCta: 'Open my own fundraiser page',
  moderation: 'Moderation',
  noMessages: 'No message yet.',
  hide: 'Hide',
  unhide: 'Show again',
  hiddenLabel: 'hidden',
  refresh: 'Refresh',
  milestones: 'Milestones',
  metric: 'Metric',
  metric_raisedMinor: 'Raised by donors',
  metric_grandTotalMinor: 'Grand total (with sponsors)',
  metric_shareCount: 'Shares',
  threshold: 'Threshold',
  label: 'Label',
  saveMilestone: 'Save milestone',
  reachedAt: 'reached {when}',
  notReached: 'not reached',
  pledges: 'Pledges per share',
  sponsor: 'Sponsor',
  perShare: 'Per share',
  cap: 'Cap',
  bonusAtShares: 'Bonus at shares',
  bonusAmount: 'Bonus amount',
  savePledge: 'Save pledge',
  matches: 'Matching gifts',
  ratio: 'Ratio (1 = doubled)',
  startsAt: 'Starts at',
  saveMatch: 'Save matching gift',
  noneYet: 'None yet.',
};

export type MessageKey = keyof typeof en;

const fr: Record<MessageKey, string> = {
  appName: 'Leaderboard',
  raisedOf: 'collectés sur {goal}',
  percentOfGoal: '{pct} % de l’objectif',
  donations: '{n} dons',
  oneDonation: '1 don',
  donate: 'Faire un don',
  donateUnavailable: 'Les dons ouvrent bientôt',
  share: 'Partager',
  shareTitle: 'Partager cette page',
  shareNative: 'Partager…',
  copyLink: 'Copier le lien',
  copied: 'Lien copié',
  email: 'E-mail',
  shareText: 'Soutenez {title} !',
  feedTitle: 'Derniers dons',
  feedEmpty: 'Aucun don pour l’instant : soyez le premier !',
  anonymous: 'Anonyme',
  boardsTitle: 'Classements',
  board_fundraisers: 'Collecteurs',
  board_teams: 'Équipes',
  board_sharers: 'Partageurs',
  board_trending: 'En vogue',
  boardEmpty: 'Personne dans ce classement pour l’instant.',
  rank: 'Rang',
  movedUp: 'gagne {n}',
  movedDown: 'perd {n}',
  newEntry: 'nouveau',
  shares: '{n} partages',
  status_connecting: 'Connexion…',
  status_live: 'En direct',
  status_reconnecting: 'Reconnexion…',
  status_polling: 'Mise à jour toutes les quelques secondes',
  demo: 'démo',
  demoNote: 'Campagne de démonstration : les dons sont simulés.',
  goalReached: 'Objectif atteint ! Merci !',
  fundraiserRaised: 'collectés sur un objectif de {goal}',
  fundraiserRaisedNoGoal: 'collectés',
  rankOf: '{rank}e place',
  toOvertake: '{gap} pour dépasser {name}',
  firstPlace: 'En tête !',
  onCampaign: 'Collecte pour {title}',
  backToCampaign: 'Voir toute la campagne',
  scanToGive: 'Scannez pour donner',
  fullScreen: 'Plein écran',
  notOpen: 'L’inscription libre n’est pas encore ouverte pour cette campagne.',
  joinTitle: 'Ouvrir ma page de collecte',
  joinIntro: 'Collectez pour {title} avec votre propre page, puis partagez-la.',
  displayName: 'Votre nom',
  story: 'Histoire',
  goal: 'Objectif',
  team: 'Équipe',
  create: 'Créer',
  save: 'Enregistrer',
  loading: 'Chargement…',
  loadFailed: 'La page n’a pas pu se charger : {detail}',
  retry: 'Réessayer',
  language: 'Langue',
  home: 'Les campagnes se partagent par lien : /c/votre-campagne.',
  seeDemo: 'Voir la campagne de démonstration',
  organizerConsole: 'Console des organisateurs',
  token: 'Jeton organisateur',
  signIn: 'Se connecter',
  signOut: 'Se déconnecter',
  tokenHelp: 'Gardé dans cet onglet seulement (session storage), jamais dans un lien.',
  campaigns: 'Campagnes',
  noCampaigns: 'Aucune campagne pour l’instant.',
  listUnavailable: 'La liste des campagnes est indisponible : {detail}',
  newCampaign: 'Nouvelle campagne',
  editCampaign: 'Modifier la campagne {id}',
  openCampaign: 'Ouvrir une campagne par son id',
  open: 'Ouvrir',
  id: 'Id',
  title: 'Titre',
  currency: 'Devise',
  donateUrl: 'Lien de don (https://)',
  endsAt: 'Se termine le',
  openSignup: 'Inscription libre',
  teams: 'Équipes',
  fundraisers: 'Collecteurs',
  name: 'Nom',
  addTeam: 'Enregistrer l’équipe',
  addFundraiser: 'Enregistrer le collecteur',
  noTeam: 'Sans équipe',
  rebuild: 'Reconstruire les chiffres en direct',
  rebuilt: '{campaigns} campagnes reconstruites à partir de {events} événements.',
  saved: 'Enregistré.',
  livePage: 'Page en direct',
  bigScreen: 'Grand écran',
  raised: 'Collecté',
  actions: 'Actions',
  edit: 'Modifier',
  unauthorized: 'Le jeton a été refusé.',
  board_referrals: 'Parrainages',
  totalSplit: '{donors} des donateurs + {sponsors} des mécènes',
  nextMilestone: 'Prochain palier :',
  milestoneProgress_raisedMinor: '{value} collectés sur {threshold}',
  milestoneProgress_grandTotalMinor: '{value} sur {threshold} avec les mécènes',
  milestoneProgress_shareCount: '{value} partages sur {threshold}',
  milestoneReached: 'Palier atteint : {label} !',
  close: 'Fermer',
  sponsorsTitle: 'Mécènes',
  pledgePerShare: '{sponsor} : chaque partage rapporte {perShare}',
  pledgeEarned: '{earned} gagnés sur {cap}',
  pledgeBonusAt: 'bonus de {amount} à {shares} partages',
  pledgeBonusPaid: 'bonus de {amount} gagné !',
  matchTitle: '{sponsor} ajoute {pct} % à chaque don',
  matchBurn: '{matched} abondés sur {cap}, il reste {remaining}',
  timeLeft: 'encore {time}',
  durationDays: '{d} j {h} h',
  durationHours: '{h} h {m} min',
  durationMinutes: '{m} min {s} s',
  shareThanks: 'Merci pour le partage !',
  shareRateLimited: 'Beaucoup de partages depuis votre réseau en ce moment : celui-ci risque de ne pas compter. Réessayez dans {s} s.',
  shareNotCounted: 'Votre partage n’a pas pu être compté, mais votre lien fonctionne.',
  broughtByYou: 'Vous avez apporté {amount} grâce à vos liens de partage',
  broughtBy: '{name} a apporté {amount} grâce à ses liens de partage',
  optional: '(facultatif)',
  tooManyRequests: 'Trop de demandes depuis votre réseau : réessayez dans {s} s.',
  checkForm: 'Vérifiez le formulaire.',
  pageOpened: 'Votre page est ouverte ! Partagez-la avec vos amis.',
  editMyPage: 'Modifier ma page',
  manageKeyNote: 'Ce navigateur garde la clé pour modifier votre page : ouvrez-la d’ici.',
  manageRefused: 'Ce navigateur ne peut plus modifier cette page.',
  joinCta: 'Ouvrir ma propre page de collecte',
  moderation: 'Modération',
  noMessages: 'Aucun message pour l’instant.',
  hide: 'Masquer',
  unhide: 'Réafficher',
  hiddenLabel: 'masqué',
  refresh: 'Actualiser',
  milestones: 'Paliers',
  metric: 'Indicateur',
  metric_raisedMinor: 'Collecté auprès des donateurs',
  metric_grandTotalMinor: 'Total avec les mécènes',
  metric_shareCount: 'Partages',
  threshold: 'Seuil',
  label: 'Libellé',
  saveMilestone: 'Enregistrer le palier',
  reachedAt: 'atteint {when}',
  notReached: 'pas atteint',
  pledges: 'Promesses par partage',
  sponsor: 'Mécène',
  perShare: 'Par partage',
  cap: 'Plafond',
  bonusAtShares: 'Bonus à partir de (partages)',
  bonusAmount: 'Montant du bonus',
  savePledge: 'Enregistrer la promesse',
  matches: 'Dons abondés',
  ratio: 'Ratio (1 = doublé)',
  startsAt: 'Commence le',
  saveMatch: 'Enregistrer l’abondement',
  noneYet: 'Aucun pour l’instant.',
};

const messages: Record<Lang, Record<MessageKey, string>> = { en, fr };
const STORAGE_KEY = 'lb.lang';

/** The browser's language unless the visitor chose one, which is remembered. */
export function initialLang(stored: string | null, browserLanguages: readonly string[]): Lang {
  if (stored === 'en' || stored === 'fr') {
    return stored;
  }
  for (const language of browserLanguages) {
    const primary = language.toLowerCase().split('-')[0];
    if (primary === 'fr' || primary === 'en') {
      return primary;
    }
  }
  return 'en';
}

function readStored(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export const lang = signal<Lang>(
  initialLang(readStored(), typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language]),
);

export function setLang(next: Lang): void {
  lang.value = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // private mode: the choice lasts for this page only
  }
  document.documentElement.lang = next;
}

/** The locale used for numbers and dates: the browser's own when it speaks the chosen language (fr-CA, en-GB). */
export function locale(): string {
  const chosen = lang.value;
  const browser = typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language];
  return browser.find((l) => l.toLowerCase().split('-')[0] === chosen) ?? chosen;
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = messages[lang.value][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

/** The number of minor units in a major unit of the currency: 2 for EUR, 0 for JPY, 3 for KWD. */
export function fractionDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** Integer minor units as a decimal string, exactly (no floating point): 123456, 2 → "1234.56". */
export function minorToDecimal(minor: number | bigint, digits: number): string {
  const value = BigInt(minor);
  const negative = value < 0n;
  const abs = (negative ? -value : value).toString().padStart(digits + 1, '0');
  const whole = abs.slice(0, abs.length - digits);
  const fraction = digits > 0 ? `.${abs.slice(abs.length - digits)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** A decimal amount typed by a person ("12", "12.5", "12,50") as minor units, or null when it is not one. */
export function decimalToMinor(text: string, digits: number): number | null {
  const match = /^\s*(\d+)(?:[.,](\d*))?\s*$/.exec(text);
  if (!match || (match[2] ?? '').length > digits) {
    return null;
  }
  const fraction = (match[2] ?? '').padEnd(digits, '0');
  const minor = BigInt(match[1] + fraction);
  return minor > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(minor);
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** Money in the campaign's currency and the page's locale; whole units when {@code whole} (big numbers). */
export function formatMoney(minor: number, currency: string, loc: string = locale(), whole = false): string {
  const key = `${loc}|${currency}|${whole}`;
  let format = moneyFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(loc, {
      style: 'currency',
      currency,
      ...(whole ? { maximumFractionDigits: 0, minimumFractionDigits: 0 } : {}),
    });
    moneyFormats.set(key, format);
  }
  const digits = fractionDigits(currency);
  // format() takes a decimal string exactly (Intl.NumberFormat v3), so amounts past 2^53 stay right.
  return format.format(minorToDecimal(minor, digits) as unknown as number);
}

/** Money without a fraction when it has none ("€1,000", "€0.50"): sponsors' offers read like people say them. */
export function formatMoneyShort(minor: number, currency: string, loc: string = locale()): string {
  const whole = minor % 10 ** fractionDigits(currency) === 0;
  return formatMoney(minor, currency, loc, whole);
}

export function formatNumber(n: number, loc: string = locale()): string {
  return new Intl.NumberFormat(loc).format(n);
}

/** "2 minutes ago", "il y a 2 minutes", "now". */
export function relativeTime(at: string | null | undefined, now: number, loc: string = locale()): string {
  if (!at) {
    return '';
  }
  const seconds = Math.round((Date.parse(at) - now) / 1000);
  const format = new Intl.RelativeTimeFormat(loc, { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 45) {
    return format.format(0, 'second');
  }
  if (abs < 45 * 60) {
    return format.format(Math.round(seconds / 60), 'minute');
  }
  if (abs < 22 * 3600) {
    return format.format(Math.round(seconds / 3600), 'hour');
  }
  return format.format(Math.round(seconds / 86400), 'day');
}

/** A time left, coarse to fine: "2 d 03 h", "1 h 05 min", "4 min 07 s" (the two largest units). */
export function formatDuration(parts: { days: number; hours: number; minutes: number; seconds: number }): string {
  const two = (n: number) => String(n).padStart(2, '0');
  if (parts.days > 0) {
    return t('durationDays', { d: parts.days, h: two(parts.hours) });
  }
  if (parts.hours > 0) {
    return t('durationHours', { h: parts.hours, m: two(parts.minutes) });
  }
  return t('durationMinutes', { m: parts.minutes, s: two(parts.seconds) });
}

export function percentOf(raised: number, goal: number): number {
  if (goal <= 0) {
    return 0;
  }
  return Math.floor((raised * 100) / goal);
}
