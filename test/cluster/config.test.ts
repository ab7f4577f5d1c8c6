/**
 * The cluster's settings (issue 19): with database.url, cluster.nats joins a node to the others; the errors name the
 * field: a cluster on SQLite, a server list that is not nats://, a subject prefix with an empty token. The
 * environment sets them in containers (docker-compose.yml's cluster profile).
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Subjects, stationFromToken, stationToken } from '../../src/cluster/transport.js';

const PG = 'postgres://app:secret@db:5432/chargeplan';

describe('cluster configuration', () => {
  it('takes cluster.nats, the node id and the subject prefix from the environment', () => {
    const c = loadConfig({ CHARGEPLAN_DATABASE_URL: PG, CHARGEPLAN_NATS_URL: 'nats://nats:4222,nats://nats-2:4222', CHARGEPLAN_NODE_ID: 'node-2' });
    expect(c.cluster).toEqual({ nats: 'nats://nats:4222,nats://nats-2:4222', nodeId: 'node-2' });
  });

  it('refuses a cluster on SQLite, naming what to set', () => {
    expect(() => loadConfig({}, { cluster: { nats: 'nats://127.0.0.1:4222' } })).toThrow(/\/cluster: nodes share their state in PostgreSQL: set database\.url/);
  });

  it('names a server that is not nats://host:port and a prefix with an empty token', () => {
    expect(() => loadConfig({ CHARGEPLAN_DATABASE_URL: PG }, { cluster: { nats: 'nats://a:4222, http://b:4222' } })).toThrow(/\/cluster\/nats: "http:\/\/b:4222" is not nats:\/\/host:port/);
    expect(() => loadConfig({ CHARGEPLAN_DATABASE_URL: PG }, { cluster: { nats: 'nats://a:4222', subjectPrefix: 'cp..x' } })).toThrow(/\/cluster\/subjectPrefix: "cp\.\.x" has an empty token/);
    expect(() => loadConfig({ CHARGEPLAN_DATABASE_URL: PG }, { cluster: { nats: 'nats://a:4222', nodeId: 'has space' } })).toThrow(/\/cluster\/nodeId/);
  });

  it('station ids become one subject token however they are spelled (. and * are NATS separators and wildcards)', () => {
    const s = new Subjects('cp.prod');
    for (const id of ['CS.1', 'A*B', 'x|y@z=+-_', 'Ω-station']) {
      const subject = s.call(id);
      expect(subject.split('.')).toHaveLength(5);
      expect(stationFromToken(subject.split('.')[3]!)).toBe(id);
      expect(stationToken(id)).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(() => new Subjects('cp.')).toThrow(/subjectPrefix/);
  });
});
