/**
 * Sites with their circuit trees and EVSE placements (issue 16; migrations/0013-sites.ts) on either database. A site
 * is written whole: its row upserted, its circuits and EVSEs deleted and inserted again, all sites of one `save` in
 * one transaction, so a rejected write changes nothing. Optional fields the caller left out stay NULL and are left out
 * again when read, so the stored entry reads back exactly as it was given (the export).
 */
import { sql, type Selectable } from 'kysely';
import { inTransaction, lockKey, type Db } from './sql/dialect.js';
import { contentVersion } from '../platform/content-version.js';
import type { SiteCircuitsTable, SiteEvsesTable, SitesTable } from './sql/schema.js';
import { SiteVersionError, type CircuitConfig, type EvsePlacement, type SiteConfig, type SiteOrigin, type SiteStore, type SiteWrite, type StoredSite } from '../domain/sites.js';

/** Rows per INSERT: under SQLite's bound-parameter limit with a site's largest list (MAX_EVSES) of 8 columns. */
const CHUNK = 500;

/** Drops the keys whose value is null (a column the entry did not set). */
function present<T extends object>(o: { [K in keyof T]: T[K] | null }): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null)) as T;
}

function toConfig(r: Selectable<SitesTable>, circuits: Selectable<SiteCircuitsTable>[], evses: Selectable<SiteEvsesTable>[]): SiteConfig {
  const config = present<Omit<SiteConfig, 'circuits' | 'evses'>>({
    id: r.id,
    name: r.name,
    fleet: r.fleet,
    timeZone: r.time_zone,
    tariff: r.tariff,
    gridLimitKw: r.grid_limit_kw,
    capacityLimitTarget: r.capacity_limit_target,
    slotMinutes: r.slot_minutes as SiteConfig['slotMinutes'] | null,
    lineVoltageV: r.line_voltage_v,
    policy: r.policy_json === null ? null : (JSON.parse(r.policy_json) as SiteConfig['policy']),
  });
  const out: SiteConfig = { ...config, evses: [] };
  // `circuits` is given back when the entry had any; an entry written with `circuits: []` reads back without it.
  if (circuits.length > 0) {
    out.circuits = circuits.map((c) => present<CircuitConfig>({ id: c.id, parent: c.parent, limitKw: c.limit_kw, phaseLimitA: c.phase_limit_a }));
  }
  out.evses = evses.map((e) => present<EvsePlacement>({
    stationId: e.station_id, evseId: e.evse_id, circuit: e.circuit,
    phases: e.phases as EvsePlacement['phases'] | null, phase: e.phase as EvsePlacement['phase'] | null, maxKw: e.max_kw,
  }));
  // The keys in the schema's order, as config lists them (export reads like the config file).
  const { circuits: c, evses: e, policy, ...head } = out;
  return { ...head, ...(c ? { circuits: c } : {}), evses: e, ...(policy ? { policy } : {}) };
}

const toStored = (r: Selectable<SitesTable>, config: SiteConfig): StoredSite => ({
  config, origin: r.origin as SiteOrigin, configSha256: r.config_sha256, editedAt: r.edited_at, createdAt: r.created_at, updatedAt: r.updated_at,
  // toConfig gives the keys in one order, so equal entries have equal versions (the export's ETag is the same hash).
  version: contentVersion(config),
});

export class SiteRepository implements SiteStore {
  constructor(private readonly db: Db) {}

  async list(): Promise<StoredSite[]> {
    return this.read();
  }

  async get(id: string): Promise<StoredSite | undefined> {
    return (await this.read(id))[0];
  }

  async save(writes: readonly SiteWrite[], at: string, remove: readonly string[] = []): Promise<void> {
    if (writes.length === 0 && remove.length === 0) return;
    await inTransaction(this.db, async (trx) => {
      // Writers of the site set one at a time on PostgreSQL (positions are read, then given out); SQLite runs alone anyway.
      await lockKey(trx, 'sites');
      // Issue 16: an edit based on an older read is refused here, under the lock, whichever node wrote in between.
      for (const w of writes) {
        if (w.expectVersion === undefined) continue;
        const current = await new SiteRepository(trx).get(w.config.id);
        if (current?.version !== w.expectVersion) throw new SiteVersionError(w.config.id, w.expectVersion, current);
      }
      const ids = [...writes.map((w) => w.config.id), ...remove];
      await trx.deleteFrom('site_evses').where('site_id', 'in', ids).execute();
      await trx.deleteFrom('site_circuits').where('site_id', 'in', ids).execute();
      if (remove.length > 0) await trx.deleteFrom('sites').where('id', 'in', remove).execute();
      const last = await trx.selectFrom('sites').select(sql<number | null>`max(position)`.as('p')).executeTakeFirst();
      let position = Number(last?.p ?? 0);
      for (const w of writes) await this.write(trx, w, at, ++position);
    });
  }

  private async write(trx: Db, w: SiteWrite, at: string, position: number): Promise<void> {
    const s = w.config;
    const row = {
      name: s.name ?? null,
      fleet: s.fleet ?? null,
      time_zone: s.timeZone,
      tariff: s.tariff,
      grid_limit_kw: s.gridLimitKw,
      capacity_limit_target: s.capacityLimitTarget ?? null,
      slot_minutes: s.slotMinutes ?? null,
      line_voltage_v: s.lineVoltageV ?? null,
      policy_json: s.policy === undefined ? null : JSON.stringify(s.policy),
      origin: w.origin,
      config_sha256: w.configSha256,
      edited_at: w.editedAt,
      updated_at: at,
    };
    // A site that exists keeps its position and creation time.
    await trx.insertInto('sites').values({ id: s.id, position, created_at: at, ...row })
      .onConflict((oc) => oc.column('id').doUpdateSet(row)).execute();
    const circuits = (s.circuits ?? []).map((c, k) => ({
      site_id: s.id, id: c.id, position: k, parent: c.parent ?? null, limit_kw: c.limitKw ?? null, phase_limit_a: c.phaseLimitA ?? null,
    }));
    // One statement per chunk: a parent listed after its child is checked at the statement's end (both databases).
    for (let i = 0; i < circuits.length; i += CHUNK) await trx.insertInto('site_circuits').values(circuits.slice(i, i + CHUNK)).execute();
    const evses = s.evses.map((e, k) => ({
      station_id: e.stationId, evse_id: e.evseId, site_id: s.id, position: k, circuit: e.circuit ?? null,
      phases: e.phases ?? null, phase: e.phase ?? null, max_kw: e.maxKw ?? null,
    }));
    for (let i = 0; i < evses.length; i += CHUNK) await trx.insertInto('site_evses').values(evses.slice(i, i + CHUNK)).execute();
  }

  /** One query per table (not per site): every site, or the one named. */
  private async read(id?: string): Promise<StoredSite[]> {
    const db = this.db;
    let sites = db.selectFrom('sites').selectAll().orderBy('position');
    let circuits = db.selectFrom('site_circuits').selectAll().orderBy('site_id').orderBy('position');
    let evses = db.selectFrom('site_evses').selectAll().orderBy('site_id').orderBy('position');
    if (id !== undefined) {
      sites = sites.where('id', '=', id);
      circuits = circuits.where('site_id', '=', id);
      evses = evses.where('site_id', '=', id);
    }
    const [s, c, e] = await Promise.all([sites.execute(), circuits.execute(), evses.execute()]);
    const bySite = <T extends { site_id: string }>(rows: T[]) => {
      const map = new Map<string, T[]>();
      for (const r of rows) {
        const list = map.get(r.site_id);
        if (list) list.push(r);
        else map.set(r.site_id, [r]);
      }
      return map;
    };
    const cs = bySite(c);
    const es = bySite(e);
    return s.map((r) => toStored(r, toConfig(r, cs.get(r.id) ?? [], es.get(r.id) ?? [])));
  }
}
