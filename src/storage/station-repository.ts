import type { Selectable } from 'kysely';
import { inTransaction, type Db } from './sql/dialect.js';
import { prepare, runSteps, runStepsNow, type Prepared, type Steps } from './sql/prepared.js';
import { groupFor } from './turn-group.js';
import type { StationsTable } from './sql/schema.js';
import {
  StationExistsError,
  type BootInfo, type PresenceChange, type PresentedCertificate, type RegistrationStatus, type SecurityProfile, type StationBootFacts, type StationRecord, type StationStore,
} from '../domain/stations.js';

type Row = Selectable<StationsTable>;

function toRecord(r: Row): StationRecord {
  return {
    id: r.id,
    passwordHash: r.password_hash,
    securityProfile: r.security_profile as SecurityProfile,
    registrationStatus: r.registration_status as RegistrationStatus | null,
    autoRegistered: r.auto_registered === 1,
    vendorName: r.vendor_name,
    model: r.model,
    serialNumber: r.serial_number,
    firmwareVersion: r.firmware_version,
    lastBootAt: r.last_boot_at,
    lastBootStatus: r.last_boot_status as RegistrationStatus | null,
    lastSeenAt: r.last_seen_at,
    lastConnectedAt: r.last_connected_at,
    lastDisconnectedAt: r.last_disconnected_at,
    createdAt: r.created_at,
    clientCertificate: r.client_cert_serial === null ? null : {
      serial: r.client_cert_serial,
      subject: r.client_cert_subject ?? '',
      notAfter: r.client_cert_not_after ?? '',
      seenAt: r.client_cert_seen_at ?? '',
    },
    certificateRenewalRequestedAt: r.cert_renewal_requested_at,
  };
}

/** Fleets have thousands of stations, not millions: a bound that only guards the list against a runaway. */
const MAX_LIST = 100_000;

/** Read on every handshake and every Heartbeat (a stored certificate renewal is delivered then): compiled once. */
const byId = prepare('stations.get', (db: Db, p: { id: string }) => db.selectFrom('stations').selectAll().where('id', '=', p.id));

/** Read at every BootNotification: the columns its answer and what follows it depend on, not the row. */
const bootFactsById = prepare('stations.bootFacts', (db: Db, p: { id: string }) =>
  db.selectFrom('stations')
    .select(['security_profile', 'registration_status', 'last_boot_status', 'client_cert_serial', 'client_cert_not_after', 'cert_renewal_requested_at'])
    .where('id', '=', p.id));

/**
 * Whether a certificate renewal waits for the station, asked at every Heartbeat (certificate-renewal.ts): one column,
 * not the whole row (a Heartbeat made the station's ~25 values into a record to look at one of them).
 */
const renewalRequestedAt = prepare('stations.renewalRequestedAt', (db: Db, p: { id: string }) =>
  db.selectFrom('stations').select('cert_renewal_requested_at').where('id', '=', p.id));

/** Written at every connect and disconnect, thousands at once in a reconnect storm: compiled once. */
const presence: Record<PresenceChange['kind'], Prepared<{ id: string; at: string }, unknown>> = {
  connected: prepare('stations.connected', (db: Db, p: { id: string; at: string }) =>
    db.updateTable('stations').set({ last_connected_at: p.at, last_seen_at: p.at }).where('id', '=', p.id)),
  disconnected: prepare('stations.disconnected', (db: Db, p: { id: string; at: string }) =>
    db.updateTable('stations').set({ last_disconnected_at: p.at, last_seen_at: p.at }).where('id', '=', p.id)),
  seen: prepare('stations.seen', (db: Db, p: { id: string; at: string }) =>
    db.updateTable('stations').set({ last_seen_at: p.at }).where('id', '=', p.id)),
};

/**
 * Written at every BootNotification (B01), compiled once: built by the query builder it cost about as much as the
 * statement itself. Every value is bound, the optional ones as null (prepared.ts binds undefined as NULL too).
 */
const boot = prepare('stations.boot', (db: Db, p: {
  id: string; vendorName: string; model: string; serialNumber: string | null; firmwareVersion: string | null; reason: string;
  status: string; at: string;
}) => db.updateTable('stations').set({
  vendor_name: p.vendorName,
  model: p.model,
  serial_number: p.serialNumber,
  firmware_version: p.firmwareVersion,
  boot_reason: p.reason,
  last_boot_at: p.at,
  last_boot_status: p.status,
  last_seen_at: p.at,
  updated_at: p.at,
}).where('id', '=', p.id));

type BootParams = Parameters<typeof boot.run>[1];

/** A boot's station update as a step of its turn's group (turn-group.ts). */
function* bootSteps(p: BootParams): Steps<void> {
  yield boot.step(p);
}

/** A batch of presence changes as one sequence of steps (prepared.ts): one transaction, at once on SQLite. */
function* presenceSteps(changes: readonly PresenceChange[]): Steps<void> {
  for (const c of changes) yield presence[c.kind].step({ id: c.id, at: c.at });
}

export class StationRepository implements StationStore {
  constructor(private readonly db: Db) {}

  async get(id: string): Promise<StationRecord | undefined> {
    const row = await byId.first(this.db, { id });
    return row ? toRecord(row) : undefined;
  }

  async bootFacts(id: string): Promise<StationBootFacts | undefined> {
    const r = await bootFactsById.first(this.db, { id });
    return r === undefined ? undefined : {
      securityProfile: r.security_profile as SecurityProfile,
      registrationStatus: r.registration_status as RegistrationStatus | null,
      lastBootStatus: r.last_boot_status as RegistrationStatus | null,
      clientCertificateNotAfter: r.client_cert_serial === null ? null : r.client_cert_not_after ?? '',
      renewalRequested: r.cert_renewal_requested_at !== null,
    };
  }

  async list(): Promise<StationRecord[]> {
    const rows = await this.db.selectFrom('stations').selectAll().orderBy('id').limit(MAX_LIST).execute();
    return rows.map(toRecord);
  }

  /**
   * Inserts the station; when the id is taken (an earlier registration, or another connection or process that
   * registered it at the same moment) nothing is written and StationExistsError says so: one statement, so two
   * registrations of one id give one row and a defined outcome for the other on either database.
   */
  async register(
    input: { id: string; passwordHash: string | null; securityProfile: SecurityProfile; autoRegistered?: boolean },
    at: string,
  ): Promise<StationRecord> {
    const row = await this.db
      .insertInto('stations')
      .values({
        id: input.id,
        password_hash: input.passwordHash,
        security_profile: input.securityProfile,
        auto_registered: input.autoRegistered ? 1 : 0,
        created_at: at,
        updated_at: at,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new StationExistsError(input.id);
    return toRecord(row);
  }

  async setPassword(id: string, passwordHash: string, securityProfile: SecurityProfile, at: string): Promise<void> {
    const r = await this.db
      .updateTable('stations')
      .set({ password_hash: passwordHash, security_profile: securityProfile, updated_at: at })
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new Error(`station ${id} does not exist`);
  }

  async setRegistrationStatus(id: string, status: RegistrationStatus | null, at: string): Promise<void> {
    await this.db.updateTable('stations').set({ registration_status: status, updated_at: at }).where('id', '=', id).execute();
  }

  /**
   * On SQLite the boots of one turn share a commit (turn-group.ts: the station rows of a reconnect's boots are mostly
   * on the same pages); resolves once stored, as before.
   */
  async recordBoot(id: string, b: BootInfo, status: RegistrationStatus, at: string): Promise<void> {
    const p: BootParams = {
      id, vendorName: b.vendorName, model: b.model, serialNumber: b.serialNumber ?? null, firmwareVersion: b.firmwareVersion ?? null,
      reason: b.reason, status, at,
    };
    const group = groupFor(this.db);
    if (group !== undefined) return group.write(() => bootSteps(p), async () => void await boot.run(this.db, p));
    await boot.run(this.db, p);
  }

  async recordPresence(id: string, kind: PresenceChange['kind'], at: string): Promise<void> {
    await presence[kind].run(this.db, { id, at });
  }

  /**
   * One transaction for the batch (presence-writer.ts): on SQLite at once, without Kysely's transaction (its begin,
   * commit and connection hand-over cost more than a batch of a few rows), and in the commit of its turn's other writes
   * (turn-group.ts: a connect storm's boots update the same stations' rows, so one commit writes their pages once);
   * otherwise statement by statement in one.
   */
  async recordPresences(changes: readonly PresenceChange[]): Promise<void> {
    if (changes.length === 0) return;
    const alone = () => inTransaction(this.db, (trx) => runSteps(trx, presenceSteps(changes)));
    const group = groupFor(this.db);
    if (group !== undefined) return group.write(() => presenceSteps(changes), alone);
    if (runStepsNow(this.db, () => presenceSteps(changes)) !== undefined) return;
    await alone();
  }

  async recordClientCertificate(id: string, cert: PresentedCertificate): Promise<void> {
    await this.db
      .updateTable('stations')
      .set({
        client_cert_serial: cert.serial,
        client_cert_subject: cert.subject,
        client_cert_not_after: cert.notAfter,
        client_cert_seen_at: cert.seenAt,
      })
      .where('id', '=', id)
      .execute();
  }

  setCertificateRenewalRequested(id: string, at: string | null): Promise<void> {
    return this.setMarker(id, 'cert_renewal_requested_at', at);
  }

  async certificateRenewalRequestedAt(id: string): Promise<string | null> {
    return (await renewalRequestedAt.first(this.db, { id }))?.cert_renewal_requested_at ?? null;
  }

  async expiredCertificateAllowedAt(id: string): Promise<string | null> {
    const row = await this.db.selectFrom('stations').select('cert_accept_expired_at').where('id', '=', id).executeTakeFirst();
    return row?.cert_accept_expired_at ?? null;
  }

  setExpiredCertificateAllowed(id: string, at: string | null): Promise<void> {
    return this.setMarker(id, 'cert_accept_expired_at', at);
  }

  /** Sets (an instant, also the row's update time) or clears (null) one of the station's certificate markers. */
  private async setMarker(id: string, column: 'cert_renewal_requested_at' | 'cert_accept_expired_at', at: string | null): Promise<void> {
    const r = await this.db
      .updateTable('stations')
      .set((eb) => ({ [column]: at, updated_at: at ?? eb.ref('updated_at') }))
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new Error(`station ${id} does not exist`);
  }
}
