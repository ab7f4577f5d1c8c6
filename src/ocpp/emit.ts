import type { OcppEvents, OcppEventSink } from '../domain/ocpp-events.js';
import type { Logger } from '../platform/logger.js';

/**
 * Emits an OCPP event to the rest of the product without letting a listener's failure reach the OCPP side: one that
 * throws, or a sink that hands back a promise that rejects, is logged with the event's name, never thrown into a
 * handshake or the RPC layer and never left as an unhandled rejection. (main.ts's listeners that read stores run on
 * their own and log their own failures; this is the net under them.)
 */
export function emitEvent<K extends keyof OcppEvents>(
  services: { events: OcppEventSink; logger: Logger },
  event: K,
  payload: OcppEvents[K],
): void {
  // The failure path's closure is made only on failure: an event is emitted for every message (message.handled).
  try {
    const result: unknown = services.events.emit(event, payload);
    if (result instanceof Promise) result.catch((err: unknown) => listenerFailed(services.logger, event, err));
  } catch (err) {
    listenerFailed(services.logger, event, err);
  }
}

function listenerFailed(logger: Logger, event: string, err: unknown): void {
  logger.error({ err, event }, 'OCPP event listener failed');
}

/** Runs a step whose failure, thrown or rejected, goes to `failed` and nowhere else (post-reply steps). */
export function runLogged(fn: () => void | Promise<void>, failed: (err: unknown) => void): void {
  try {
    const pending = fn();
    if (pending) pending.catch(failed);
  } catch (err) {
    failed(err);
  }
}
