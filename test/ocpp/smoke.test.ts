import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ScriptedStation, smartChargingVariables } from '../helpers/scripted-station.js';

let server: TestServer;
afterEach(async () => server?.stop());

describe('smoke', () => {
  it('boots a station and reads its capabilities', async () => {
    server = await startTestServer();
    await server.addStation('CS1', 'correct-horse-battery');
    const cs = await ScriptedStation.connect(server.wsUrl, { id: 'CS1', password: 'correct-horse-battery' });
    cs.respond('GetVariables', smartChargingVariables());
    const caps = server.running.events.once('station.capabilities');
    const res = await cs.boot();
    expect(res.status).toBe('Accepted');
    expect((await caps).capabilities.periodsPerSchedule).toBe(24);
    await cs.close();
  });
});
