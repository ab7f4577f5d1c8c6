import { sql } from 'kysely';
import { dialectOf, type Db } from './sql/dialect.js';
import type { IssuedCertificateRecord, IssuedCertificateStore } from '../domain/stations.js';

/** A station gets a certificate a year or so; the bound guards the list against a runaway. */
const MAX_LIST = 10_000;

/** Certificates our CA issued to stations (migration 0006): what was signed, for whom, and how it was delivered. */
export class StationCertificateRepository implements IssuedCertificateStore {
  constructor(private readonly db: Db) {}

  async recordIssued(cert: IssuedCertificateRecord): Promise<void> {
    await this.db.insertInto('station_certificates')
      .values({
        serial: cert.serial,
        station_id: cert.stationId,
        certificate_type: cert.certificateType,
        subject: cert.subject,
        not_before: cert.notBefore,
        not_after: cert.notAfter,
        fingerprint_sha256: cert.fingerprintSha256,
        pem: cert.pem,
        source: cert.source,
        issued_at: cert.issuedAt,
        delivery: cert.delivery,
        delivery_detail: cert.deliveryDetail,
      })
      .execute();
  }

  async setDelivery(serial: string, delivery: IssuedCertificateRecord['delivery'], detail: string | null, at: string): Promise<void> {
    await this.db.updateTable('station_certificates')
      .set({ delivery, delivery_detail: detail, delivery_at: at })
      .where('serial', '=', serial)
      .execute();
  }

  async issuedTo(stationId: string): Promise<IssuedCertificateRecord[]> {
    // Two issued in the same millisecond: the later insert first in SQLite (rowid); PostgreSQL keeps no insertion
    // order in this table, so there the serial (random, A00.FR.508) decides, still the same order on every read.
    const tie = dialectOf(this.db) === 'postgres' ? sql.ref('serial') : sql.raw('rowid');
    const rows = await this.db.selectFrom('station_certificates').selectAll()
      .where('station_id', '=', stationId)
      .orderBy('issued_at', 'desc').orderBy(tie, 'desc')
      .limit(MAX_LIST)
      .execute();
    return rows.map((r) => ({
      serial: r.serial,
      stationId: r.station_id,
      certificateType: r.certificate_type as IssuedCertificateRecord['certificateType'],
      subject: r.subject,
      notBefore: r.not_before,
      notAfter: r.not_after,
      fingerprintSha256: r.fingerprint_sha256,
      pem: r.pem,
      source: r.source as IssuedCertificateRecord['source'],
      issuedAt: r.issued_at,
      delivery: r.delivery as IssuedCertificateRecord['delivery'],
      deliveryDetail: r.delivery_detail,
    }));
  }
}
