import type { Selectable } from 'kysely';
import { inTransaction, type Db } from './sql/dialect.js';
import { prepare, type Prepared } from './sql/prepared.js';
import type { StationsTable } from './sql/schema.js';
import {
  StationExistsError,
  type BootInfo, type PresenceChange, type PresentedCertificate, type RegistrationStatus, type SecurityProfile, type StationRecord, type StationStore,
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

export class StationRepository implements StationStore {
  constructor(private readonly db: Db) {}

  async get(id: string): Promise<StationRecord | undefined> {
    const row = await byId.first(this.db, { id });
    return row ? toRecord(row) : undefined;
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

  async recordBoot(id: string, boot: BootInfo, status: RegistrationStatus, at: string): Promise<void> {
    await this.db
      .updateTable('stations')
      .set({
        vendor_name: boot.vendorName,
        model: boot.model,
        serial_number: boot.serialNumber ?? null,
        firmware_version: boot.firmwareVersion ?? null,
        boot_reason: boot.reason,
        last_boot_at: at,
        last_boot_status: status,
        last_seen_at: at,
        updated_at: at,
      })
      .where('id', '=', id)
      .execute();
  }

  async recordPresence(id: string, kind: PresenceChange['kind'], at: string): Promise<void> {
    await presence[kind].run(this.db, { id, at });
  }

  async recordPresences(changes: readonly PresenceChange[]): Promise<void> {
    if (changes.length === 0) return;
    await inTransaction(this.db, async (trx) => {
      for (const c of changes) await presence[c.kind].run(trx, { id: c.id, at: c.at });
    });
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
