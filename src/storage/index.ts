import type { Db } from './sql/dialect.js';
import { StationRepository } from './station-repository.js';
import { EvseRepository } from './evse-repository.js';
import { TransactionRepository } from './transaction-repository.js';
import { MeterValueRepository } from './meter-value-repository.js';
import { IdTokenRepository } from './id-token-repository.js';
import { ChargingNeedsRepository } from './charging-needs-repository.js';
import { DeviceModelRepository } from './device-model-repository.js';
import { StationLogRepository } from './station-log-repository.js';
import type { StationLogLimits } from './stored-payload.js';
import { StationCertificateRepository } from './station-certificate-repository.js';
import { StationFrameRepository } from './station-frame-repository.js';
import { MeterThinning, type MeterLimits } from './meter-thinning.js';
import type { DeviceModelLimits } from './device-model-repository.js';

export { openStorage, type Storage, type DatabaseOptions, type Db, type DialectName, DatabaseConfigError } from './database.js';

/** One repository per aggregate, all on one database (or one transaction). */
export function createOcppRepositories(db: Db, options: {
  stationLog?: StationLogLimits;
  /** Meter values' intake limits (meter-thinning.ts); `onDrop` hears once per station and minute of samples dropped. */
  meterValues?: MeterLimits & { onDrop?: (stationId: string) => void };
  deviceModel?: DeviceModelLimits;
} = {}) {
  // One thinning for both ways samples arrive (MeterValues and TransactionEvent), so they share a station's series.
  const thinning = options.meterValues ? new MeterThinning(options.meterValues, options.meterValues.onDrop) : undefined;
  return {
    stations: new StationRepository(db),
    evses: new EvseRepository(db),
    transactions: new TransactionRepository(db, thinning),
    meterValues: new MeterValueRepository(db, thinning),
    idTokens: new IdTokenRepository(db),
    chargingNeeds: new ChargingNeedsRepository(db),
    deviceModel: new DeviceModelRepository(db, options.deviceModel),
    stationLog: new StationLogRepository(db, options.stationLog),
    issuedCertificates: new StationCertificateRepository(db),
    // Issue 16: the station page's message log, written by the OCPP server in batches (src/ocpp/frame-log.ts).
    frames: new StationFrameRepository(db),
  };
}
