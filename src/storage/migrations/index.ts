import type { Migration } from './migration.js';
import { m0001Ocpp } from './0001-ocpp.js';
import { m0002Prices } from './0002-prices.js';
import { m0003Scheduler } from './0003-scheduler.js';
import { m0004Users } from './0004-users.js';
import { m0005BoostCosts } from './0005-boost-costs.js';
import { m0007StorageLimits } from './0007-storage-limits.js';
import { m0006StationCertificates } from './0006-station-certificates.js';
import { m0008StationCertificatePolicy } from './0008-station-certificate-policy.js';
import { m0009MeterRetention } from './0009-meter-retention.js';
import { m0010PriceStaging } from './0010-price-staging.js';
import { m0011ClusterLeases } from './0011-cluster-leases.js';
import { m0015StationPresence } from './0015-station-presence.js';
import { m0023RateWindows } from './0023-rate-windows.js';
import { m0016WaitingStations } from './0016-waiting-stations.js';
import { m0012SetupAndAudit } from './0012-setup-and-audit.js';
import { m0013Sites } from './0013-sites.js';
import { m0018FirmwareAndLogs } from './0018-firmware-and-logs.js';
import { m0019Alerts } from './0019-alerts.js';
import { m0017TariffsPriceSources } from './0017-tariffs-price-sources.js';
import { m0022ChargingModes } from './0022-charging-modes.js';
import { m0021Utilisation } from './0021-utilisation.js';
import { m0024StationFrames } from './0024-station-frames.js';
import { m0025DecisionPhrases } from './0025-decision-phrases.js';

export type { Migration } from './migration.js';

/**
 * Every migration, in version order (sorted here: several engineers add numbers reserved in parallel; the opener
 * still refuses two migrations with one number).
 */
export const migrations: readonly Migration[] = [m0001Ocpp, m0002Prices, m0003Scheduler, m0004Users, m0005BoostCosts, m0006StationCertificates, m0007StorageLimits, m0008StationCertificatePolicy, m0009MeterRetention, m0010PriceStaging, m0011ClusterLeases, m0012SetupAndAudit, m0013Sites, m0015StationPresence, m0023RateWindows, m0016WaitingStations, m0017TariffsPriceSources, m0021Utilisation, m0022ChargingModes, m0019Alerts, m0018FirmwareAndLogs, m0024StationFrames, m0025DecisionPhrases].sort((a, b) => a.version - b.version);
