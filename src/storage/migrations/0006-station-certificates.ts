import type { Migration } from './migration.js';

/**
 * Security profile 3 (Part 2, A00.FR.4xx) and certificate renewal (A02/A03).
 *
 * - stations.client_cert_*: the client certificate the station was last admitted with (serial, subject, expiry, when
 *   seen), so the operator sees which certificate each station uses and when it runs out.
 * - stations.cert_renewal_requested_at: an operator's A02 request (from the CLI, another process) waiting until the
 *   server can send the station TriggerMessage SignChargingStationCertificate; cleared once the station was asked.
 * - station_certificates: every certificate our CA issued for a station (A02/A03 CertificateSigned or the first one
 *   from the CLI), with the PEM and how the station answered CertificateSigned. Serials are random 128-bit values
 *   (A00.FR.508), unique per CA.
 */
export const m0006StationCertificates: Migration = {
  version: 6,
  name: 'station-certificates',
  sqlite: `
ALTER TABLE stations ADD COLUMN client_cert_serial TEXT;
ALTER TABLE stations ADD COLUMN client_cert_subject TEXT;
ALTER TABLE stations ADD COLUMN client_cert_not_after TEXT;
ALTER TABLE stations ADD COLUMN client_cert_seen_at TEXT;
ALTER TABLE stations ADD COLUMN cert_renewal_requested_at TEXT;
CREATE TABLE station_certificates (
  serial TEXT PRIMARY KEY,
  station_id TEXT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  certificate_type TEXT NOT NULL CHECK (certificate_type IN ('ChargingStationCertificate')),
  subject TEXT NOT NULL,
  not_before TEXT NOT NULL,
  not_after TEXT NOT NULL,
  fingerprint_sha256 TEXT NOT NULL,
  pem TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('SignCertificate', 'cli')),
  issued_at TEXT NOT NULL,
  delivery TEXT NOT NULL CHECK (delivery IN ('pending', 'Accepted', 'Rejected', 'failed', 'cli')),
  delivery_detail TEXT,
  delivery_at TEXT
);
CREATE INDEX station_certificates_station ON station_certificates (station_id, issued_at);
`,
  postgres: `
ALTER TABLE stations ADD COLUMN client_cert_serial TEXT COLLATE "C";
ALTER TABLE stations ADD COLUMN client_cert_subject TEXT COLLATE "C";
ALTER TABLE stations ADD COLUMN client_cert_not_after TIMESTAMPTZ;
ALTER TABLE stations ADD COLUMN client_cert_seen_at TIMESTAMPTZ;
ALTER TABLE stations ADD COLUMN cert_renewal_requested_at TIMESTAMPTZ;
CREATE TABLE station_certificates (
  serial TEXT COLLATE "C" PRIMARY KEY,
  station_id TEXT COLLATE "C" NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  certificate_type TEXT COLLATE "C" NOT NULL CHECK (certificate_type IN ('ChargingStationCertificate')),
  subject TEXT COLLATE "C" NOT NULL,
  not_before TIMESTAMPTZ NOT NULL,
  not_after TIMESTAMPTZ NOT NULL,
  fingerprint_sha256 TEXT COLLATE "C" NOT NULL,
  pem TEXT COLLATE "C" NOT NULL,
  source TEXT COLLATE "C" NOT NULL CHECK (source IN ('SignCertificate', 'cli')),
  issued_at TIMESTAMPTZ NOT NULL,
  delivery TEXT COLLATE "C" NOT NULL CHECK (delivery IN ('pending', 'Accepted', 'Rejected', 'failed', 'cli')),
  delivery_detail TEXT COLLATE "C",
  delivery_at TIMESTAMPTZ
);
CREATE INDEX station_certificates_station ON station_certificates (station_id, issued_at);
`,
};
