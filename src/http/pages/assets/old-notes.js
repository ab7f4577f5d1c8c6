// Plan notes stored before the server wrote phrases (issue 18, languages): such a plan has English notes only, until
// the next plan replaces it (one cycle after an upgrade). The home page finds the full car by the "session.full"
// phrase; for an old note this gives it the same phrase from the English the scheduler wrote then
// (src/scheduler/planned-session.ts: "the car stopped drawing while offered power: done at 28.8 kWh"), so that the
// page does not lose the full car, nor show that note in English, for that one cycle. No imports: unit-tested in Node.

const FULL = /stopped drawing while offered power/;
const DONE_AT = /done at (\d+(?:\.\d+)?) kWh/;

/** The phrase a note stored without one stands for, where the page needs it (the full car's), else null. */
export function oldNotePhrase(note) {
  const text = typeof note === 'string' ? note : '';
  if (!FULL.test(text)) return null;
  const m = DONE_AT.exec(text);
  // Full at an unknown energy (no "done at"): the phrase without its value, as fullAt() reads it.
  return { id: 'session.full', params: m ? { kwh: Number(m[1]) } : {} };
}
