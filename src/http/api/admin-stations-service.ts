import { StationExistsError, type SecurityProfile, type StationRecord, type StationStore } from '../../domain/stations.js';
import type { StationAdminStore, StationPasswords } from '../../domain/station-admin.js';
import type { WaitingStation, WaitingStationStore } from '../../domain/waiting-stations.js';
import type { AuditActor, AuditEntry } from '../../domain/audit.js';
import { stationIdProblem } from '../../domain/station-id.js';
import { phrase } from '../../domain/phrases.js';
import { SiteChangeError } from '../../scheduler/index.js';
import { HttpError } from '../errors.js';
import type { ApiContext } from './context.js';
import type { AdminStation, Connection, Credentials, Placement } from './admin-stations-schemas.js';

/** What the admin station routes need (main.ts wires the repositories and the OCPP server). */
export interface ApiStationAdmin {
  stations: Pick<StationStore, 'get' | 'list'>;
  store: StationAdminStore;
  waiting: Pick<WaitingStationStore, 'get' | 'list'>;
  passwords: StationPasswords;
  /** This server's OCPP ports and path (the ports as listening, once they are). */
  endpoint(): { port: number | null; tlsPort: number | null; path: string };
}

const SITE_STATUS: Record<string, number> = { SITE_INVALID: 422, SITE_UNKNOWN: 422, SITE_EXISTS: 409, SITE_BUSY: 409, CIRCUIT_BUSY: 409, EVSE_BUSY: 409 };
const CALL_STATUS: Record<string, number> = { STATION_OFFLINE: 409, OCPP_NOT_ALLOWED: 409, OCPP_TIMEOUT: 504, OCPP_CALL_ERROR: 502, OCPP_INVALID: 502 };

const unknownStation = (id: string) => new HttpError(404, 'STATION_UNKNOWN', `stationId: no station "${id}"`, 'stationId');

/**
 * Adding, re-keying, removing and adopting stations (issue 16), admins only (the routes check). Passwords are made
 * here (A01.FR.07, 24 random characters), returned once and stored only as hashes (A01.FR.08); every change is written
 * with its audit entry in one transaction.
 */
export class StationAdminService {
  constructor(private readonly ctx: ApiContext, private readonly d: ApiStationAdmin) {}

  async list(): Promise<AdminStation[]> {
    return (await this.d.stations.list()).map((s) => this.view(s));
  }

  /** ws:// and wss:// base URLs of this server as `host` reaches it (null: no such port). */
  endpoints(host: string): { ws: string | null; wss: string | null } {
    const { port, tlsPort, path } = this.d.endpoint();
    const base = path.replace(/\/$/, '');
    return { ws: port === null ? null : `ws://${host}:${port}${base}`, wss: tlsPort === null ? null : `wss://${host}:${tlsPort}${base}` };
  }

  async add(input: { id: string; securityProfile: SecurityProfile; placements?: Placement[] | undefined }, actor: AuditActor, host: string): Promise<Credentials> {
    const problem = stationIdProblem(input.id);
    if (problem) throw new HttpError(400, 'REQUEST_INVALID', `id: ${problem}`, 'id');
    if (await this.d.stations.get(input.id)) throw new HttpError(409, 'STATION_EXISTS', `id: station "${input.id}" exists already (rotate its password instead)`, 'id');
    const placements = input.placements ?? [];
    this.checkSites(placements);
    // Placed first, so that a refused placement registers nothing; undone if the registration then fails.
    const placed = await this.place(input.id, placements, actor);
    const password = input.securityProfile === 3 ? null : this.d.passwords.generate();
    const now = this.isoNow();
    let station: StationRecord;
    try {
      station = await this.d.store.add({ id: input.id, passwordHash: password === null ? null : this.d.passwords.hash(password), securityProfile: input.securityProfile }, now,
        this.audit(actor, 'station.added', input.id, { securityProfile: input.securityProfile, placements: placements.map((p) => `${p.siteId}/${p.evseId}`) }));
    } catch (err) {
      await this.unplace(input.id, placed, actor);
      if (err instanceof StationExistsError) throw new HttpError(409, 'STATION_EXISTS', `id: station "${input.id}" exists already`, 'id');
      throw err;
    }
    // A connection that was only waiting under this id never proved this password: it reconnects and must prove it.
    if (this.d.passwords.isConnected(input.id)) this.d.passwords.disconnect(input.id, 'station registered: reconnect with its password');
    return { station: this.view(station), password, connection: this.connection(input.id, input.securityProfile, host), stationAnswer: null };
  }

  /**
   * A new password. mode 'station': A01.FR.02 SetVariables to the connected station first; A01.FR.03 only Accepted
   * changes the stored hash; A01.FR.04 anything else keeps the old one (409 STATION_REFUSED with its answer). A station
   * that is not connected is refused (409 STATION_OFFLINE) and nothing changes. mode 'manual': the hash changes now and
   * the password is shown, for the installer to type into the charger (it cannot connect until then).
   */
  async rotate(stationId: string, mode: 'station' | 'manual', actor: AuditActor, host: string): Promise<Credentials> {
    const station = await this.d.stations.get(stationId);
    if (!station) throw unknownStation(stationId);
    if (station.securityProfile === 3) {
      throw new HttpError(409, 'STATION_PROFILE_3', `stationId: station "${stationId}" uses security profile 3 and has no password; renew its certificate instead`, 'stationId');
    }
    const profile: SecurityProfile = station.securityProfile === 0 ? 1 : station.securityProfile;
    const password = this.d.passwords.generate();
    let answer: string | null = null;
    if (mode === 'station') {
      answer = await this.sendPassword(stationId, password, 'rotated');
    }
    await this.d.store.setPassword(stationId, this.d.passwords.hash(password), profile, this.isoNow(),
      this.audit(actor, mode === 'station' ? 'station.password.rotated' : 'station.password.set-manually', stationId, mode === 'station' ? { stationAnswer: answer } : {}));
    const after = (await this.d.stations.get(stationId)) ?? station;
    return { station: this.view(after), password, connection: this.connection(stationId, profile, host), stationAnswer: answer };
  }

  /** Removes the station; refused (409 STATION_BUSY, naming them) while a transaction runs. Its EVSEs leave their sites. */
  async remove(stationId: string, actor: AuditActor): Promise<void> {
    if (!(await this.d.stations.get(stationId))) throw unknownStation(stationId);
    const placed = this.placementsOf(stationId);
    const result = await this.d.store.remove(stationId, this.audit(actor, 'station.removed', stationId, { placements: placed.map((p) => `${p.siteId}/${p.evseId}`) }));
    if (result.running.length > 0) {
      throw new HttpError(409, 'STATION_BUSY', `stationId: station "${stationId}" has running transactions (${result.running.join(', ')}); remove it once they have ended`, 'stationId');
    }
    if (!result.removed) throw unknownStation(stationId);
    await this.unplace(stationId, placed, actor);
    if (this.d.passwords.isConnected(stationId)) this.d.passwords.disconnect(stationId, 'station removed');
  }

  async waiting(limit: number): Promise<(WaitingStation & { connected: boolean })[]> {
    return (await this.d.waiting.list(limit)).map((w) => ({ ...w, connected: this.d.passwords.isConnected(w.stationId) }));
  }

  /**
   * Adopts a waiting station: a password is generated and sent by SetVariables BasicAuthPassword (it must be connected,
   * and answer Accepted, A01.FR.03); then, in one transaction, the hash is stored, the station registered (profile 2
   * when it came over TLS, else 1), taken off the list and audited; its EVSEs are placed; its waiting connection is
   * closed so that it reconnects with the new password and boots as a registered station.
   */
  async adopt(stationId: string, placements: Placement[], actor: AuditActor, host: string): Promise<Credentials> {
    const waiting = await this.d.waiting.get(stationId);
    if (!waiting) throw new HttpError(404, 'STATION_UNKNOWN', `stationId: "${stationId}" is not waiting to be adopted`, 'stationId');
    if (await this.d.stations.get(stationId)) throw new HttpError(409, 'STATION_EXISTS', `stationId: station "${stationId}" is registered already; dismiss it from the list`, 'stationId');
    this.checkSites(placements);
    const password = this.d.passwords.generate();
    const answer = await this.sendPassword(stationId, password, 'adopted');
    const profile: SecurityProfile = waiting.tls ? 2 : 1;
    let station: StationRecord;
    try {
      station = await this.d.store.adopt({ id: stationId, passwordHash: this.d.passwords.hash(password), securityProfile: profile }, this.isoNow(),
        this.audit(actor, 'station.adopted', stationId, { securityProfile: profile, remoteAddress: waiting.remoteAddress, vendorName: waiting.vendorName, model: waiting.model, placements: placements.map((p) => `${p.siteId}/${p.evseId}`) }));
    } catch (err) {
      if (err instanceof StationExistsError) throw new HttpError(409, 'STATION_EXISTS', `stationId: station "${stationId}" was registered meanwhile`, 'stationId');
      throw err;
    }
    this.d.passwords.disconnect(stationId, 'adopted: reconnect with the new password');
    await this.place(stationId, placements, actor, 'adopted, but ');
    return { station: this.view(station), password, connection: this.connection(stationId, profile, host), stationAnswer: answer };
  }

  async dismiss(stationId: string, actor: AuditActor): Promise<void> {
    const waiting = await this.d.waiting.get(stationId);
    const done = await this.d.store.dismiss(stationId, this.audit(actor, 'station.dismissed', stationId, waiting ? { remoteAddress: waiting.remoteAddress, attempts: waiting.attempts } : {}));
    if (!done) throw new HttpError(404, 'STATION_UNKNOWN', `stationId: "${stationId}" is not waiting to be adopted`, 'stationId');
    // Its waiting connection ends; if it tries again it is recorded again (and refused once the list is full).
    if (this.d.passwords.isConnected(stationId) && !(await this.d.stations.get(stationId))) this.d.passwords.disconnect(stationId, 'dismissed');
  }

  // ---- internals ----

  /** Sends the password (A01.FR.02); anything but Accepted is refused with what the station said (A01.FR.04). */
  private async sendPassword(stationId: string, password: string, what: string): Promise<string> {
    if (!this.d.passwords.isConnected(stationId)) {
      throw new HttpError(409, 'STATION_OFFLINE', `stationId: station "${stationId}" is not connected, so its password cannot be ${what} without locking it out; ` +
        (what === 'rotated' ? 'try again when it is online, or choose "set it on the station yourself" (mode manual)' : 'it shows as connected when it tries again'), 'stationId');
    }
    const answer = await this.d.passwords.send(stationId, password);
    if (answer.failure) {
      throw new HttpError(CALL_STATUS[answer.failure.code] ?? 502, answer.failure.code === 'OCPP_INVALID' ? 'OCPP_CALL_ERROR' : answer.failure.code,
        `station "${stationId}" did not take the new password (${answer.failure.message}); its password is unchanged`);
    }
    if (answer.status !== 'Accepted') {
      throw new HttpError(409, 'STATION_REFUSED', `station "${stationId}" answered ${answer.status}${answer.reasonCode ? ` (${answer.reasonCode})` : ''} to the new password; ` +
        'it keeps its current password and so do we (A01.FR.04)');
    }
    return answer.status;
  }

  /** Every placement names a site that exists (the rest is checked when placing). */
  private checkSites(placements: Placement[]): void {
    const sites = new Set(this.ctx.sites.map((s) => s.id));
    const seen = new Set<number>();
    placements.forEach((p, i) => {
      if (!sites.has(p.siteId)) throw new HttpError(422, 'SITE_UNKNOWN', `placements[${i}].siteId: no site "${p.siteId}"`, `placements[${i}].siteId`);
      if (seen.has(p.evseId)) throw new HttpError(422, 'REQUEST_INVALID', `placements[${i}].evseId: EVSE ${p.evseId} is placed twice`, `placements[${i}].evseId`);
      seen.add(p.evseId);
    });
  }

  /** Places each EVSE; on a refusal the ones placed are taken off again and the error names the placement. */
  private async place(stationId: string, placements: Placement[], actor: AuditActor, prefix = ''): Promise<Placement[]> {
    const admin = this.siteAdmin();
    const done: Placement[] = [];
    for (const [i, p] of placements.entries()) {
      const { siteId, evseId, ...spot } = p;
      try {
        await admin.placeEvse(siteId, stationId, evseId, spot, this.by(actor));
        done.push(p);
      } catch (err) {
        if (!(err instanceof SiteChangeError)) throw err;
        if (!prefix) await this.unplace(stationId, done, actor);
        const field = `placements[${i}].${err.field.replace(/^evses\[\d+\]\.?/, '') || 'evseId'}`;
        throw new HttpError(SITE_STATUS[err.code] ?? 422, err.code, `${prefix}${field}: ${err.message}`, field);
      }
    }
    return done;
  }

  private async unplace(stationId: string, placed: readonly { siteId: string; evseId: number }[], actor: AuditActor): Promise<void> {
    const admin = this.siteAdmin();
    for (const p of placed) {
      await admin.removeEvse(p.siteId, stationId, p.evseId, this.by(actor)).catch(() => undefined);
    }
  }

  private siteAdmin() {
    const admin = this.ctx.deps.siteAdmin;
    if (!admin) throw new HttpError(409, 'SITES_READ_ONLY', 'placements: this server does not manage sites');
    return admin;
  }

  private placementsOf(stationId: string): { siteId: string; evseId: number; circuit: string | null }[] {
    return this.ctx.sitesOfStation(stationId).flatMap((site) => site.evses
      .filter((e) => e.stationId === stationId)
      .map((e) => ({ siteId: site.id, evseId: e.evseId, circuit: e.circuit })));
  }

  private view(s: StationRecord): AdminStation {
    return {
      id: s.id, securityProfile: s.securityProfile, connected: this.d.passwords.isConnected(s.id), vendorName: s.vendorName, model: s.model,
      lastBootStatus: s.lastBootStatus, lastSeenAt: s.lastSeenAt, createdAt: s.createdAt, autoRegistered: s.autoRegistered, placements: this.placementsOf(s.id),
    };
  }

  private connection(stationId: string, profile: SecurityProfile, host: string): Connection {
    const { ws, wss } = this.endpoints(host);
    const base = profile === 1 ? ws : wss;
    const url = base === null ? null : `${base}/${encodeURIComponent(stationId)}`;
    const note = profile === 3
      ? 'Security profile 3: the charger authenticates with a TLS client certificate for CN=<station id> (npm run stations -- certificate); no password.'
      : `Security profile ${profile}: in the charger set the OCPP URL${profile === 2 ? ' (TLS, trusting this server’s certificate)' : ''}, the username (the station id) and the password (BasicAuthPassword).` +
        (base === null ? ` This server has no ${profile === 1 ? 'ocpp.port' : 'ocpp.tlsPort'} configured yet.` : '');
    // The same note as a phrase (issue 18): the pages say it in their language.
    const notePhrase = profile === 3 ? phrase('connection.certificate')
      : phrase('connection.password', { profile, missing: base === null ? (profile === 1 ? 'ocpp.port' : 'ocpp.tlsPort') : 'none' });
    return { securityProfile: profile, url, username: profile === 3 ? null : stationId, note, notePhrase };
  }

  private audit(actor: AuditActor, action: string, stationId: string, detail: Record<string, unknown>): AuditEntry {
    return { at: this.ctx.now(), actor, action, target: { kind: 'station', id: stationId }, detail };
  }

  private by(actor: AuditActor): string {
    return `${actor.kind === 'user' ? 'user' : 'API token'} "${actor.name}"`;
  }

  private isoNow(): string {
    return new Date(this.ctx.now()).toISOString();
  }
}
