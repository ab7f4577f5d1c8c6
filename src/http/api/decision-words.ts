import type { DecisionRecord } from '../../domain/plans.js';

/**
 * The decision log in plain words for the fleet page (issue 18: "5 period(s) in W", "interim step down" and error codes
 * are the scheduler's words, kept in `message` for support; `text` is what a fleet manager reads). Known lines are
 * read from their parts; any other keeps its message, with "(s)" plurals and leading error codes tidied.
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

export function decisionText(d: Pick<DecisionRecord, 'kind' | 'message'>): string {
  const m = d.message;
  let x: RegExpExecArray | null;
  if (d.kind === 'plan.created' && (x = /^plan for (\d+) session\(s\): ([\w-]+), expected cost ([\d.]+) (\w+) \((.*)\)$/.exec(m))) {
    const why = list(x[5]!.split(', ').filter(Boolean).map((t) => TRIGGERS[t] ?? t.replace(/-/g, ' ')));
    return `New plan for ${plural(Number(x[1]), 'car', 'cars')}: ${STATUS[x[2]!] ?? x[2]!.replace(/-/g, ' ')}, expected cost ${Number(x[3]).toFixed(2)} ${x[4]}.${why ? ` Because ${why}.` : ''}`;
  }
  if (d.kind === 'profile.accepted' && (x = /^(.+) EVSE (\d+) accepted (\d+) period\(s\) in (W|A)( on the second attempt)?( \(interim step down\))?$/.exec(m))) {
    const steps = plural(Number(x[3]), 'power step', 'power steps');
    const interim = x[6] ? ' For now it holds the lower of its old and new limits, until the other chargers have theirs.' : '';
    return `${charger(x[1]!, x[2]!)} took its charging plan (${steps})${x[5] ? ' on the second try' : ''}.${interim}`;
  }
  if (d.kind === 'profile.failed' && (x = /^(\d+) increase\(s\) held back: a reduction did not land$/.exec(m))) {
    return `${plural(Number(x[1]), 'charger was', 'chargers were')} not given more power yet: another charger did not take its lower limit, so the site could go over its limit.`;
  }
  if (d.kind === 'profile.verified' && (x = /^(.+) EVSE (\d+): the composite schedule matches the plan$/.exec(m))) {
    return `${charger(x[1]!, x[2]!)} follows the plan.`;
  }
  if (d.kind === 'profile.restored' && (x = /^(.+) EVSE (\d+) holds the plan again after reconnecting$/.exec(m))) {
    return `${charger(x[1]!, x[2]!)} has the plan again after going offline.`;
  }
  if (d.kind === 'session.deviated' && (x = /^(.+) EVSE (\d+) delivered ([\d.]+) kWh since the plan, which expected ([\d.]+) kWh$/.exec(m))) {
    return `${charger(x[1]!, x[2]!)} delivered ${x[3]} kWh since the plan was made, where ${x[4]} kWh were expected.`;
  }
  const t = tidy(m);
  return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}
