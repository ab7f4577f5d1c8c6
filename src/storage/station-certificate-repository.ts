import type { Db } from './database.js';
import type { IssuedCertificateRecord, IssuedCertificateStore } from '../domain/stations.js';

interface Row {
  serial: string;
  station_id: string;
  certificate_type: 'ChargingStationCertificate';
  subject: string;
  not_before: string;
  not_after: string;
  fingerprint_sha256: string;
  pem: string;
  source: IssuedCertificateRecord['source'];
  issued_at: string;
  delivery: IssuedCertificateRecord['delivery'];
  delivery_detail: string | null;
}

/** Certificates our CA issued to stations (migration 0006): what was signed, for whom, and how it was delivered. */
export class StationCertificateRepository implements IssuedCertificateStore {
  private readonly insert;
  private readonly delivery;
  private readonly byStation;

  constructor(db: Db) {
    this.insert = db.prepare(
      `INSERT INTO station_certificates (serial, station_id, certificate_type, subject, not_before, not_after,
         fingerprint_sha256, pem, source, issued_at, delivery, delivery_detail)
       VALUES (@serial, @stationId, @certificateType, @subject, @notBefore, @notAfter, @fingerprintSha256, @pem,
         @source, @issuedAt, @delivery, @deliveryDetail)`,
    );
    this.delivery = db.prepare('UPDATE station_certificates SET delivery = ?, delivery_detail = ?, delivery_at = ? WHERE serial = ?');
    this.byStation = db.prepare<[string], Row>(
      'SELECT * FROM station_certificates WHERE station_id = ? ORDER BY issued_at DESC, rowid DESC',
    );
  }

  recordIssued(cert: IssuedCertificateRecord): void {
    this.insert.run(cert);
  }

  setDelivery(serial: string, delivery: IssuedCertificateRecord['delivery'], detail: string | null, at: string): void {
    this.delivery.run(delivery, detail, at, serial);
  }

  issuedTo(stationId: string): IssuedCertificateRecord[] {
    return this.byStation.all(stationId).map((r) => ({
      serial: r.serial,
      stationId: r.station_id,
      certificateType: r.certificate_type,
      subject: r.subject,
      notBefore: r.not_before,
      notAfter: r.not_after,
      fingerprintSha256: r.fingerprint_sha256,
      pem: r.pem,
      source: r.source,
      issuedAt: r.issued_at,
      delivery: r.delivery,
      deliveryDetail: r.delivery_detail,
    }));
  }
}
