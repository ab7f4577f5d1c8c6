/**
 * A plan stored before the server wrote phrases (issue 18) still tells the home page that the car is full, for the
 * one cycle until the next plan: src/http/pages/assets/old-notes.js reads the English note the scheduler wrote then.
 * The note below is written by the scheduler's own template of that time (planned-session.ts).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

type Phrase = { id: string; params: Record<string, number> };
const { oldNotePhrase } = (await import(pathToFileURL(join(import.meta.dirname, '../../../src/http/pages/assets/old-notes.js')).href)) as {
  oldNotePhrase(note: unknown): Phrase | null;
};
const noteOf = (deliveredKwh: number) => `the car stopped drawing while offered power: done at ${deliveredKwh.toFixed(1)} kWh`;

describe('old plan notes (issue 18)', () => {
  it('reads the full car and its energy from the English note', () => {
    expect(oldNotePhrase(noteOf(28.8))).toEqual({ id: 'session.full', params: { kwh: 28.8 } });
    expect(oldNotePhrase(noteOf(0))).toEqual({ id: 'session.full', params: { kwh: 0 } });
    expect(oldNotePhrase(noteOf(51.96))).toEqual({ id: 'session.full', params: { kwh: 52 } });
  });

  it('a full car at an unknown energy: the phrase without its value', () => {
    expect(oldNotePhrase('the car stopped drawing while offered power')).toEqual({ id: 'session.full', params: {} });
  });

  it('any other note, or none, stands for no phrase', () => {
    for (const note of ['planned with the site default of 20 kWh', 'your price cap of 0.15 EUR/kWh', '', null, undefined, 42]) expect(oldNotePhrase(note)).toBeNull();
  });
});
