import type { Migration } from './migration.js';

/**
 * A00.FR.429: a station may be admitted once with an expired client certificate, only when the CSMS "has been
 * explicitly configured to accept a connection by this specific Charging Station with an expired certificate".
 *
 * - stations.cert_accept_expired_at: when an operator allowed it (CLI `stations accept-expired <id>` or
 *   PUT /api/v1/stations/:id/certificate-policy); null = not allowed (A00.FR.407 applies). Cleared once the station
 *   has accepted its renewed certificate (CertificateSigned Accepted, A02).
 */
export const m0008StationCertificatePolicy: Migration = {
  version: 8,
  name: 'station-certificate-policy',
  sqlite: `
ALTER TABLE stations ADD COLUMN cert_accept_expired_at TEXT;
`,
  postgres: `
ALTER TABLE stations ADD COLUMN cert_accept_expired_at TIMESTAMPTZ;
`,
};
