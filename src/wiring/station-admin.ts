/**
 * Chargers from the browser (issue 16): the waiting list the OCPP server admits unknown stations to, and the admin
 * API's station changes, wired from the repositories and the OCPP server (main.ts calls these two).
 */
import type { Db } from '../storage/sql/dialect.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { CsmsAction, RequestOf, ResponseOf } from '../ocpp/schemas/generated/index.js';
import type { OcppServer } from '../ocpp/server.js';
import type { StationDirectory } from '../domain/ports.js';
import { WaitingList } from '../ocpp/waiting-list.js';
import { OcppStationPasswords } from '../ocpp/station-passwords.js';
import { WaitingStationRepository } from '../storage/waiting-station-repository.js';
import { StationAdminRepository } from '../storage/station-admin-repository.js';
import { StationRepository } from '../storage/station-repository.js';
import type { ApiStationAdmin } from '../http/api/admin-stations-service.js';

/** The waiting list for unknown ids (ocpp.autoRegister off), bounded by WAITING_LIMITS. */
export function waitingList(db: Db, clock: Clock, logger: Logger): WaitingList {
  return new WaitingList(new WaitingStationRepository(db), clock, logger);
}

export function stationAdminApi(o: {
  db: Db;
  ocpp: Pick<OcppServer, 'disconnect'>;
  /** Who is connected anywhere (in a cluster, on any node). */
  directory: Pick<StationDirectory, 'isConnected'>;
  call: <A extends CsmsAction>(id: string, action: A, payload: RequestOf<A>) => Promise<ResponseOf<A>>;
  endpoint: ApiStationAdmin['endpoint'];
}): ApiStationAdmin {
  return {
    stations: new StationRepository(o.db),
    store: new StationAdminRepository(o.db),
    waiting: new WaitingStationRepository(o.db),
    passwords: new OcppStationPasswords({
      call: o.call,
      isConnected: (id) => o.directory.isConnected(id),
      disconnect: (id, code, reason) => o.ocpp.disconnect(id, code, reason),
    }),
    endpoint: o.endpoint,
  };
}
