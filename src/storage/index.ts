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

export { openStorage, type Storage, type DatabaseOptions, type Db, type DialectName, DatabaseConfigError } from './database.js';

/** One repository per aggregate, all on one database (or one transaction). */
export function createOcppRepositories(db: Db, options: { stationLog?: StationLogLimits } = {}) {
  return {
    stations: new StationRepository(db),
    evses: new EvseRepository(db),
    transactions: new TransactionRepository(db),
    meterValues: new MeterValueRepository(db),
    idTokens: new IdTokenRepository(db),
    chargingNeeds: new ChargingNeedsRepository(db),
    deviceModel: new DeviceModelRepository(db),
    stationLog: new StationLogRepository(db, options.stationLog),
    issuedCertificates: new StationCertificateRepository(db),
  };
}
