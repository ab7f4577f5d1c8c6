/**
 * Where replayed sessions charge: the real records say when a car came and left, not at which charger, so each
 * session, in arrival order (ties by id), takes the lowest free EVSE in the given order; an EVSE is free when its
 * previous car left at or before this arrival. A session that finds none is turned away, visibly.
 */
import type { SessionRecord } from './sessions.js';

export interface Placement<E> {
  placed: { session: SessionRecord; evse: E }[];
  turnedAway: SessionRecord[];
}

export const byArrival = (a: SessionRecord, b: SessionRecord): number =>
  a.arrival - b.arrival || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function placeSessions<E>(sessions: readonly SessionRecord[], evses: readonly E[]): Placement<E> {
  const freeAt = evses.map(() => Number.NEGATIVE_INFINITY);
  const placed: Placement<E>['placed'] = [];
  const turnedAway: SessionRecord[] = [];
  for (const session of [...sessions].sort(byArrival)) {
    const i = freeAt.findIndex((t) => t <= session.arrival);
    if (i < 0) {
      turnedAway.push(session);
      continue;
    }
    freeAt[i] = session.departure;
    placed.push({ session, evse: evses[i]! });
  }
  return { placed, turnedAway };
}
