import { Value } from '@sinclair/typebox/value';
import { IANAZone } from 'luxon';
import { DEFAULT_POLICY, SiteConfig, SitesConfig, type PlacedEvse, type Site } from '../domain/sites.js';

/** A site in config that cannot work: the message names the field (convention 7). */
export class SiteConfigError extends Error {
  readonly code = 'SITE_INVALID';
  readonly retryable = false;
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'SiteConfigError';
  }
}

/** `sites[0]` + `circuits[1].parent` -> `sites[0].circuits[1].parent`; an empty prefix (one site, the API's body) adds nothing. */
const join = (prefix: string, rest: string) => (!prefix ? rest : rest.startsWith('[') ? `${prefix}${rest}` : `${prefix}.${rest}`);

/** TypeBox's first error as a field path: /evses/0/maxKw -> evses[0].maxKw. */
function schemaError(schema: typeof SiteConfig | typeof SitesConfig, raw: unknown, prefix: string): SiteConfigError {
  const e = [...Value.Errors(schema, raw)][0]!;
  const path = e.path.replace(/\//g, '.').replace(/\.(\d+)/g, '[$1]').replace(/^\./, '');
  return new SiteConfigError(join(prefix, path) || prefix || 'site', e.message);
}

/**
 * Checks `sites` from config and fills in the defaults. Besides the schema: the time zone must be a real IANA zone,
 * the tariff must exist, circuit parents must exist and form a tree, and an EVSE may be placed only once.
 */
export function resolveSites(raw: unknown, tariffNames: readonly string[]): Site[] {
  if (raw === undefined) return [];
  if (!Value.Check(SitesConfig, raw)) throw schemaError(SitesConfig, raw, 'sites');
  const seenSites = new Set<string>();
  const resolved: Site[] = [];
  raw.forEach((s, i) => {
    const f = `sites[${i}]`;
    if (seenSites.has(s.id)) throw new SiteConfigError(`${f}.id`, `site "${s.id}" appears twice`);
    seenSites.add(s.id);
    const site = checkSite(s, tariffNames, f);
    checkPlacements(site, resolved, f, (other, j) => `sites[${resolved.indexOf(other as Site)}].evses[${j}]`);
    resolved.push(site);
  });
  return resolved;
}

/**
 * One site, checked whole and with its defaults filled in: the schema, a real IANA zone, a known tariff, circuits
 * that form a tree, EVSEs on known circuits and each EVSE once. Errors name the field under `prefix` (`sites[2]` for
 * config; empty for an API body: `circuits[1].parent`).
 */
export function checkSite(raw: unknown, tariffNames: readonly string[], prefix = ''): Site {
  if (!Value.Check(SiteConfig, raw)) throw schemaError(SiteConfig, raw, prefix);
  const s = raw;
  const f = (rest: string) => join(prefix, rest);
  if (!IANAZone.isValidZone(s.timeZone)) throw new SiteConfigError(f('timeZone'), `"${s.timeZone}" is not an IANA time zone`);
  if (!tariffNames.includes(s.tariff)) {
    throw new SiteConfigError(f('tariff'), `no tariff named "${s.tariff}" in prices.tariffs (known: ${tariffNames.join(', ') || 'none'})`);
  }
  checkCircuits(s, prefix);
  const placed = new Map<string, number>();
  const evses = s.evses.map((e, j): PlacedEvse => {
    const key = `${e.stationId}#${e.evseId}`;
    const other = placed.get(key);
    if (other !== undefined) throw new SiteConfigError(f(`evses[${j}]`), `EVSE ${e.evseId} of station "${e.stationId}" is already placed (${f(`evses[${other}]`)})`);
    placed.set(key, j);
    if (e.circuit !== undefined && !(s.circuits ?? []).some((c) => c.id === e.circuit)) {
      throw new SiteConfigError(f(`evses[${j}].circuit`), `no circuit "${e.circuit}" on site "${s.id}"`);
    }
    const phases = e.phases ?? 3;
    if (e.phase !== undefined && phases !== 1) throw new SiteConfigError(f(`evses[${j}].phase`), 'only a 1-phase EVSE has a phase');
    return { stationId: e.stationId, evseId: e.evseId, circuit: e.circuit ?? null, phases, phase: e.phase ?? null, maxKw: e.maxKw ?? 11 };
  });
  return {
    id: s.id,
    name: s.name ?? s.id,
    fleet: s.fleet ?? null,
    timeZone: s.timeZone,
    tariff: s.tariff,
    gridLimitKw: s.gridLimitKw,
    capacityLimitTarget: s.capacityLimitTarget ?? null,
    slotMinutes: s.slotMinutes ?? 15,
    lineVoltageV: s.lineVoltageV ?? 230,
    circuits: s.circuits ?? [],
    evses,
    policy: { ...DEFAULT_POLICY, ...(s.policy ?? {}) },
  };
}

/** What placement checks read of a site: its id and where its EVSEs are. */
export interface Placed {
  id: string;
  evses: readonly { stationId: string; evseId: number }[];
}

/**
 * An EVSE is placed on one site at most: throws naming `prefix`.evses[j] when one of the site's EVSEs is on one of
 * `others` (a site with the same id is the one being replaced and does not count). `where` names the other place.
 */
export function checkPlacements(
  site: Placed,
  others: readonly Placed[],
  prefix = '',
  where: (other: Placed, j: number) => string = (other) => `site "${other.id}"`,
): void {
  const onOther = new Map<string, { other: Placed; j: number }>();
  for (const other of others) {
    if (other.id === site.id) continue;
    other.evses.forEach((e, j) => onOther.set(`${e.stationId}#${e.evseId}`, { other, j }));
  }
  site.evses.forEach((e, j) => {
    const found = onOther.get(`${e.stationId}#${e.evseId}`);
    if (found) throw new SiteConfigError(join(prefix, `evses[${j}]`), `EVSE ${e.evseId} of station "${e.stationId}" is already placed (${where(found.other, found.j)})`);
  });
}

function checkCircuits(s: SiteConfig, prefix: string): void {
  const f = `${prefix}${prefix ? '.' : ''}circuits`;
  const circuits = s.circuits ?? [];
  const ids = new Map<string, number>();
  circuits.forEach((c, k) => {
    if (ids.has(c.id)) throw new SiteConfigError(`${f}[${k}].id`, `circuit "${c.id}" appears twice`);
    ids.set(c.id, k);
  });
  circuits.forEach((c, k) => {
    if (c.parent === undefined || c.parent === null) return;
    if (!ids.has(c.parent)) throw new SiteConfigError(`${f}[${k}].parent`, `no circuit "${c.parent}"`);
    // Walk up: a parent chain longer than the number of circuits is a cycle.
    let at: string | null | undefined = c.parent;
    for (let steps = 0; at; steps++) {
      if (steps > circuits.length) throw new SiteConfigError(`${f}[${k}].parent`, `circuit "${c.id}" is its own ancestor`);
      at = circuits[ids.get(at)!]!.parent;
    }
  });
}

/** Which site an EVSE belongs to. */
export class SiteIndex {
  private readonly byEvse = new Map<string, { site: Site; evse: PlacedEvse }>();
  private readonly byId = new Map<string, Site>();

  constructor(readonly sites: readonly Site[]) {
    for (const site of sites) {
      this.byId.set(site.id, site);
      for (const evse of site.evses) this.byEvse.set(`${evse.stationId}#${evse.evseId}`, { site, evse });
    }
  }

  site(id: string): Site | undefined {
    return this.byId.get(id);
  }

  evse(stationId: string, evseId: number): { site: Site; evse: PlacedEvse } | undefined {
    return this.byEvse.get(`${stationId}#${evseId}`);
  }

  /** The sites that have at least one EVSE of this station. */
  sitesOfStation(stationId: string): Site[] {
    return this.sites.filter((s) => s.evses.some((e) => e.stationId === stationId));
  }
}
