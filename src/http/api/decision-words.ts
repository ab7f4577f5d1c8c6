import type { DecisionRecord } from '../../domain/plans.js';
import type { Phrase } from '../../domain/phrases.js';

/**
 * The decision log in plain words for the fleet page (issue 18: "5 period(s) in W", "interim step down" and error codes
 * are the scheduler's words, kept in `message` for support; `text` is what a fleet manager reads). Known lines are
 * said from their phrase (the message id and values the scheduler stores beside its English, src/domain/phrases.ts);
 * a line stored before phrases existed is read from its message's parts, in the same words; any other keeps its
 * message, with "(s)" plurals and leading error codes tidied.
 */
const TRIGGERS: Record<string, string> = {
  start: 'the server started',
  'site-added': 'the site was added',
  'site-changed': 'the site was changed',
  'prices-updated': 'new prices',
  'vehicle-changed': 'a vehicle was changed',
  'vehicle-identified': 'a car was recognised',
  'target-changed': 'a departure was changed',
  'assignment-changed': 'a van was put on a charger',
  'transaction-started': 'a car was plugged in',
  'transaction-ended': 'a car left',
  'car-resumed': 'a car started drawing power again',
  'charging-needs': 'a car reported what it needs',
  'station-connected': 'a charger came online',
  'station-booted': 'a charger restarted',
  'station-capabilities': 'a charger told us what it can do',
  'station-offline': 'a charger went offline',
  'charger-ignores-profiles': 'a charger does not follow its plan',
  'charger-limited': 'a charger holds a lower limit',
  deviation: 'a car drew other energy than planned',
  'slot-boundary': 'a new quarter-hour began',
  'boost-set': 'someone asked a car to charge now',
  'boost-cleared': 'charge now was cleared',
};

const STATUS: Record<string, string> = {
  optimal: 'every car gets what it needs',
  shortfall: 'some cars will be short at departure',
  feasible: 'every car gets what it needs',
  fallback: 'a simple plan, the optimiser did not finish',
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const charger = (station: string, evse: string) => `Charger ${station}, connector ${evse}`;

/** "a b, c and d" */
function list(words: readonly string[]): string {
  const unique = [...new Set(words)];
  return unique.length <= 1 ? unique.join('') : `${unique.slice(0, -1).join(', ')} and ${unique[unique.length - 1]}`;
}

function tidy(message: string): string {
  return message
    .replace(/(\d+(?:\.\d+)?) ([a-z]+)\(s\)/g, (_, n: string, w: string) => `${n} ${Number(n) === 1 ? w : `${w}s`}`)
    .replace(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+: /g, '')
    .replace(/ \(interim step down\)/g, ', for now the lower of the old and new limits');
}

/** One template per known line, shared by the phrase and the message paths so that both say the same words. */
const words = {
  planCreated: (count: number, status: string, cost: string, currency: string, triggers: readonly string[]) => {
    const why = list(triggers.filter(Boolean).map((t) => TRIGGERS[t] ?? t.replace(/-/g, ' ')));
    return `New plan for ${plural(count, 'car', 'cars')}: ${STATUS[status] ?? status.replace(/-/g, ' ')}, expected cost ${cost} ${currency}.${why ? ` Because ${why}.` : ''}`;
  },
  accepted: (station: string, evse: string, count: number, second: boolean, interim: boolean) =>
    `${charger(station, evse)} took its charging plan (${plural(count, 'power step', 'power steps')})${second ? ' on the second try' : ''}.`
    + (interim ? ' For now it holds the lower of its old and new limits, until the other chargers have theirs.' : ''),
  increasesHeld: (count: number) =>
    `${plural(count, 'charger was', 'chargers were')} not given more power yet: another charger did not take its lower limit, so the site could go over its limit.`,
  verified: (station: string, evse: string) => `${charger(station, evse)} follows the plan.`,
  restored: (station: string, evse: string) => `${charger(station, evse)} has the plan again after going offline.`,
  deviated: (station: string, evse: string, measured: string, expected: string) =>
    `${charger(station, evse)} delivered ${measured} kWh since the plan was made, where ${expected} kWh were expected.`,
};

type Params = Phrase['params'];
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const int = (v: unknown): string | null => (Number.isInteger(v) ? String(v) : null);
/** Two decimals as the message writes them; null for a negative amount, whose message the pattern below never read. */
const cents = (v: unknown): string | null => {
  const n = num(v);
  const fixed = n === null ? null : n.toFixed(2);
  return fixed === null || fixed.startsWith('-') ? null : fixed;
};

/**
 * The lines said from their phrase: the decision kind each id is written with, and its words (null: a value is not
 * what the scheduler writes, and the line goes the message's way).
 */
const FROM_PHRASE: Record<string, { kind: DecisionRecord['kind']; say(p: Params): string | null }> = {
  'decision.planCreated': {
    kind: 'plan.created',
    say: (p) => {
      const [count, status, cost, currency] = [int(p.count), str(p.status), cents(p.cost), str(p.currency)];
      if (count === null || status === null || !/^[\w-]+$/.test(status) || cost === null || currency === null || !/^\w+$/.test(currency)) return null;
      return words.planCreated(Number(count), status, cost, currency, String(p.triggers ?? '').split(','));
    },
  },
  'decision.accepted': {
    kind: 'profile.accepted',
    say: (p) => {
      const [station, evse, count] = [str(p.station), int(p.evse), int(p.count)];
      if (station === null || evse === null || count === null) return null;
      return words.accepted(station, evse, Number(count), p.attempt === 'second', p.step === 'interim');
    },
  },
  'decision.increasesHeld': { kind: 'profile.failed', say: (p) => (int(p.count) === null ? null : words.increasesHeld(Number(p.count))) },
  'decision.verified': { kind: 'profile.verified', say: (p) => chargerLine(p, words.verified) },
  'decision.restored': { kind: 'profile.restored', say: (p) => chargerLine(p, words.restored) },
  'decision.deviated': {
    kind: 'session.deviated',
    say: (p) => {
      const [station, evse, measured, expected] = [str(p.station), int(p.evse), cents(p.measuredKwh), cents(p.expectedKwh)];
      return station === null || evse === null || measured === null || expected === null ? null : words.deviated(station, evse, measured, expected);
    },
  },
};

function chargerLine(p: Params, say: (station: string, evse: string) => string): string | null {
  const [station, evse] = [str(p.station), int(p.evse)];
  return station === null || evse === null ? null : say(station, evse);
}

/** A line stored before phrases (or one whose phrase this server cannot say): read from its English message. */
function fromMessage(kind: DecisionRecord['kind'], m: string): string | null {
  let x: RegExpExecArray | null;
  if (kind === 'plan.created' && (x = /^plan for (\d+) session\(s\): ([\w-]+), expected cost ([\d.]+) (\w+) \((.*)\)$/.exec(m))) {
    return words.planCreated(Number(x[1]), x[2]!, Number(x[3]).toFixed(2), x[4]!, x[5]!.split(', '));
  }
  if (kind === 'profile.accepted' && (x = /^(.+) EVSE (\d+) accepted (\d+) period\(s\) in (W|A)( on the second attempt)?( \(interim step down\))?$/.exec(m))) {
    return words.accepted(x[1]!, x[2]!, Number(x[3]), Boolean(x[5]), Boolean(x[6]));
  }
  if (kind === 'profile.failed' && (x = /^(\d+) increase\(s\) held back: a reduction did not land$/.exec(m))) return words.increasesHeld(Number(x[1]));
  if (kind === 'profile.verified' && (x = /^(.+) EVSE (\d+): the composite schedule matches the plan$/.exec(m))) return words.verified(x[1]!, x[2]!);
  if (kind === 'profile.restored' && (x = /^(.+) EVSE (\d+) holds the plan again after reconnecting$/.exec(m))) return words.restored(x[1]!, x[2]!);
  if (kind === 'session.deviated' && (x = /^(.+) EVSE (\d+) delivered ([\d.]+) kWh since the plan, which expected ([\d.]+) kWh$/.exec(m))) {
    return words.deviated(x[1]!, x[2]!, x[3]!, x[4]!);
  }
  return null;
}

export function decisionText(d: Pick<DecisionRecord, 'kind' | 'message'> & { phrase?: Phrase | null }): string {
  const known = d.phrase ? FROM_PHRASE[d.phrase.id] : undefined;
  const said = known && known.kind === d.kind ? known.say(d.phrase!.params ?? {}) : null;
  const text = said ?? fromMessage(d.kind, d.message);
  if (text !== null) return text;
  const t = tidy(d.message);
  return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}
