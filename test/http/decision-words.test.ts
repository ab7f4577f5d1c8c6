/**
 * The decision log's English `text` (issue 18): said from the line's phrase where it has one, read from its message for
 * a line stored before phrases, and the same words either way (API clients read `text`). The messages and phrases
 * below are written as the scheduler writes them (push-cycle.ts, push.ts, verify.ts), for seeded random values and
 * the edges of the message's own formatting: half cents, negative and negative-zero amounts, no trigger, unknown words.
 */
import { describe, expect, it } from 'vitest';
import { decisionText } from '../../src/http/api/decision-words.js';
import type { DecisionRecord } from '../../src/domain/plans.js';
import { phrase, type Phrase } from '../../src/domain/phrases.js';

type Line = { kind: DecisionRecord['kind']; message: string; phrase: Phrase };

/** mulberry32: the same values every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const planCreated = (count: number, status: string, totalCost: number, currency: string, triggers: string[]): Line => ({
  kind: 'plan.created',
  message: `plan for ${count} session(s): ${status}, expected cost ${totalCost.toFixed(2)} ${currency} (${triggers.join(', ')})`,
  phrase: phrase('decision.planCreated', { count, status, cost: totalCost, currency, triggers: triggers.join(',') }),
});
const accepted = (station: string, evse: number, periods: number, unit: 'W' | 'A', attempts: number, final: boolean): Line => ({
  kind: 'profile.accepted',
  message: `${station} EVSE ${evse} accepted ${periods} period(s) in ${unit}${attempts > 1 ? ' on the second attempt' : ''}${final ? '' : ' (interim step down)'}`,
  phrase: phrase('decision.accepted', { station, evse, count: periods, attempt: attempts > 1 ? 'second' : 'first', step: final ? 'final' : 'interim' }),
});
const increasesHeld = (n: number): Line => ({ kind: 'profile.failed', message: `${n} increase(s) held back: a reduction did not land`, phrase: phrase('decision.increasesHeld', { count: n }) });
const verified = (station: string, evse: number): Line => ({
  kind: 'profile.verified', message: `${station} EVSE ${evse}: the composite schedule matches the plan`, phrase: phrase('decision.verified', { station, evse }),
});
const restored = (station: string, evse: number): Line => ({
  kind: 'profile.restored', message: `${station} EVSE ${evse} holds the plan again after reconnecting`, phrase: phrase('decision.restored', { station, evse }),
});
const deviated = (station: string, evse: number, measured: number, expected: number): Line => ({
  kind: 'session.deviated',
  message: `${station} EVSE ${evse} delivered ${measured.toFixed(2)} kWh since the plan, which expected ${expected.toFixed(2)} kWh`,
  phrase: phrase('decision.deviated', { station, evse, measuredKwh: measured, expectedKwh: expected }),
});

const TRIGGERS = ['start', 'prices-updated', 'transaction-started', 'slot-boundary', 'boost-set', 'a-trigger-from-later'];
const STATUSES = ['optimal', 'shortfall', 'feasible', 'fallback', 'some-new-status'];
const EDGES = [0, 0.015, 0.045, 0.125, 2.105, 1.005, 12.345, -0.004, -8e-16, -1.5, 1234.565, 1e6 + 0.005];

function lines(): Line[] {
  const r = random(18);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const amount = () => (r() < 0.3 ? pick(EDGES) : r() < 0.5 ? Math.round(r() * 100_000) / 1000 : (r() - 0.2) * 50);
  const station = () => pick(['CS1', 'DEPOT-10', 'home_h', 'CS 7']);
  const out: Line[] = [];
  for (let i = 0; i < 400; i++) {
    const triggers = TRIGGERS.filter(() => r() < 0.3);
    out.push(
      planCreated(Math.floor(r() * 4), pick(STATUSES), amount(), pick(['EUR', 'DKK', 'SEK']), triggers),
      accepted(station(), 1 + Math.floor(r() * 3), Math.floor(r() * 3), pick(['W', 'A'] as const), 1 + Math.floor(r() * 2), r() < 0.5),
      increasesHeld(Math.floor(r() * 3)),
      verified(station(), 1 + Math.floor(r() * 2)),
      restored(station(), 1 + Math.floor(r() * 2)),
      deviated(station(), 1 + Math.floor(r() * 2), amount(), amount()),
    );
  }
  return out;
}

describe('decision log text (issue 18)', () => {
  it('says each line from its phrase in the same words as from its message (2,400 lines, seeded, with the edges)', () => {
    const differ: string[] = [];
    for (const l of lines()) {
      const fromPhrase = decisionText(l);
      const fromMessage = decisionText({ ...l, phrase: null });
      if (fromPhrase !== fromMessage) differ.push(`${l.message}\n  phrase:  ${fromPhrase}\n  message: ${fromMessage}`);
    }
    expect(differ).toEqual([]);
  });

  it('builds the words from the phrase, not the message: the same line with a message it cannot read', () => {
    const say = (l: Line) => decisionText({ ...l, message: 'words a later server wrote' });
    expect(say(planCreated(2, 'shortfall', 1.234, 'EUR', ['start', 'prices-updated']))).toBe('New plan for 2 cars: some cars will be short at departure, expected cost 1.23 EUR. Because the server started and new prices.');
    expect(say(accepted('CS1', 2, 1, 'W', 2, false))).toBe('Charger CS1, connector 2 took its charging plan (1 power step) on the second try. For now it holds the lower of its old and new limits, until the other chargers have theirs.');
    expect(say(increasesHeld(1))).toBe('1 charger was not given more power yet: another charger did not take its lower limit, so the site could go over its limit.');
    expect(say(verified('CS1', 1))).toBe('Charger CS1, connector 1 follows the plan.');
    expect(say(restored('CS1', 1))).toBe('Charger CS1, connector 1 has the plan again after going offline.');
    expect(say(deviated('CS1', 1, 2.1, 3))).toBe('Charger CS1, connector 1 delivered 2.10 kWh since the plan was made, where 3.00 kWh were expected.');
  });

  it('keeps today’s path for a line without a phrase, an id it has no words for, a phrase on another kind, or values it cannot use', () => {
    const planned = planCreated(3, 'optimal', 4.5, 'EUR', ['start']);
    expect(decisionText({ ...planned, phrase: null })).toBe('New plan for 3 cars: every car gets what it needs, expected cost 4.50 EUR. Because the server started.');
    expect(decisionText({ kind: 'profile.failed', message: 'CS1 EVSE 1: OCPP_TIMEOUT: SetChargingProfile timed out', phrase: phrase('decision.pushFailed', { station: 'CS1', evse: 1, code: 'OCPP_TIMEOUT' }) }))
      .toBe('CS1 EVSE 1: SetChargingProfile timed out.');
    expect(decisionText({ ...verified('CS1', 1), kind: 'profile.limited', message: 'CS1 EVSE 1 holds a lower limit than planned: 5 period(s)' })).toBe('CS1 EVSE 1 holds a lower limit than planned: 5 periods.');
    expect(decisionText({ ...planned, phrase: phrase('decision.planCreated', { count: 'three', status: 'optimal', cost: 4.5, currency: 'EUR', triggers: 'start' }) }))
      .toBe(decisionText({ ...planned, phrase: null }));
  });
});
