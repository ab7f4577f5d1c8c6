import { sql } from 'kysely';
import { instant, inTransaction, type Db } from './sql/dialect.js';
import type { SetupTokenRecord, SetupTokenStore } from '../domain/accounts.js';

/** The first run's one-time setup links (migrations/0012-setup-and-audit.ts). Instants are UTC ISO-8601 text. */
const iso = (ms: number) => new Date(ms).toISOString();
const COLUMNS = ['id', 'secret_sha256', 'created_at', 'expires_at', 'used_at'] as const;

export class SetupTokenRepository implements SetupTokenStore {
  constructor(private readonly db: Db) {}

  /** One live link at a time: the unused ones before it go in the same transaction (used ones stay as a record). */
  async replace(r: SetupTokenRecord): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      await trx.deleteFrom('setup_tokens').where('used_at', 'is', null).execute();
      await trx.insertInto('setup_tokens').values({
        id: r.id, secret_sha256: r.secretSha256, created_at: iso(r.createdAt), expires_at: iso(r.expiresAt), used_at: null,
      }).execute();
    });
  }

  async findBySecret(secretSha256: string): Promise<SetupTokenRecord | undefined> {
    const row = await this.db.selectFrom('setup_tokens').select(COLUMNS).where('secret_sha256', '=', secretSha256).executeTakeFirst();
    if (!row) return undefined;
    return {
      id: row.id,
      secretSha256: row.secret_sha256,
      createdAt: Date.parse(row.created_at),
      expiresAt: Date.parse(row.expires_at),
      ...(row.used_at ? { usedAt: Date.parse(row.used_at) } : {}),
    };
  }

  /** One guarded UPDATE: of two requests racing with the same link, exactly one sees true (row lock on PostgreSQL). */
  async consume(id: string, at: number): Promise<boolean> {
    const r = await this.db.updateTable('setup_tokens').set({ used_at: iso(at) })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where(instant(this.db, sql.ref('expires_at')), '>', instant(this.db, iso(at)))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
