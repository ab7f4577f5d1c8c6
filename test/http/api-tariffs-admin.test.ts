/**
 * Tariffs from the browser (issue 16) on the real product (main.ts on a ManualClock, SQLite or PostgreSQL): admins only;
 * a tariff is checked whole and a refused edit changes nothing; the preview prices the next 48 h with the product's
 * effective-price code, 23- and 25-hour days included (Europe/Berlin); a site's tariff is chosen and it re-plans; each
 * change is audited; tariffs made here survive a restart and the config import keeps edits of config tariffs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { CONFIG, startApi, type ApiFixture, type Who } from './api-fixture.js';
import { settle } from '../helpers/depot.js';
import { startTestServer } from '../helpers/test-server.js';
import { issueApiToken } from '../../src/http/auth/api-tokens.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { ManualClock } from '../../src/platform/clock.js';

let f: ApiFixture;
beforeAll(async () => {
  f = await startApi();
}, 180_000);
afterAll(async () => f?.close(), 60_000);

/** A home contract in Berlin: 0.30 base, 0.45 from 17:00 to 20:00 every day; a grid fee at night; a tax; 19 % VAT. */
const BERLIN = {
  currency: 'EUR', timeZone: 'Europe/Berlin',
  energy: { kind: 'schedule', schedules: [{ otherwisePerKwh: 0.3, bands: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '17:00', to: '20:00', pricePerKwh: 0.45, label: 'peak' }] }] },
  gridFees: [{ otherwisePerKwh: 0.08, bands: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '06:00', pricePerKwh: 0.02 }] }],
  taxes: [{ name: 'Stromsteuer', pricePerKwh: 0.0205 }],
  vat: [{ rate: 0.19 }],
};
const admin = (opts: InjectOptions) => f.as('admin', opts);
const list = async () => (await admin({ url: '/api/v1/admin/tariffs' })).json() as { tariffs: { name: string; tariff: unknown; origin: string; sites: string[] }[]; zones: { id: string }[] };
const audit = async (kind: string) => ((await admin({ url: `/api/v1/admin/audit?targetKind=${kind}` })).json() as { entries: { action: string; actor: { name: string }; target: { id: string }; detail?: Record<string, unknown> }[] }).entries;
type Preview = { currency: string; timeZone: string; problem: string | null; slots: { start: string; local: string; kind: string; energy: number; gridFee: number; taxes: number; vat: number; total: number }[] };

describe('only admins manage tariffs', () => {
  const routes: InjectOptions[] = [
    { method: 'GET', url: '/api/v1/admin/tariffs' },
    { method: 'PUT', url: '/api/v1/admin/tariffs/home', payload: BERLIN },
    { method: 'DELETE', url: '/api/v1/admin/tariffs/depot' },
    { method: 'GET', url: '/api/v1/admin/tariffs/depot/preview' },
    { method: 'POST', url: '/api/v1/admin/tariffs/preview', payload: { tariff: BERLIN } },
    { method: 'PUT', url: '/api/v1/sites/north-depot/tariff', payload: { tariff: 'depot' } },
  ];
  it.each<Who>(['north', 'south', 'homeH', 'publisher'])('%s gets 403 on every route and changes nothing', async (who) => {
    const before = await list();
    for (const r of routes) {
      const res = await f.as(who, r);
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
      expect(res.json()).toMatchObject({ code: 'AUTH_FORBIDDEN' });
    }
    expect(await list()).toEqual(before);
  });

  it('anonymous gets 401', async () => {
    expect((await f.as('anonymous', routes[0]!)).statusCode).toBe(401);
  });
});

describe('a tariff is checked whole; a refused edit changes nothing', () => {
  const cases: [string, unknown, string][] = [
    ['a missing currency', { ...BERLIN, currency: undefined }, 'currency'],
    ['a lower-case currency', { ...BERLIN, currency: 'eur' }, 'currency'],
    ['an unknown field', { ...BERLIN, vatt: [] }, 'vatt'],
    ['an unknown energy kind', { ...BERLIN, energy: { kind: 'spot' } }, 'energy.kind'],
    ['a band time that is not HH:MM', { ...BERLIN, gridFees: [{ otherwisePerKwh: 0.08, bands: [{ days: ['mon'], from: '7pm', to: '20:00', pricePerKwh: 0.1 }] }] }, 'gridFees[0].bands[0].from'],
    ['a band that ends before it starts', { ...BERLIN, gridFees: [{ otherwisePerKwh: 0.08, bands: [{ days: ['mon'], from: '20:00', to: '17:00', pricePerKwh: 0.1 }] }] }, 'gridFees[0].bands[0]'],
    ['VAT over 100 %', { ...BERLIN, vat: [{ rate: 19 }] }, 'vat[0].rate'],
    ['two VAT rates at once', { ...BERLIN, vat: [{ rate: 0.19 }, { rate: 0.07 }] }, 'vat[0]'],
    ['a zone that is not IANA', { ...BERLIN, timeZone: 'Europe/Atlantis' }, 'timeZone'],
    ['a market zone not configured', { ...BERLIN, energy: { kind: 'market', zone: 'NOPE' } }, 'energy.zone'],
    ['a currency that is not the zone’s', { ...BERLIN, currency: 'DKK', energy: { kind: 'market', zone: 'TEST' } }, 'currency'],
    ['too many taxes', { ...BERLIN, taxes: Array.from({ length: 201 }, (_, i) => ({ name: `t${i}`, pricePerKwh: 0 })) }, 'taxes'],
  ];
  it.each(cases.map(([what, body, field]) => ({ what, body, field })))('$what: 422 naming $field', async ({ body, field }) => {
    const before = await list();
    for (const name of ['depot', 'fresh']) {
      const res = await admin({ method: 'PUT', url: `/api/v1/admin/tariffs/${name}`, payload: body as object });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json()).toMatchObject({ code: 'TARIFF_INVALID', field });
      expect(res.json().message).toContain(field.replace(/\[\d+\]$/, ''));
    }
    expect(await list()).toEqual(before);
  });

  it('a name that is not a name is 400', async () => {
    const res = await admin({ method: 'PUT', url: '/api/v1/admin/tariffs/%20x', payload: BERLIN });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'name' });
  });
});

describe('the preview', () => {
  it('prices 48 hours over the 23-hour day (Europe/Berlin, 29 March 2026) with the bands at local time', async () => {
    const res = await admin({ method: 'POST', url: '/api/v1/admin/tariffs/preview', payload: { tariff: BERLIN, from: '2026-03-28T23:00:00Z' } });
    expect(res.statusCode, res.body).toBe(200);
    const p = res.json() as Preview;
    expect(p).toMatchObject({ currency: 'EUR', timeZone: 'Europe/Berlin', problem: null });
    expect(p.slots).toHaveLength(48);
    const day = p.slots.filter((s) => s.local.startsWith('2026-03-29'));
    expect(day).toHaveLength(23);
    expect(day.map((s) => s.local.slice(11, 16))).not.toContain('02:00');
    // 17:00-20:00 CEST is 15:00-18:00 UTC after the change (16:00-19:00 UTC the day before).
    expect(day.filter((s) => s.energy === 0.45).map((s) => s.start)).toEqual(['2026-03-29T15:00:00.000Z', '2026-03-29T16:00:00.000Z', '2026-03-29T17:00:00.000Z']);
    const peak = day.find((s) => s.start === '2026-03-29T15:00:00.000Z')!;
    expect(peak.total).toBeCloseTo((0.45 + 0.08 + 0.0205) * 1.19, 10);
    expect(peak.vat).toBeCloseTo((0.45 + 0.08 + 0.0205) * 0.19, 10);
    const night = p.slots.find((s) => s.start === '2026-03-28T23:00:00.000Z')!;
    expect(night).toMatchObject({ local: '2026-03-29 00:00 GMT+1', energy: 0.3, gridFee: 0.02, taxes: 0.0205 });
  });

  it('prices the 25-hour day (25 October 2026): 02:00 comes twice', async () => {
    const p = (await admin({ method: 'POST', url: '/api/v1/admin/tariffs/preview', payload: { tariff: BERLIN, from: '2026-10-24T22:00:00Z', hours: 25, slotMinutes: 60 } })).json() as Preview;
    expect(p.slots).toHaveLength(25);
    expect(p.slots.every((s) => s.local.startsWith('2026-10-25'))).toBe(true);
    expect(p.slots.filter((s) => s.local.slice(11, 16) === '02:00').map((s) => s.local)).toEqual(['2026-10-25 02:00 GMT+2', '2026-10-25 02:00 GMT+1']);
    expect(p.slots.filter((s) => s.energy === 0.45).map((s) => s.start)).toEqual(['2026-10-25T16:00:00.000Z', '2026-10-25T17:00:00.000Z', '2026-10-25T18:00:00.000Z']);
  });

  it('a draft is checked like a save, the field named under tariff', async () => {
    const res = await admin({ method: 'POST', url: '/api/v1/admin/tariffs/preview', payload: { tariff: { ...BERLIN, vat: [{ rate: 2 }] } } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'TARIFF_INVALID', field: 'tariff.vat[0].rate' });
    expect((await admin({ method: 'POST', url: '/api/v1/admin/tariffs/preview', payload: { tariff: BERLIN, hours: 97 } })).json()).toMatchObject({ field: 'hours' });
  });

  it('a market tariff says which slots have no prices', async () => {
    const p = (await admin({ url: '/api/v1/admin/tariffs/depot/preview?hours=48&slotMinutes=60' })).json() as Preview;
    expect(p.slots.length).toBeLessThan(48);
    expect(p.problem).toMatch(/no prices in zone TEST for \d+ of 48 slots/);
    expect((await admin({ url: '/api/v1/admin/tariffs/nope/preview' })).statusCode).toBe(404);
  });
});

describe('changes', () => {
  it('creates a tariff, chooses it for a site (re-planned, in its decision log), edits it, and audits each step', async () => {
    const created = await admin({ method: 'PUT', url: '/api/v1/admin/tariffs/home', payload: BERLIN });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ name: 'home', origin: 'api', sites: [], tariff: BERLIN });
    const chosen = await admin({ method: 'PUT', url: '/api/v1/sites/home-h/tariff', payload: { tariff: 'home' } });
    expect(chosen.statusCode, chosen.body).toBe(200);
    expect(f.server.running.scheduler.site('home-h')!.tariff).toBe('home');
    await settle(f.server);
    const decisions = (await admin({ url: '/api/v1/sites/home-h/decisions' })).json() as { kind: string; message: string }[];
    expect(decisions.find((d) => d.kind === 'site.changed')?.message).toContain('tariff');
    // Prices of the site now come from the edited tariff.
    const window = { start: Date.parse('2026-11-23T16:00:00Z'), end: Date.parse('2026-11-23T17:00:00Z') };
    expect((await f.server.running.pricing.sitePrices.effective('home', window, 3_600_000))[0]!.energy).toBe(0.45);
    const edited = await admin({ method: 'PUT', url: '/api/v1/admin/tariffs/home', payload: { ...BERLIN, energy: { kind: 'schedule', schedules: [{ otherwisePerKwh: 0.25, bands: [] }] } } });
    expect(edited.statusCode).toBe(200);
    expect(edited.json().sites).toEqual(['home-h']);
    expect((await f.server.running.pricing.sitePrices.effective('home', window, 3_600_000))[0]!.energy).toBe(0.25);
    const entries = await audit('tariff');
    expect(entries.filter((e) => e.target.id === 'home').map((e) => e.action)).toEqual(['tariff.changed', 'tariff.created']);
    expect(entries[0]!).toMatchObject({ actor: { name: 'admin' }, detail: { energy: 'schedule', sites: ['home-h'] } });
    expect((await audit('site')).find((e) => e.action === 'site.tariff-chosen')).toMatchObject({ target: { id: 'home-h' }, detail: { before: 'depot', after: 'home' } });
  });

  it('refuses an unknown tariff for a site, and deleting a tariff a site pays', async () => {
    const res = await admin({ method: 'PUT', url: '/api/v1/sites/south-depot/tariff', payload: { tariff: 'nope' } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'SITE_INVALID', field: 'tariff' });
    expect(f.server.running.scheduler.site('south-depot')!.tariff).toBe('depot');
    const busy = await admin({ method: 'DELETE', url: '/api/v1/admin/tariffs/depot' });
    expect(busy.statusCode).toBe(409);
    expect(busy.json()).toMatchObject({ code: 'TARIFF_IN_USE' });
    expect(busy.json().message).toContain('north-depot');
  });

  it('deletes a tariff no site pays', async () => {
    expect((await admin({ method: 'PUT', url: '/api/v1/admin/tariffs/spare', payload: BERLIN })).statusCode).toBe(201);
    expect((await admin({ method: 'DELETE', url: '/api/v1/admin/tariffs/spare' })).statusCode).toBe(204);
    expect((await list()).tariffs.map((t) => t.name)).not.toContain('spare');
    expect((await admin({ method: 'DELETE', url: '/api/v1/admin/tariffs/spare' })).statusCode).toBe(404);
    expect((await audit('tariff')).find((e) => e.target.id === 'spare')?.action).toBe('tariff.deleted');
  });
});

describe('restarts', () => {
  it('keeps a tariff made here and the choice of it; the config import keeps an edit of a config tariff', async () => {
    const server = await startTestServer(CONFIG as never, { clock: new ManualClock('2026-11-23T16:00:00Z') });
    let current = server;
    try {
      const token = (await issueApiToken(new ApiTokenRepository(server.running.db), server.clock, { name: 'root', grants: [{ role: 'admin', scopeKind: 'all', scopeId: '*' }] })).token;
      const as = (opts: InjectOptions) => current.running.http.inject({ ...opts, headers: { authorization: `Bearer ${token}` } });
      expect((await as({ method: 'PUT', url: '/api/v1/admin/tariffs/home', payload: BERLIN })).statusCode).toBe(201);
      expect((await as({ method: 'PUT', url: '/api/v1/sites/home-g/tariff', payload: { tariff: 'home' } })).statusCode).toBe(200);
      const depot = { ...CONFIG.prices.tariffs.depot, energy: { kind: 'market', zone: 'TEST', markupPerKwh: 0.04 } };
      expect((await as({ method: 'PUT', url: '/api/v1/admin/tariffs/depot', payload: depot })).statusCode).toBe(200);
      current = await server.restart();
      const tariffs = ((await as({ url: '/api/v1/admin/tariffs' })).json() as { tariffs: { name: string; tariff: unknown; origin: string }[] }).tariffs;
      expect(tariffs.map((t) => [t.name, t.origin])).toEqual([['depot', 'config'], ['home', 'api']]);
      expect(tariffs[0]!.tariff).toMatchObject({ energy: { markupPerKwh: 0.04 } });
      expect(tariffs[1]!.tariff).toMatchObject(BERLIN);
      expect(current.running.scheduler.site('home-g')!.tariff).toBe('home');
    } finally {
      await current.stop();
    }
  }, 240_000);
});
