import { createHash } from 'node:crypto';
import type { Logger } from '../platform/logger.js';
import type { DecisionStore } from '../domain/plans.js';
import { phrase } from '../domain/phrases.js';
import type { Site, SiteConfig, SiteStore, SiteWrite, StoredSite } from '../domain/sites.js';
import { checkPlacements, checkSite, resolveSites, SiteConfigError } from './sites.js';

export interface SiteImportDeps {
  store: SiteStore;
  decisions: Pick<DecisionStore, 'append'>;
  tariffNames: readonly string[];
  now: () => number;
  logger: Logger;
}

export interface SiteImportReport {
  created: string[];
  updated: string[];
  unchanged: string[];
  /** Updated from a changed config entry although the site had been edited through the API since the last import. */
  overwritten: string[];
}

/** A config entry's fingerprint: its JSON with the keys sorted, so that reordering keys in the file changes nothing. */
export function configSha256(entry: SiteConfig): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
    return v;
  };
  return createHash('sha256').update(JSON.stringify(canonical(entry))).digest('hex');
}

/**
 * The config file's `sites[]` imported into the database at start-up (issue 16), idempotently. The rule:
 *
 * - a configured site that is not stored is created (origin config);
 * - one whose config entry is the same as at its last import is left alone, so edits made through the API since
 *   then survive every restart (the entry's SHA-256 is kept with the site);
 * - one whose config entry changed is replaced by it: the file was edited on purpose. If the site had been edited
 *   through the API since the last import, those edits are overwritten and this is said, as a warning in the log
 *   and a `site.imported` decision on the site;
 * - a stored site that config does not name (created through the API, or dropped from the file) stays.
 *
 * Every configured site is checked first (resolveSites: errors name `sites[i]...`), and against the stored sites an
 * EVSE may still be placed only once. All writes are one transaction.
 */
export async function importConfiguredSites(deps: SiteImportDeps, raw: unknown): Promise<SiteImportReport> {
  const report: SiteImportReport = { created: [], updated: [], unchanged: [], overwritten: [] };
  const resolved = resolveSites(raw, deps.tariffNames);
  const entries = (raw ?? []) as SiteConfig[];
  if (entries.length === 0) return report;
  const stored = new Map((await deps.store.list()).map((s) => [s.config.id, s]));
  const writes: SiteWrite[] = [];
  entries.forEach((entry, i) => {
    const sha = configSha256(entry);
    const before = stored.get(entry.id);
    if (before && before.configSha256 === sha) {
      report.unchanged.push(entry.id);
      return;
    }
    if (!before) report.created.push(entry.id);
    else if (before.editedAt !== null) report.overwritten.push(entry.id);
    else report.updated.push(entry.id);
    // Placed once across the stored sites the file does not replace (the file's own sites were checked together).
    const kept = [...stored.values()].filter((s) => !entries.some((e) => e.id === s.config.id)).map((s) => s.config);
    checkPlacements(resolved[i]!, kept, `sites[${i}]`, (other) => `site "${other.id}" in the database`);
    writes.push({ config: entry, origin: 'config', configSha256: sha, editedAt: null });
  });
  const at = new Date(deps.now()).toISOString();
  await deps.store.save(writes, at);
  for (const id of [...report.updated, ...report.overwritten]) {
    const lost = report.overwritten.includes(id) ? stored.get(id)!.editedAt : null;
    const message = lost
      ? `config import replaced the site with its changed config entry; edits made through the API (last at ${lost}) were overwritten`
      : 'config import replaced the site with its changed config entry';
    if (lost) deps.logger.warn({ site: id, editedAt: lost }, `sites: ${message}`);
    await deps.decisions.append({ siteId: id, at, kind: 'site.imported', stationId: null, evseId: null, transactionId: null, planId: null, message, phrase: lost ? phrase('decision.siteImportedOverwrote', { editedAt: lost }) : phrase('decision.siteImported'), details: { overwroteApiEdits: lost } });
  }
  deps.logger.info(report, 'sites: config imported');
  return report;
}

/**
 * The stored sites, checked and with their defaults filled in: what the scheduler plans. A stored site that no longer
 * passes the checks (its tariff was removed from prices.tariffs) is left out and logged with the field named; it is
 * planned again once config names its tariff, and can be edited or deleted meanwhile.
 */
export async function loadSites(store: Pick<SiteStore, 'list'>, tariffNames: readonly string[], logger: Logger): Promise<Site[]> {
  return resolveStored(await store.list(), tariffNames, logger);
}

export function resolveStored(stored: readonly StoredSite[], tariffNames: readonly string[], logger: Logger): Site[] {
  const sites: Site[] = [];
  for (const s of stored) {
    try {
      sites.push(checkSite(s.config, tariffNames, `site "${s.config.id}"`));
    } catch (err) {
      if (!(err instanceof SiteConfigError)) throw err;
      logger.error({ site: s.config.id, field: err.field }, `sites: stored site not planned: ${err.message}`);
    }
  }
  return sites;
}
