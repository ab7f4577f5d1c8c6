import type { PushState } from '../domain/plans.js';
import type { PushStateRecord } from '../domain/push-states.js';
import type { Db } from './sql/dialect.js';
import { pairsOfJson, transactionPairsJson } from './sql/json-params.js';
import { prepare } from './sql/prepared.js';

/**
 * The site plan's read of what was pushed (issue 18): the rows of the plan's sessions, joined on the primary key by
 * (station, transaction) bound as one parameter, and only the columns the view shows; the site is checked on the rows
 * (as a condition in SQL it made SQLite walk the site index and scan the bound list per row: 1,000 vans, 0.6 s). pushedOf reads every
 * column, and each row's periods (a limit per slot, ~200 at a 48-hour horizon) were parsed for nothing: 1,000 vans,
 * most of a rebuild's time.
 */
const statesOf = prepare('pushed_profiles.states', (db: Db, p: { pairs: string }) =>
  db.selectFrom('pushed_profiles as p')
    .innerJoin(pairsOfJson(db, p.pairs).as('k'), (j) => j.onRef('k.a', '=', 'p.station_id').onRef('k.b', '=', 'p.transaction_id'))
    .select(['p.site_id', 'p.station_id', 'p.evse_id', 'p.transaction_id', 'p.profile_id', 'p.state', 'p.sent_at']));

export async function pushStatesOf(db: Db, siteId: string, sessions: readonly { stationId: string; evseId: number; transactionId: string }[]): Promise<PushStateRecord[]> {
  if (sessions.length === 0) return [];
  const rows = await statesOf.all(db, { pairs: transactionPairsJson(sessions) });
  const wanted = new Set(sessions.map((s) => `${s.stationId}#${s.evseId}#${s.transactionId}`));
  const out: PushStateRecord[] = [];
  for (const r of rows) {
    const evseId = Number(r.evse_id);
    if (r.site_id !== siteId || !wanted.has(`${r.station_id}#${evseId}#${r.transaction_id}`)) continue;
    out.push({ stationId: r.station_id, evseId, transactionId: r.transaction_id, profileId: Number(r.profile_id), state: r.state as PushState, sentAt: r.sent_at });
  }
  return out;
}
