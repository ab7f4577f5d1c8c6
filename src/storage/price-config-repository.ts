/**
 * Tariffs and price sources as stored entries (issue 16; migrations/0017-tariffs-price-sources.ts) on either database.
 * One class for both tables: an entry is a key and its body as JSON, written whole by one upsert (atomic by itself),
 * created_at kept on a replace. The body is checked by the prices layer before it gets here.
 */
import type { Db } from './sql/dialect.js';
import type { PriceConfigOrigin, PriceConfigStore, StoredPriceConfig } from '../domain/price-admin.js';

type Table = 'tariffs' | 'price_sources';
const KEY: Record<Table, 'name' | 'id'> = { tariffs: 'name', price_sources: 'id' };

interface Row {
  key: string;
  body_json: string;
  origin: string;
  config_sha256: string | null;
  edited_at: string | null;
  updated_at: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

const toStored = (r: Row): StoredPriceConfig => ({
  key: r.key,
  body: JSON.parse(r.body_json) as unknown,
  origin: r.origin as PriceConfigOrigin,
  configSha256: r.config_sha256,
  editedAt: r.edited_at === null ? null : Date.parse(r.edited_at),
  updatedAt: Date.parse(r.updated_at),
});

export class PriceConfigRepository implements PriceConfigStore {
  private readonly key: 'name' | 'id';

  constructor(private readonly db: Db, private readonly table: Table) {
    this.key = KEY[table];
  }

  /** Tariffs by name, sources by id. */
  static tariffs(db: Db): PriceConfigRepository {
    return new PriceConfigRepository(db, 'tariffs');
  }

  static sources(db: Db): PriceConfigRepository {
    return new PriceConfigRepository(db, 'price_sources');
  }

  async list(): Promise<StoredPriceConfig[]> {
    return (await this.select().orderBy('key').execute()).map(toStored);
  }

  async get(key: string): Promise<StoredPriceConfig | undefined> {
    const row = await this.select().where(this.key as 'name', '=', key).executeTakeFirst();
    return row ? toStored(row) : undefined;
  }

  async put(entry: Omit<StoredPriceConfig, 'updatedAt'>, at: number): Promise<void> {
    const row = {
      body_json: JSON.stringify(entry.body),
      origin: entry.origin,
      config_sha256: entry.configSha256,
      edited_at: entry.editedAt === null ? null : iso(entry.editedAt),
      updated_at: iso(at),
    };
    // Two literal table names keep the query builder's types exact.
    if (this.table === 'tariffs') {
      await this.db.insertInto('tariffs').values({ name: entry.key, created_at: iso(at), ...row })
        .onConflict((oc) => oc.column('name').doUpdateSet(row)).execute();
    } else {
      await this.db.insertInto('price_sources').values({ id: entry.key, created_at: iso(at), ...row })
        .onConflict((oc) => oc.column('id').doUpdateSet(row)).execute();
    }
  }

  async remove(key: string): Promise<boolean> {
    const r = this.table === 'tariffs'
      ? await this.db.deleteFrom('tariffs').where('name', '=', key).executeTakeFirst()
      : await this.db.deleteFrom('price_sources').where('id', '=', key).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  private select() {
    const t = this.table as 'tariffs';
    return this.db.selectFrom(t)
      .select([`${this.key as 'name'} as key`, 'body_json', 'origin', 'config_sha256', 'edited_at', 'updated_at']);
  }
}
