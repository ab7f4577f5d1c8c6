/**
 * G03/G04 ChangeAvailability on the simulated station: the operative state of the station, its EVSEs and their
 * connectors, and the changes Scheduled until a running transaction ends (G03.FR.05, G04.FR.06). Kept in memory across
 * the station's reboots (G03.FR.08, G04.FR.09: the set state persists). No I/O: the station sends the statuses.
 */
export type Operational = 'Operative' | 'Inoperative';

interface Change {
  evseId: number | null;
  connectorId: number | null;
  status: Operational;
}

export class Availability {
  private station: Operational = 'Operative';
  private readonly evses = new Map<number, Operational>();
  private readonly connectors = new Map<string, Operational>();
  private pending: Change[] = [];

  /** Whether the connector may be used: the station, its EVSE and the connector all Operative (G03.FR.06, G04.FR.07). */
  operative(evseId: number, connectorId = 1): boolean {
    return this.station === 'Operative' && this.evses.get(evseId) !== 'Inoperative' && this.connectors.get(`${evseId}#${connectorId}`) !== 'Inoperative';
  }

  /**
   * Applies a change now, or schedules it when a transaction runs where it applies. `busy(evseId)` says whether an
   * EVSE has a transaction; `evseIds` are the station's EVSEs. Returns the answer and the EVSEs whose status changed now.
   */
  change(c: Change, evseIds: readonly number[], busy: (evseId: number) => boolean): { status: 'Accepted' | 'Scheduled'; changed: number[] } {
    const concerned = c.evseId === null ? [...evseIds] : [c.evseId];
    // G03.FR.03/G04.FR.04: already in that state: Accepted, nothing changes.
    if (this.stateOf(c) === c.status && !this.pending.some((p) => same(p, c))) return { status: 'Accepted', changed: [] };
    this.pending = this.pending.filter((p) => !same(p, c));
    if (concerned.some(busy)) {
      this.pending.push(c);
      return { status: 'Scheduled', changed: [] };
    }
    return { status: 'Accepted', changed: this.apply(c, evseIds) };
  }

  /** A transaction ended on `evseId`: the changes it held back apply now; returns the EVSEs whose status changed. */
  transactionEnded(evseIds: readonly number[], busy: (evseId: number) => boolean): number[] {
    const due = this.pending.filter((p) => !(p.evseId === null ? evseIds.some(busy) : busy(p.evseId)));
    this.pending = this.pending.filter((p) => !due.includes(p));
    return [...new Set(due.flatMap((c) => this.apply(c, evseIds)))];
  }

  private stateOf(c: Change): Operational {
    if (c.evseId === null) return this.station;
    if (c.connectorId === null) return this.evses.get(c.evseId) ?? 'Operative';
    return this.connectors.get(`${c.evseId}#${c.connectorId}`) ?? 'Operative';
  }

  private apply(c: Change, evseIds: readonly number[]): number[] {
    const before = new Map(evseIds.map((id) => [id, this.operative(id)]));
    if (c.evseId === null) this.station = c.status;
    else if (c.connectorId === null) this.evses.set(c.evseId, c.status);
    else this.connectors.set(`${c.evseId}#${c.connectorId}`, c.status);
    return evseIds.filter((id) => before.get(id) !== this.operative(id));
  }
}

const same = (a: Change, b: Change) => a.evseId === b.evseId && a.connectorId === b.connectorId;
