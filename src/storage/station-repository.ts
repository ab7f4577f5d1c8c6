import type { Db } from './database.js';
import type {
  BootInfo, PresentedCertificate, RegistrationStatus, SecurityProfile, StationRecord, StationStore,
} from '../domain/stations.js';

interface Row {
  id: string;
  password_hash: string | null;
  security_profile: number;
  registration_status: RegistrationStatus | null;
  auto_registered: number;
  vendor_name: string | null;
  model: string | null;
  serial_number: string | null;
  firmware_version: string | null;
  last_boot_at: string | null;
  last_boot_status: RegistrationStatus | null;
  last_seen_at: string | null;
  last_connected_at: string | null;
  last_disconnected_at: string | null;
  created_at: string;
  client_cert_serial: string | null;
  client_cert_subject: string | null;
  client_cert_not_after: string | null;
  client_cert_seen_at: string | null;
  cert_renewal_requested_at: string | null;
}

function toRecord(r: Row): StationRecord {
  return {
    id: r.id,
    passwordHash: r.password_hash,
    securityProfile: r.security_profile as SecurityProfile,
    registrationStatus: r.registration_status,
    autoRegistered: r.auto_registered === 1,
    vendorName: r.vendor_name,
    model: r.model,
    serialNumber: r.serial_number,
    firmwareVersion: r.firmware_version,
    lastBootAt: r.last_boot_at,
    lastBootStatus: r.last_boot_status,
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

export class StationRepository implements StationStore {
  private readonly getStmt;
  private readonly listStmt;
  private readonly insertStmt;
  private readonly bootStmt;
  private readonly presence;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare<[string], Row>('SELECT * FROM stations WHERE id = ?');
    this.listStmt = db.prepare<[], Row>('SELECT * FROM stations ORDER BY id');
    this.insertStmt = db.prepare(
      `INSERT INTO stations (id, password_hash, security_profile, auto_registered, created_at, updated_at)
       VALUES (@id, @hash, @profile, @auto, @at, @at)`,
    );
    this.bootStmt = db.prepare(
      `UPDATE stations SET vendor_name = @vendorName, model = @model, serial_number = @serialNumber,
         firmware_version = @firmwareVersion, boot_reason = @reason, last_boot_at = @at, last_boot_status = @status,
         last_seen_at = @at, updated_at = @at WHERE id = @id`,
    );
    this.presence = {
      connected: db.prepare('UPDATE stations SET last_connected_at = @at, last_seen_at = @at WHERE id = @id'),
      disconnected: db.prepare('UPDATE stations SET last_disconnected_at = @at, last_seen_at = @at WHERE id = @id'),
      seen: db.prepare('UPDATE stations SET last_seen_at = @at WHERE id = @id'),
    };
  }

  get(id: string): StationRecord | undefined {
    const row = this.getStmt.get(id);
    return row ? toRecord(row) : undefined;
  }

  list(): StationRecord[] {
    return this.listStmt.all().map(toRecord);
  }

  register(
    input: { id: string; passwordHash: string | null; securityProfile: SecurityProfile; autoRegistered?: boolean },
    at: string,
  ): StationRecord {
    this.insertStmt.run({
      id: input.id,
      hash: input.passwordHash,
      profile: input.securityProfile,
      auto: input.autoRegistered ? 1 : 0,
      at,
    });
    return this.get(input.id)!;
  }

  setPassword(id: string, passwordHash: string, securityProfile: SecurityProfile, at: string): void {
    const info = this.db
      .prepare('UPDATE stations SET password_hash = ?, security_profile = ?, updated_at = ? WHERE id = ?')
      .run(passwordHash, securityProfile, at, id);
    if (info.changes === 0) throw new Error(`station ${id} does not exist`);
  }

  setRegistrationStatus(id: string, status: RegistrationStatus | null, at: string): void {
    this.db.prepare('UPDATE stations SET registration_status = ?, updated_at = ? WHERE id = ?').run(status, at, id);
  }

  recordBoot(id: string, boot: BootInfo, status: RegistrationStatus, at: string): void {
    this.bootStmt.run({
      id,
      vendorName: boot.vendorName,
      model: boot.model,
      serialNumber: boot.serialNumber ?? null,
      firmwareVersion: boot.firmwareVersion ?? null,
      reason: boot.reason,
      status,
      at,
    });
  }

  recordPresence(id: string, kind: 'connected' | 'disconnected' | 'seen', at: string): void {
    this.presence[kind].run({ at, id });
  }

  recordClientCertificate(id: string, cert: PresentedCertificate): void {
    this.db.prepare(
      `UPDATE stations SET client_cert_serial = @serial, client_cert_subject = @subject, client_cert_not_after = @notAfter,
         client_cert_seen_at = @seenAt WHERE id = @id`,
    ).run({ ...cert, id });
  }

  setCertificateRenewalRequested(id: string, at: string | null): void {
    const info = this.db.prepare('UPDATE stations SET cert_renewal_requested_at = ?, updated_at = COALESCE(?, updated_at) WHERE id = ?').run(at, at, id);
    if (info.changes === 0) throw new Error(`station ${id} does not exist`);
  }
}
