/**
 * GET /metrics (issue 17) on the real product with a simulated station over real WebSockets: who may read it (an
 * admin, or a scraper with the configured token), and the exposition parsed strictly by the text format's rules
 * (version 0.0.4) before its values are checked against what the test made happen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settle } from '../helpers/depot.js';
import { arrive, opsFixture, type OpsFixture } from './api-operations-fixture.js';

const SCRAPE = 'scrape-token-0123456789abcdef';

interface Sample { name: string; labels: Record<string, string>; value: number }
interface Family { type: string; help: string; samples: Sample[] }

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SUFFIXES: Record<string, string[]> = { counter: ['_total', ''], gauge: [''], histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'], untyped: [''] };

/** Label values: `"..."` with only \\, \" and \n escaped (the format allows nothing else). */
function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    const name = text.slice(i, eq);
    if (!LABEL.test(name) || text[eq + 1] !== '"') throw new Error(`bad label in ${line}`);
    let value = '';
    let j = eq + 2;
    for (; text[j] !== '"'; j++) {
      if (j >= text.length) throw new Error(`unterminated label value in ${line}`);
      if (text[j] === '\\') {
        const next = text[++j];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`bad escape in ${line}`);
      } else value += text[j];
    }
    if (name in labels) throw new Error(`label ${name} twice in ${line}`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (i !== text.length) throw new Error(`bad label list in ${line}`);
  }
  return labels;
}

function parseValue(v: string, line: string): number {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  if (v === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) throw new Error(`bad value in ${line}`);
  return Number(v);
}

/** The text format, strictly: HELP and TYPE before a family's samples, names and suffixes that match its type. */
function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name in ${line}`);
      const f = families.get(name) ?? { type: 'untyped', help: '', samples: [] };
      if (kind === 'TYPE') {
        if (!(rest in SUFFIXES)) throw new Error(`bad type in ${line}`);
        if (f.samples.length) throw new Error(`TYPE after samples in ${line}`);
        f.type = rest;
      } else f.help = rest;
      families.set(name, f);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const [, name, labelText, value] = m as unknown as [string, string, string | undefined, string];
    const family = [...families.entries()].find(([base, f]) => SUFFIXES[f.type]!.some((s) => base + s === name));
    if (!family) throw new Error(`sample before its TYPE: ${line}`);
    family[1].samples.push({ name, labels: labelText ? parseLabels(labelText, line) : {}, value: parseValue(value, line) });
  }
  // Histograms: cumulative buckets ending at +Inf, which equals _count, per label set.
  for (const [base, f] of families) {
    if (f.type !== 'histogram') continue;
    const series = new Map<string, Sample[]>();
    for (const s of f.samples.filter((x) => x.name === `${base}_bucket`)) {
      const { le, ...rest } = s.labels;
      if (le === undefined) throw new Error(`${base}_bucket without le`);
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), s]);
    }
    for (const [key, buckets] of series) {
      const les = buckets.map((b) => parseValue(b.labels.le!, base));
      if (les.some((le, k) => k > 0 && le <= les[k - 1]!) || les.at(-1) !== Infinity) throw new Error(`${base} ${key}: buckets out of order or no +Inf`);
      if (buckets.some((b, k) => k > 0 && b.value < buckets[k - 1]!.value)) throw new Error(`${base} ${key}: buckets not cumulative`);
      const count = f.samples.find((x) => x.name === `${base}_count` && JSON.stringify(x.labels) === key);
      if (count?.value !== buckets.at(-1)!.value) throw new Error(`${base} ${key}: +Inf bucket differs from _count`);
    }
  }
  return families;
}

const value = (families: Map<string, Family>, name: string, labels: Record<string, string> = {}) =>
  [...families.values()].flatMap((f) => f.samples).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

let f: OpsFixture;
beforeAll(async () => {
  f = await opsFixture({ metrics: { scrapeToken: SCRAPE } });
  await f.station('OPS1');
}, 120_000);
afterAll(async () => f.close());

const scrape = (authorization?: string) => f.server.running.http.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });

describe('the strict parser', () => {
  it('refuses what the format does not allow', () => {
    const ok = '# HELP h a histogram\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n';
    expect(value(parseExposition(ok), 'h_count')).toBe(2);
    expect(() => parseExposition(ok.replace('h_count 2', 'h_count 3'))).toThrow(/differs from _count/);
    expect(() => parseExposition(ok.replace('le="1"} 1', 'le="1"} 5'))).toThrow(/not cumulative/);
    expect(() => parseExposition('x 1\n')).toThrow(/before its TYPE/);
    expect(() => parseExposition('# TYPE c counter\nc_total{a="\\q"} 1\n')).toThrow(/bad escape/);
    expect(() => parseExposition('# TYPE c counter\nc_total one\n')).toThrow(/bad sample line|bad value/);
    expect(() => parseExposition('# TYPE c counter\nc_total 1')).toThrow(/newline/);
  });
});

describe('/metrics', () => {
  it('is read by an admin or with the scrape token; nobody else', async () => {
    const res = await scrape(`Bearer ${SCRAPE}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect((await f.as('admin', { method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    expect((await f.as('fmA', { method: 'GET', url: '/metrics' })).statusCode).toBe(403);
    expect((await scrape()).statusCode).toBe(401);
    expect((await scrape(`Bearer ${SCRAPE}x`)).statusCode).toBe(401);
  });

  it('parses strictly and counts what happened: connections, messages, round trips, schema failures, profiles, plans (solve, push, whole cycle, shortfalls), database writes, HTTP, event loop', async () => {
    const station = f.stations.get('OPS1')!;
    await arrive(f, station);
    await settle(f.server);
    await station.idle();
    expect((await f.post('admin', 'OPS1', 'trigger', { message: 'Heartbeat' })).statusCode).toBe(200);
    await station.idle();
    // One of our own payloads that fails the schema is counted, and never sent.
    await expect(f.server.running.ocpp.call('OPS1', 'TriggerMessage', { requestedMessage: 'Nonsense' } as never)).rejects.toThrow();
    await expect(f.server.running.ocpp.call('NOT-CONNECTED', 'ClearCache', {})).rejects.toThrow();

    const families = parseExposition((await scrape(`Bearer ${SCRAPE}`)).body);
    expect(families.get('chargeplan_stations_connected')).toMatchObject({ type: 'gauge' });
    expect(value(families, 'chargeplan_stations_connected')).toBe(1);
    expect(value(families, 'chargeplan_ocpp_messages_total', { direction: 'in', action: 'BootNotification', result: 'ok' })).toBe(1);
    expect(value(families, 'chargeplan_ocpp_messages_total', { direction: 'in', action: 'Heartbeat', result: 'ok' })).toBe(1);
    expect(value(families, 'chargeplan_ocpp_messages_total', { direction: 'out', action: 'TriggerMessage', result: 'ok' })).toBe(1);
    expect(value(families, 'chargeplan_ocpp_messages_total', { direction: 'out', action: 'TriggerMessage', result: 'InvalidRequest' })).toBe(1);
    expect(value(families, 'chargeplan_ocpp_messages_total', { direction: 'out', action: 'ClearCache', result: 'Offline' })).toBe(1);
    expect(value(families, 'chargeplan_ocpp_call_duration_seconds_count', { action: 'TriggerMessage', outcome: 'ok' })).toBe(1);
    expect(value(families, 'chargeplan_ocpp_validation_failures_total', { action: 'TriggerMessage', kind: 'Request' })).toBe(1);
    // The session was planned and its TxProfile accepted by the station.
    expect(value(families, 'chargeplan_profiles_total', { state: 'accepted' })).toBeGreaterThanOrEqual(1);
    expect(value(families, 'chargeplan_plan_solve_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value(families, 'chargeplan_plan_push_seconds_count')).toBeGreaterThanOrEqual(1);
    // HTTP by route pattern, never the raw URL.
    expect(value(families, 'chargeplan_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/stations/:stationId/trigger', status: '200' })).toBe(1);
    expect(value(families, 'chargeplan_http_request_duration_seconds_count', { method: 'GET', route: '/metrics', status: '403' })).toBe(1);
    // The whole cycle (snapshot, solve, store, push) of each plan pushed, next to its solve and push parts.
    expect(families.get('chargeplan_plan_cycle_seconds')?.type).toBe('histogram');
    expect(value(families, 'chargeplan_plan_cycle_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value(families, 'chargeplan_plan_cycle_seconds_sum')).toBeGreaterThanOrEqual(0);
    // Plan shortfalls per site: the latest plan's cars that fall short and its kWh short, as the plan says.
    const plan = (await f.server.running.scheduler.latestPlan('depot-a'))!;
    const short = plan.sessions.filter((s) => s.shortfallKwh > 0);
    expect(families.get('chargeplan_plan_shortfall_cars')?.type).toBe('gauge');
    expect(value(families, 'chargeplan_plan_shortfall_cars', { site: 'depot-a' })).toBe(short.length);
    expect(value(families, 'chargeplan_plan_shortfall_kwh', { site: 'depot-a' })).toBeCloseTo(short.reduce((a, s) => a + s.shortfallKwh, 0), 6);
    // Write transactions on this test's database (the session's TransactionEvents, the plan and its pushes among them).
    const dialect = f.server.running.storage.dialect;
    expect(families.get('chargeplan_db_write_seconds')?.type).toBe('histogram');
    expect(value(families, 'chargeplan_db_write_seconds_count', { dialect })).toBeGreaterThanOrEqual(1);
    expect(value(families, 'chargeplan_db_write_seconds_sum', { dialect })).toBeGreaterThan(0);
    expect(value(families, 'chargeplan_db_write_seconds_count', { dialect: dialect === 'sqlite' ? 'postgres' : 'sqlite' })).toBeUndefined();
    // Event-loop lag needs nothing of ours: prom-client's default metrics (collectDefaultMetrics) measure it.
    expect(families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
    expect(value(families, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(families.get('nodejs_eventloop_lag_p99_seconds')?.type).toBe('gauge');
  });

  it('reports a car planned short on its site: the cars and the kWh the plan says, one of them the late one', async () => {
    // 06:30 in Copenhagen (04:30 UTC, after the spring-forward night): a car that arrives now wants the site's default
    // 20 kWh by 07:00, and half an hour at 11 kW gives 5.5 kWh at most: the plan falls short, and says by how much.
    f.server.clock.set(Date.parse('2026-03-29T04:30:00Z'));
    await settle(f.server);
    const station = await f.station('OPS2');
    const before = (await f.server.running.scheduler.latestPlan('depot-a'))?.id ?? 0;
    const tx = await arrive(f, station);
    await settle(f.server);
    await station.idle();
    const plan = (await f.server.running.scheduler.latestPlan('depot-a'))!;
    expect(plan.id).toBeGreaterThan(before);
    const short = plan.sessions.filter((s) => s.shortfallKwh > 0);
    expect(short.map((s) => s.transactionId)).toContain(tx);
    expect(short.find((s) => s.transactionId === tx)!.shortfallKwh).toBeGreaterThan(10);
    const families = parseExposition((await scrape(`Bearer ${SCRAPE}`)).body);
    expect(value(families, 'chargeplan_plan_shortfall_cars', { site: 'depot-a' })).toBe(short.length);
    expect(value(families, 'chargeplan_plan_shortfall_kwh', { site: 'depot-a' })).toBeCloseTo(short.reduce((a, s) => a + s.shortfallKwh, 0), 6);
  });
});
