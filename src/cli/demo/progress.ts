/**
 * What the demo prints as its day runs: per site, the cars plugged in, the power they draw (the simulated
 * chargers' meters) against the grid limit and its peak so far, and the energy, cost and saving of the day's
 * sessions so far (the product's own session costs: docs/scheduler.md, Session costs).
 */
import { DateTime } from 'luxon';
import type { Site } from '../../domain/sites.js';
import type { World } from '../sim/world.js';
import type { DemoWindow } from './day.js';

export interface SiteProgress {
  siteId: string;
  plugged: number;
  powerKw: number;
  /** The highest power drawn at the end of any step so far. */
  peakKw: number;
  limitKw: number;
  sessions: number;
  energyKwh: number;
  cost: number;
  /** The same energy charged at full power on arrival; only sessions whose saving is known. */
  uncontrolledCost: number;
  savings: number;
  currency: string;
}

export interface WatchedSite {
  site: Site;
  currency: string;
}

/** The simulated EVSEs a site places, their meters brought up to now (the draw is what flows at this instant). */
function evsesOf(world: World, site: Site) {
  return site.evses.map((e) => {
    const station = world.station(e.stationId);
    station.settle();
    return station.evse(e.evseId)!;
  });
}

/** The power a site's chargers draw now, kW. */
export function sitePowerKw(world: World, site: Site): number {
  return evsesOf(world, site).reduce((a, e) => a + e.draw.powerW, 0) / 1000;
}

/** Watches the sites step by step (peaks) and reports on them. */
export class DemoMonitor {
  private readonly peaks = new Map<string, number>();

  constructor(private readonly world: World, private readonly sites: readonly WatchedSite[], private readonly window: DemoWindow) {}

  /** After every step: the power drawn now, per site. */
  observe(): Map<string, number> {
    const now = new Map<string, number>();
    for (const { site } of this.sites) {
      const kw = sitePowerKw(this.world, site);
      now.set(site.id, kw);
      this.peaks.set(site.id, Math.max(this.peaks.get(site.id) ?? 0, kw));
    }
    return now;
  }

  peakKw(siteId: string): number {
    return this.peaks.get(siteId) ?? 0;
  }

  progress(): Promise<SiteProgress[]> {
    return Promise.all(this.sites.map(async ({ site, currency }) => {
      const evses = evsesOf(this.world, site);
      const costs = await this.world.running.scheduler.sessionCosts({ siteIds: [site.id], fromMs: this.window.start, toMs: this.window.end });
      const known = costs.filter((c) => c.savings !== null);
      const powerKw = evses.reduce((a, e) => a + e.draw.powerW, 0) / 1000;
      return {
        siteId: site.id,
        plugged: evses.filter((e) => e.car).length,
        powerKw,
        peakKw: Math.max(this.peakKw(site.id), powerKw),
        limitKw: site.gridLimitKw,
        sessions: costs.length,
        energyKwh: costs.reduce((a, c) => a + c.energyKwh, 0),
        cost: costs.reduce((a, c) => a + c.cost, 0),
        uncontrolledCost: known.reduce((a, c) => a + (c.uncontrolledCost ?? 0), 0),
        savings: known.reduce((a, c) => a + (c.savings ?? 0), 0),
        currency,
      };
    }));
  }

  async line(at: number): Promise<string> {
    const when = DateTime.fromMillis(at, { zone: this.window.timeZone }).toFormat('ccc dd LLL HH:mm');
    const parts = (await this.progress()).map((p) =>
      `${p.siteId}: ${p.plugged} plugged in, ${kw(p.powerKw)} of ${kw(p.limitKw)} kW (peak ${kw(p.peakKw)}), ` +
      `${p.energyKwh.toFixed(1)} kWh, ${money(p.cost, p.currency)}, ${savedText(p)}`);
    return `${when}  ${parts.join('  |  ')}`;
  }

  async summary(): Promise<string[]> {
    return (await this.progress()).map((p) =>
      `${p.siteId}: ${p.sessions} ${p.sessions === 1 ? 'session' : 'sessions'}, ${p.energyKwh.toFixed(1)} kWh, peak ${kw(p.peakKw)} of ${kw(p.limitKw)} kW, ` +
      `cost ${money(p.cost, p.currency)}, ${savedText(p)} against charging at full power on arrival`);
  }
}

const kw = (x: number) => x.toFixed(1);
const money = (x: number, currency: string) => `${currency} ${x.toFixed(2)}`;

function savedText(p: Pick<SiteProgress, 'savings' | 'uncontrolledCost' | 'currency'>): string {
  const pct = p.uncontrolledCost > 0 ? ` (${Math.round((p.savings / p.uncontrolledCost) * 100)} %)` : '';
  return `saved ${money(p.savings, p.currency)}${pct}`;
}
