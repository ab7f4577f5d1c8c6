/**
 * Which node holds which station's socket (issue 19; migrations/0015-station-presence.ts), on either database. Each
 * write is one statement, so nodes racing on one station are ordered by the row lock: the newest connection (by
 * connected_at, then node name) wins, and a node removes only its own row of the connection it reported.
 */
import { sql } from 'kysely';
import { countAll, instant, type Db } from './sql/dialect.js';
import type { PresenceRecord, PresenceStore } from '../domain/cluster.js';

const EXISTING = { node: sql.ref('station_presence.node'), connected_at: sql.ref('station_presence.connected_at') };

export class PresenceRepository implements PresenceStore {
  constructor(private readonly db: Db) {}

  async connected(stationId: string, node: string, connectedAt: string): Promise<boolean> {
    const db = this.db;
    const row = await db
      .insertInto('station_presence')
      .values({ station_id: stationId, node, connected_at: connectedAt })
      .onConflict((oc) => oc.column('station_id')
        .doUpdateSet({ node, connected_at: connectedAt })
        // An older (or equal and lower-named) connection is replaced; a newer one already recorded stays.
        .where(sql<boolean>`${instant(db, EXISTING.connected_at)} < ${instant(db, connectedAt)}
          OR (${instant(db, EXISTING.connected_at)} = ${instant(db, connectedAt)} AND ${EXISTING.node} <= ${node})`))
      .returning('node')
      .executeTakeFirst();
    return row !== undefined;
  }

  async disconnected(stationId: string, node: string, connectedAt: string): Promise<void> {
    await this.db
      .deleteFrom('station_presence')
      .where('station_id', '=', stationId).where('node', '=', node)
      .where(instant(this.db, sql.ref('connected_at')), '=', instant(this.db, connectedAt))
      .execute();
  }

  async of(stationId: string): Promise<PresenceRecord | undefined> {
    const row = await this.db.selectFrom('station_presence').selectAll().where('station_id', '=', stationId).executeTakeFirst();
    return row ? { stationId: row.station_id, node: row.node, connectedAt: row.connected_at } : undefined;
  }

  async all(limit: number): Promise<PresenceRecord[]> {
    const rows = await this.db.selectFrom('station_presence').selectAll().orderBy('station_id').limit(limit).execute();
    return rows.map((r) => ({ stationId: r.station_id, node: r.node, connectedAt: r.connected_at }));
  }

  async countsByNode(): Promise<Map<string, number>> {
    const rows = await this.db.selectFrom('station_presence').select(['node', countAll().as('n')]).groupBy('node').execute();
    return new Map(rows.map((r) => [r.node, Number(r.n)]));
  }

  async clearNode(node: string): Promise<number> {
    const result = await this.db.deleteFrom('station_presence').where('node', '=', node).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
