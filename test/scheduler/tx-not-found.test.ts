import { afterEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { addVan, nightPrices, publishPrices, settle, startDepot, T0 } from '../helpers/depot.js';
import type { RequestOf } from '../../src/ocpp/schemas/generated/index.js';

let server: TestServer;
afterEach(async () => server?.stop());
type Sent = RequestOf<'SetChargingProfile'>;

/**
 * bench:outcome's regression (issue 21): a session of a minute or less on CS2#1 ended on the station while its first
 * TxProfile (sent at once since the leading trigger) was on its way; the station answered Rejected/TxNotFound and
 * the EVSE was judged "rejects-profiles" for good, so the next three cars on it went unsteered and drew nothing
 * (15 kWh short, 195/198 targets). A station that no longer has the transaction says nothing about the charger.
 */
describe('a profile that arrives after its transaction ended (TxNotFound)', () => {
  it('does not mark the charger: the next car on the EVSE is planned and steered', async () => {
    server = await startDepot();
    await publishPrices(server, T0, nightPrices());
    const cs = await PlanningStation.connect(server, { id: 'CS1', evses: 2 });
    await cs.boot();
    // The station answers as K01.FR.09/.33 ask: TxNotFound for a transaction it does not have on the EVSE.
    const ongoing = new Set<string>();
    cs.cs.respond('SetChargingProfile', (req: Sent) => {
      const p = req.chargingProfile;
      if (p.chargingProfilePurpose === 'TxProfile' && !ongoing.has(p.transactionId ?? '')) {
        return { status: 'Rejected', statusInfo: { reasonCode: 'TxNotFound', additionalInfo: `no transaction ${p.transactionId} on EVSE ${req.evseId}` } };
      }
      cs.installed.set(p.id, { evseId: req.evseId, profile: p });
      return { status: 'Accepted' };
    });
    await addVan(server, 'VAN-1', 'T1', '2026-11-24T07:00', 10);
    await addVan(server, 'VAN-2', 'T2', '2026-11-24T07:00', 10);

    // TX-1 has already ended on the station when its first profile arrives; its Ended reaches us after the answer.
    await cs.startTransaction(1, 'TX-1', 'T1');
    await settle(server);
    const rejected = (await server.running.scheduler.decisions('depot')).filter((d) => d.kind === 'profile.rejected');
    expect(rejected.map((d) => d.transactionId)).toContain('TX-1');
    expect(rejected[0]!.message).toContain('TxNotFound');
    await cs.endTransaction(1, 'TX-1');
    await settle(server);
    expect(await server.running.scheduler.compliance('CS1', 1)).not.toBe('rejects-profiles');

    // The next car on the same EVSE.
    ongoing.add('TX-2');
    await cs.startTransaction(1, 'TX-2', 'T2');
    await settle(server);
    const plan = (await server.running.scheduler.latestPlan('depot'))!;
    const s = plan.sessions.find((x) => x.transactionId === 'TX-2')!;
    expect(s.compliance).not.toBe('rejects-profiles');
    expect(s.notes.join(' ')).not.toContain('not steered');
    expect(cs.txProfile(1)?.transactionId).toBe('TX-2');
    expect(await server.running.scheduler.compliance('CS1', 1)).toBe('follows');
    expect(s.plannedKwh).toBeCloseTo(10, 3);
  });
});
