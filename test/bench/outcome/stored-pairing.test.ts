/**
 * The outcome bench checks the product's stored registers against the simulator's meters per session: each visit is
 * paired with the transaction the product stored for it. Two sessions can start on the same minute on one EVSE
 * (Trondheim's 2379, 0 minutes, and 2380 after it): the pairing must not take one for the other.
 */
import { describe, expect, it } from 'vitest';
import { storedTransactionOf } from '../../../bench/outcome/online.js';
import type { Visit } from '../../../bench/outcome/workload.js';
import type { TransactionRecord } from '../../../src/domain/stations.js';

const at = (iso: string) => Date.parse(iso);
const visit = (id: string, arrival: string, departure: string, evseId = 1): Visit =>
  ({ session: { id, userId: 'u', arrival: at(arrival), departure: at(departure), energyKwh: 1 }, stationId: 'CS1', evseId, fromSlot: 0, toSlot: 1, capKwh: [] }) as unknown as Visit;
const tx = (transactionId: string, startedAt: string, endedAt: string | null, evseId = 1): TransactionRecord =>
  ({ stationId: 'CS1', transactionId, evseId, startedAt, endedAt, state: endedAt ? 'Ended' : 'Started' }) as unknown as TransactionRecord;

describe('pairing a visit with its stored transaction', () => {
  const stored = [
    tx('a', '2025-09-21T13:50:00.000Z', '2025-09-21T13:50:00.000Z'), // the 0-minute session
    tx('b', '2025-09-21T13:50:00.000Z', '2025-09-22T03:15:00.000Z'), // the night after it, same EVSE and minute
    tx('c', '2025-09-21T13:50:00.000Z', null, 2), // another EVSE
  ];

  it('takes, of two that started together on the EVSE, the one that ended at the visit\'s departure, in either order', () => {
    expect(storedTransactionOf(visit('2380', '2025-09-21T13:50:00Z', '2025-09-22T03:15:00Z'), stored)?.transactionId).toBe('b');
    expect(storedTransactionOf(visit('2379', '2025-09-21T13:50:00Z', '2025-09-21T13:50:00Z'), stored)?.transactionId).toBe('a');
    expect(storedTransactionOf(visit('2380', '2025-09-21T13:50:00Z', '2025-09-22T03:15:00Z'), [...stored].reverse())?.transactionId).toBe('b');
  });

  it('takes a running one when it is the only one, and none from another EVSE or minute', () => {
    expect(storedTransactionOf(visit('x', '2025-09-21T13:50:00Z', '2025-09-21T18:00:00Z', 2), stored)?.transactionId).toBe('c');
    expect(storedTransactionOf(visit('y', '2025-09-21T13:51:00Z', '2025-09-21T18:00:00Z'), stored)).toBeUndefined();
  });
});
