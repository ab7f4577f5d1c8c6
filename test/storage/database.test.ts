import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDatabase } from '../../src/storage/database.js';
import { migrations } from '../../src/storage/migrations/index.js';

const dirs: string[] = [];
const tempDb = () => {
  const dir = mkdtempSync(join(tmpdir(), 'chargeplan-db-'));
  dirs.push(dir);
  return join(dir, 'nested', 'db.sqlite');
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('SQLite storage', () => {
  it('opens in WAL mode with foreign keys and applies every migration once, in order', () => {
    const path = tempDb();
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const applied = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
    expect(applied.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
    db.close();
    const again = openDatabase(path);
    expect(migrate(again, migrations)).toEqual([]);
    again.close();
  });

  it('a failing migration leaves nothing half-applied', () => {
    const db = openDatabase(tempDb(), { migrations: [] });
    const broken = [{ version: 1, name: 'half', up: 'CREATE TABLE a (x INTEGER); CREATE TABLE a (y INTEGER);' }];
    expect(() => migrate(db, broken)).toThrow(/already exists/);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'a'").get()).toBeUndefined();
    expect(db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: 0 });
    db.close();
  });

  it('refuses migrations out of order', () => {
    const db = openDatabase(tempDb(), { migrations: [] });
    expect(() => migrate(db, [{ version: 2, name: 'b', up: '' }, { version: 1, name: 'a', up: '' }])).toThrow(/out of order/);
    db.close();
  });
});
