/**
 * Where an online policy's cost above hindsight comes from (issue 21): per hour of the site's day, the energy each
 * policy charged, the mean price it paid there, and the slots it filled to the limit; and per arrival hour, the
 * targets each policy missed. Printed by `bench:outcome -- --trace` under the table.
 */
import { DateTime } from 'luxon';
import type { PolicyResult } from './policies.js';
import type { Workload } from './workload.js';

const FULL_KW = 1e-3;

export function traceGap(w: Workload, results: readonly PolicyResult[]): string {
  const { grid, site } = w;
  const h = grid.stepMs / 3_600_000;
  const hourOf = (slot: number) => DateTime.fromMillis(grid.startMs + slot * grid.stepMs, { zone: site.timeZone }).hour;
  const hours = Array.from({ length: grid.slots }, (_, t) => hourOf(t));
  const lines: string[] = [];
  const header = ['hour', ...results.flatMap((r) => [`${r.name} kWh`, 'EUR/kWh', 'full slots', 'missed (arr.)'])];
  lines.push(`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`);
  const per = results.map((r) => {
    const load = new Float64Array(grid.slots);
    for (const v of w.visits) {
      const row = r.kwh.get(v.session.id);
      if (!row) continue;
      row.forEach((e, i) => { load[v.fromSlot + i]! += e; });
    }
    const kwh = new Array<number>(24).fill(0);
    const eur = new Array<number>(24).fill(0);
    const full = new Array<number>(24).fill(0);
    for (let t = 0; t < grid.slots; t++) {
      kwh[hours[t]!]! += load[t]!;
      eur[hours[t]!]! += load[t]! * w.prices[t]!;
      if (load[t]! / h >= site.gridLimitKw - FULL_KW) full[hours[t]!]!++;
    }
    const missed = new Array<number>(24).fill(0);
    for (const v of w.visits) {
      const got = (r.kwh.get(v.session.id) ?? []).reduce((a, b) => a + b, 0);
      if (v.feasible && got < v.session.energyKwh - 0.1) missed[hours[v.fromSlot]!]!++;
    }
    return { kwh, eur, full, missed };
  });
  for (let hr = 0; hr < 24; hr++) {
    lines.push(`| ${hr} | ${per.flatMap((p) => [p.kwh[hr]!.toFixed(0), p.kwh[hr]! > 0 ? (p.eur[hr]! / p.kwh[hr]!).toFixed(4) : '–', String(p.full[hr]), String(p.missed[hr])]).join(' | ')} |`);
  }
  return lines.join('\n');
}
