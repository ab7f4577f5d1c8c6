import type { Clock } from '../platform/clock.js';
import type { DecisionKind, DecisionRecord } from '../domain/plans.js';
import type { CircuitConfig, EvsePlacement, Site, SiteConfig, SiteStore, StoredSite } from '../domain/sites.js';
import type { TransactionStore } from '../domain/stations.js';
import { checkPlacements, checkSite, SiteConfigError } from './sites.js';

/** Why a change to a site was refused: a stable code, the field it is about, and a message that names both. */
export class SiteChangeError extends Error {
  override readonly name = 'SiteChangeError';
  readonly retryable = false;
  constructor(readonly code: SiteChangeCode, readonly field: string, message: string) {
    super(message);
  }
}
/** SITE_INVALID: the site breaks a rule (422); SITE_UNKNOWN (404); the others conflict with the current state (409). */
export type SiteChangeCode = 'SITE_INVALID' | 'SITE_UNKNOWN' | 'SITE_EXISTS' | 'SITE_BUSY' | 'CIRCUIT_BUSY' | 'EVSE_BUSY';

/** The scheduler's part: the set of sites it plans and its decision log. */
export interface SiteSetHolder {
  upsertSite(site: Site): unknown;
  removeSite(siteId: string): unknown;
  decide(site: Pick<Site, 'id'>, entry: Omit<DecisionRecord, 'id' | 'siteId' | 'at'>): Promise<DecisionRecord>;
}

export interface SiteAdminDeps {
  store: SiteStore;
  scheduler: SiteSetHolder;
  transactions: Pick<TransactionStore, 'activeOnEvses'>;
  /** The tariffs a site may name (prices.tariffs). */
  tariffNames: () => readonly string[];
  clock: Clock;
}

/** Where an EVSE goes on a site (its station and number come from the path). */
export type EvseSpot = Omit<EvsePlacement, 'stationId' | 'evseId'>;

const evseKey = (e: { stationId: string; evseId: number }) => `${e.stationId}#${e.evseId}`;

/**
 * Changes people make to sites (issue 16; the admin API builds on it). Each change is checked whole against the
 * stored sites (checkSite's rules, and each EVSE on one site), written in one transaction, then handed to the
 * scheduler, which re-plans the sites it concerns, and logged in their decision logs. Changes run one at a time.
 * A change that would take an EVSE with a running session off its site, or delete a circuit or site that holds one,
 * is refused and says which sessions.
 */
export class SiteAdmin {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: SiteAdminDeps) {}

  /** The site as stored (the config entry exactly as written), for export. */
  async export(siteId: string): Promise<SiteConfig> {
    return (await this.stored(siteId)).config;
  }

  create(input: unknown, actor: string): Promise<Site> {
    return this.serial(async () => {
      const id = (input as { id?: unknown } | null)?.id;
      if (typeof id === 'string' && (await this.deps.store.get(id))) throw new SiteChangeError('SITE_EXISTS', 'id', `id: site "${id}" exists already (edit it with PUT)`);
      const [site] = await this.write([{ config: input, before: undefined }], 'site.created', actor);
      return site!;
    });
  }

  /** Replaces the site whole (PUT): `input.id` must be `siteId`. */
  replace(siteId: string, input: unknown, actor: string): Promise<Site> {
    return this.serial(async () => {
      const before = await this.stored(siteId);
      const id = (input as { id?: unknown } | null)?.id;
      if (id !== undefined && id !== siteId) throw new SiteChangeError('SITE_INVALID', 'id', `id: "${String(id)}" is not the site in the path ("${siteId}"); a site's id does not change`);
      const [site] = await this.write([{ config: input, before }], 'site.changed', actor);
      return site!;
    });
  }

  /** Replaces the circuit tree; the EVSEs keep their circuits (which must still exist). */
  setCircuits(siteId: string, circuits: CircuitConfig[], actor: string): Promise<Site> {
    return this.edit(siteId, actor, (c) => ({ ...c, circuits }));
  }

  setPolicy(siteId: string, policy: NonNullable<SiteConfig['policy']>, actor: string): Promise<Site> {
    return this.edit(siteId, actor, (c) => ({ ...c, policy }));
  }

  /**
   * Places the EVSE on the site (`spot`: its circuit, phases, phase and maximum power), or moves it there from the
   * circuit or site it is on now: both sites change in one transaction. Moving it to another site is refused while it
   * has a running session.
   */
  placeEvse(siteId: string, stationId: string, evseId: number, spot: EvseSpot, actor: string): Promise<Site> {
    return this.serial(async () => {
      const all = await this.deps.store.list();
      const target = all.find((s) => s.config.id === siteId);
      if (!target) throw unknown(siteId);
      const placement: EvsePlacement = { stationId, evseId, ...spot };
      const key = evseKey(placement);
      const from = all.find((s) => s.config.id !== siteId && s.config.evses.some((e) => evseKey(e) === key));
      const evses = target.config.evses.some((e) => evseKey(e) === key)
        ? target.config.evses.map((e) => (evseKey(e) === key ? placement : e))
        : [...target.config.evses, placement];
      const changes = [{ config: { ...target.config, evses } as unknown, before: target }];
      if (from) changes.push({ config: { ...from.config, evses: from.config.evses.filter((e) => evseKey(e) !== key) }, before: from });
      const sites = await this.write(changes, 'site.changed', actor, all);
      return sites[0]!;
    });
  }

  /** Takes the EVSE off the site (refused while it has a running session). */
  removeEvse(siteId: string, stationId: string, evseId: number, actor: string): Promise<Site> {
    return this.edit(siteId, actor, (c) => {
      const evses = c.evses.filter((e) => !(e.stationId === stationId && e.evseId === evseId));
      if (evses.length === c.evses.length) throw new SiteChangeError('SITE_UNKNOWN', 'evseId', `evseId: EVSE ${evseId} of station "${stationId}" is not on site "${siteId}"`);
      return { ...c, evses };
    });
  }

  /** Deletes the site, its circuits and placements; refused while any of its EVSEs has a running session. */
  remove(siteId: string, actor: string): Promise<void> {
    return this.serial(async () => {
      const before = await this.stored(siteId);
      const running = await this.running(before.config.evses);
      if (running.length > 0) {
        throw new SiteChangeError('SITE_BUSY', 'siteId', `site "${siteId}" has running sessions: ${describe(running)}; delete it once they have ended`);
      }
      await this.deps.store.save([], this.now(), [siteId]);
      this.deps.scheduler.removeSite(siteId);
      await this.log({ id: siteId }, 'site.deleted', `site deleted by ${actor}`, { by: actor });
    });
  }

  // ---- internals ----

  private edit(siteId: string, actor: string, change: (c: SiteConfig) => SiteConfig): Promise<Site> {
    return this.serial(async () => {
      const before = await this.stored(siteId);
      const [site] = await this.write([{ config: change(before.config), before }], 'site.changed', actor);
      return site!;
    });
  }

  /**
   * Checks each changed site whole and against the others, refuses to strand a running session, writes them all in
   * one transaction and hands them to the scheduler (which re-plans them), then logs the change on each.
   */
  private async write(
    changes: { config: unknown; before: StoredSite | undefined }[],
    kind: Extract<DecisionKind, 'site.created' | 'site.changed'>,
    actor: string,
    all?: StoredSite[],
  ): Promise<Site[]> {
    const stored = all ?? (await this.deps.store.list());
    const ids = new Set(changes.map((c) => (c.before ? c.before.config.id : (c.config as { id?: string } | null)?.id)));
    const others = stored.filter((s) => !ids.has(s.config.id)).map((s) => ({ id: s.config.id, evses: s.config.evses }));
    const sites = changes.map((c) => invalidToChange(() => checkSite(c.config, this.deps.tariffNames())));
    sites.forEach((site) => invalidToChange(() => checkPlacements(site, [...others, ...sites])));
    for (const [k, c] of changes.entries()) if (c.before) await this.refuseStranding(c.before.config, sites[k]!);
    const at = this.now();
    await this.deps.store.save(changes.map((c) => ({
      config: c.config as SiteConfig,
      origin: c.before?.origin ?? 'api',
      configSha256: c.before?.configSha256 ?? null,
      editedAt: at,
    })), at);
    for (const site of sites) this.deps.scheduler.upsertSite(site);
    for (const [k, site] of sites.entries()) {
      const before = changes[k]!.before;
      const fields = before ? changedFields(before.config, changes[k]!.config as SiteConfig) : [];
      const what = kind === 'site.created' ? 'site created' : `site edited (${fields.join(', ') || 'no field changed'})`;
      await this.log(site, kind, `${what} by ${actor}`, { by: actor, ...(before ? { fields } : {}) });
    }
    return sites;
  }

  /** A circuit that disappears may not hold a running session (on it or below it), nor may an EVSE that leaves the site. */
  private async refuseStranding(before: SiteConfig, after: Site): Promise<void> {
    const kept = new Set(after.circuits.map((c) => c.id));
    const gone = (before.circuits ?? []).filter((c) => !kept.has(c.id));
    if (gone.length > 0) {
      const under = (circuit: string | undefined): string | undefined => {
        // The removed circuit an EVSE hangs under, walking up the tree as it was.
        for (let at = circuit, steps = 0; at && steps <= (before.circuits ?? []).length; steps++) {
          if (gone.some((g) => g.id === at)) return at;
          at = (before.circuits ?? []).find((c) => c.id === at)?.parent ?? undefined;
        }
        return undefined;
      };
      const held = before.evses.filter((e) => under(e.circuit) !== undefined);
      const running = await this.running(held);
      if (running.length > 0) {
        const circuit = under(held.find((e) => evseKey(e) === evseKey(running[0]!))!.circuit)!;
        throw new SiteChangeError('CIRCUIT_BUSY', 'circuits', `circuits: circuit "${circuit}" holds running sessions: ${describe(running)}; delete it once they have ended`);
      }
    }
    const staying = new Set(after.evses.map(evseKey));
    const leaving = await this.running(before.evses.filter((e) => !staying.has(evseKey(e))));
    if (leaving.length > 0) {
      throw new SiteChangeError('EVSE_BUSY', 'evses', `evses: ${describe(leaving)} would leave site "${after.id}" while charging; move it once the session has ended`);
    }
  }

  private async running(evses: readonly { stationId: string; evseId: number }[]) {
    return evses.length === 0 ? [] : this.deps.transactions.activeOnEvses(evses);
  }

  private async stored(siteId: string): Promise<StoredSite> {
    const s = await this.deps.store.get(siteId);
    if (!s) throw unknown(siteId);
    return s;
  }

  private async log(site: Pick<Site, 'id'>, kind: DecisionKind, message: string, details: unknown): Promise<void> {
    await this.deps.scheduler.decide(site, { kind, stationId: null, evseId: null, transactionId: null, planId: null, message, details });
  }

  private now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

const unknown = (siteId: string) => new SiteChangeError('SITE_UNKNOWN', 'siteId', `no site "${siteId}"`);

/** checkSite's and checkPlacements' errors as a refused change, the field named as they name it. */
function invalidToChange<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof SiteConfigError) throw new SiteChangeError('SITE_INVALID', err.field, err.message);
    throw err;
  }
}

function describe(running: readonly { stationId: string; evseId: number; transaction: { transactionId: string } }[]): string {
  const shown = running.slice(0, 5).map((r) => `station "${r.stationId}" EVSE ${r.evseId} (transaction ${r.transaction.transactionId})`);
  return running.length > 5 ? `${shown.join(', ')} and ${running.length - 5} more` : shown.join(', ');
}

/** The top-level fields whose value differs, for the decision log. */
function changedFields(a: SiteConfig, b: SiteConfig): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof SiteConfig>;
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}
