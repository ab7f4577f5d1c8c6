import type { Clock } from '../platform/clock.js';
import type { DecisionKind, DecisionRecord } from '../domain/plans.js';
import { phrase, type Phrase } from '../domain/phrases.js';
import { SiteVersionError, type CircuitConfig, type EvsePlacement, type Site, type SiteConfig, type SiteStore, type StoredSite } from '../domain/sites.js';
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
/**
 * SITE_INVALID: the site breaks a rule (422); SITE_UNKNOWN (404); the others conflict with the current state (409);
 * SITE_CHANGED: the edit was based on a version of the site someone has changed since (If-Match).
 */
export type SiteChangeCode = 'SITE_INVALID' | 'SITE_UNKNOWN' | 'SITE_EXISTS' | 'SITE_BUSY' | 'CIRCUIT_BUSY' | 'EVSE_BUSY' | 'SITE_CHANGED';

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

  /**
   * Replaces the site whole (PUT): `input.id` must be `siteId`. With `ifMatch` (the version the caller read), refused
   * with SITE_CHANGED, naming the fields that now differ from `input`, when the site changed since; checked again
   * in the write's transaction, so two editors on two nodes cannot both win.
   */
  replace(siteId: string, input: unknown, actor: string, ifMatch?: string): Promise<Site> {
    return this.serial(async () => {
      const before = await this.stored(siteId);
      const id = (input as { id?: unknown } | null)?.id;
      if (id !== undefined && id !== siteId) throw new SiteChangeError('SITE_INVALID', 'id', `id: "${String(id)}" is not the site in the path ("${siteId}"); a site's id does not change`);
      if (ifMatch !== undefined && before.version !== ifMatch) throw changedSince(siteId, ifMatch, before, input);
      try {
        const [site] = await this.write([{ config: input, before, ...(ifMatch !== undefined ? { expect: ifMatch } : {}) }], 'site.changed', actor);
        return site!;
      } catch (err) {
        if (err instanceof SiteVersionError && ifMatch !== undefined) throw changedSince(siteId, ifMatch, err.current, input);
        throw err;
      }
    });
  }

  /**
   * Replaces the circuit tree; the EVSEs keep their circuits (which must still exist). With `ifMatch` (the version
   * the caller read) refused with SITE_CHANGED when the site changed since, as replace() is: a form that sends the
   * whole tree it read would otherwise drop a circuit someone added meanwhile.
   */
  setCircuits(siteId: string, circuits: CircuitConfig[], actor: string, ifMatch?: string): Promise<Site> {
    return this.edit(siteId, actor, (c) => ({ ...c, circuits }), ifMatch);
  }

  /** Replaces the site's policy; `ifMatch` as setCircuits'. */
  setPolicy(siteId: string, policy: NonNullable<SiteConfig['policy']>, actor: string, ifMatch?: string): Promise<Site> {
    return this.edit(siteId, actor, (c) => ({ ...c, policy }), ifMatch);
  }

  /**
   * Places the EVSE on the site (`spot`: its circuit, phases, phase and maximum power), or moves it there from the
   * circuit or site it is on now: both sites change in one transaction. Moving it to another site is refused while it
   * has a running session.
   */
  placeEvse(siteId: string, stationId: string, evseId: number, spot: EvseSpot, actor: string): Promise<Site> {
    return this.serial(() => retryChanged(async () => {
      const all = await this.deps.store.list();
      const target = all.find((s) => s.config.id === siteId);
      if (!target) throw unknown(siteId);
      const placement: EvsePlacement = { stationId, evseId, ...spot };
      const key = evseKey(placement);
      const from = all.find((s) => s.config.id !== siteId && s.config.evses.some((e) => evseKey(e) === key));
      const evses = target.config.evses.some((e) => evseKey(e) === key)
        ? target.config.evses.map((e) => (evseKey(e) === key ? placement : e))
        : [...target.config.evses, placement];
      const changes = [{ config: { ...target.config, evses } as unknown, before: target, expect: target.version }];
      if (from) changes.push({ config: { ...from.config, evses: from.config.evses.filter((e) => evseKey(e) !== key) }, before: from, expect: from.version });
      const sites = await this.write(changes, 'site.changed', actor, all);
      return sites[0]!;
    }));
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
      await this.log({ id: siteId }, 'site.deleted', `site deleted by ${actor}`, { by: actor }, phrase('decision.siteDeleted', { actor }));
    });
  }

  // ---- internals ----

  /**
   * A change to part of a site (its circuits, policy, one EVSE), applied to the site as stored when it is written: the
   * write expects the version it read, and when another node changed the site in between the change is applied again
   * to the new version (it only replaces its own part), at most EDIT_ATTEMPTS times. With `ifMatch` the caller's
   * part was made from that version: a site changed since is refused (SITE_CHANGED), never re-applied.
   */
  private edit(siteId: string, actor: string, change: (c: SiteConfig) => SiteConfig, ifMatch?: string): Promise<Site> {
    if (ifMatch !== undefined) {
      return this.serial(async () => {
        const before = await this.stored(siteId);
        const after = change(before.config);
        if (before.version !== ifMatch) throw changedSince(siteId, ifMatch, before, after);
        try {
          const [site] = await this.write([{ config: after, before, expect: ifMatch }], 'site.changed', actor);
          return site!;
        } catch (err) {
          if (err instanceof SiteVersionError) throw changedSince(siteId, ifMatch, err.current, after);
          throw err;
        }
      });
    }
    return this.serial(() => retryChanged(async () => {
      const before = await this.stored(siteId);
      const [site] = await this.write([{ config: change(before.config), before, expect: before.version }], 'site.changed', actor);
      return site!;
    }));
  }

  /**
   * Checks each changed site whole and against the others, refuses to strand a running session, writes them all in
   * one transaction and hands them to the scheduler (which re-plans them), then logs the change on each.
   */
  private async write(
    changes: { config: unknown; before: StoredSite | undefined; expect?: string }[],
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
      ...(c.expect !== undefined ? { expectVersion: c.expect } : {}),
    })), at);
    for (const site of sites) this.deps.scheduler.upsertSite(site);
    for (const [k, site] of sites.entries()) {
      const before = changes[k]!.before;
      const fields = before ? changedFields(before.config, changes[k]!.config as SiteConfig) : [];
      const what = kind === 'site.created' ? 'site created' : `site edited (${fields.join(', ') || 'no field changed'})`;
      const words = kind === 'site.created' ? phrase('decision.siteCreated', { actor }) : phrase('decision.siteEdited', { actor, fields: fields.join(', '), count: fields.length });
      await this.log(site, kind, `${what} by ${actor}`, { by: actor, ...(before ? { fields } : {}) }, words);
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

  private async log(site: Pick<Site, 'id'>, kind: DecisionKind, message: string, details: unknown, words: Phrase): Promise<void> {
    await this.deps.scheduler.decide(site, { kind, stationId: null, evseId: null, transactionId: null, planId: null, message, phrase: words, details });
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

/** How often a partial edit is applied again when another node changed the site between its read and its write. */
const EDIT_ATTEMPTS = 3;

async function retryChanged<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof SiteVersionError)) throw err;
      if (attempt >= EDIT_ATTEMPTS) throw new SiteChangeError('SITE_CHANGED', 'siteId', `site "${err.siteId}" kept changing while this edit was written (${EDIT_ATTEMPTS} attempts); try again`);
    }
  }
}

/** SITE_CHANGED for an edit based on version `read`: names the fields whose stored value now differs from the edit's. */
function changedSince(siteId: string, read: string, current: StoredSite | undefined, input: unknown): SiteChangeError {
  if (!current) return unknown(siteId);
  const fields = changedFields(current.config, input as SiteConfig);
  return new SiteChangeError('SITE_CHANGED', 'If-Match',
    `If-Match: site "${siteId}" changed since version ${read} was read (it is version ${current.version} now${current.editedAt ? `, edited ${current.editedAt}` : ''}); ` +
    `${fields.length ? `it differs from yours in ${fields.join(', ')}` : 'it now equals yours'}. Nothing was saved: reload it and make your change again`);
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
