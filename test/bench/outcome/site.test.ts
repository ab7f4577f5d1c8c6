import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSite, loadSite } from '../../../bench/outcome/site.js';
import { SITE_JSON, site } from './small.js';

const dir = mkdtempSync(join(tmpdir(), 'outcome-site-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the outcome site', () => {
  it('loads the default garage: 15 stations x 2 EVSEs at 11 kW behind a 40 kW connection', () => {
    expect(loadSite(SITE_JSON)).toEqual({ id: 'garage', timeZone: 'Europe/Copenhagen', gridLimitKw: 40, stations: 15, evsesPerStation: 2, evseKw: 11, slotMinutes: 15 });
  });

  it('names the field that is wrong', () => {
    const { gridLimitKw: _, ...noLimit } = site();
    const cases: Array<[unknown, string]> = [
      [noLimit, 'gridLimitKw'],
      [site({ gridLimitKw: 0 }), 'gridLimitKw'],
      [{ ...site(), slotMinutes: 60 }, 'slotMinutes'],
      [site({ stations: 1.5 }), 'stations'],
      [{ ...site(), evses: 3 }, 'evses'],
      [site({ timeZone: 'Europe/Atlantis' }), 'timeZone: "Europe/Atlantis" is not an IANA time zone'],
    ];
    for (const [raw, field] of cases) expect(() => checkSite(raw, 's.json')).toThrow(`s.json: ${field}`);
  });

  it('names the file when it is not JSON', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "id": ');
    expect(() => loadSite(bad)).toThrow(`${bad}: `);
  });
});
