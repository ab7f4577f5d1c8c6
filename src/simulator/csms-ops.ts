/**
 * The simulated station's answers to the CSMS's maintenance calls (issue 17): ChangeAvailability (G03/G04), Reset of
 * an EVSE (B12), UnlockConnector (F05), ClearCache (C11), GetBaseReport (B07) and SetVariables with RebootRequired
 * (B05), from its real state. csms-calls.ts has the smart-charging and transaction calls.
 */
import type { RequestOf, ResponseOf, StationAction } from '../ocpp/schemas/generated/index.js';
import type { Answer } from './ocpp-client.js';
import type { Evse, StoppedReason, TriggerReason } from './evse.js';
import { Availability } from './availability.js';
import { setVariables, variableKey, type Variables } from './device-model.js';
import { baseReport, type Characteristics, type MaintenanceSettings } from './ops-variables.js';

/** What the maintenance answers need from the station. */
export interface OpsStation {
  readonly variables: Variables;
  readonly characteristics: Record<string, Characteristics>;
  readonly settings: MaintenanceSettings;
  /** F05.FR.05: this station's connectors never unlock (a stuck lock); default false. */
  readonly unlockFails: boolean;
  evse(evseId: number): Evse | undefined;
  evseList(): Evse[];
  nowIso(): string;
  settle(): void;
  send<A extends StationAction>(action: A, payload: RequestOf<A>): void;
  sendStatus(evse: Evse): void;
  stopTransaction(evse: Evse, trigger: TriggerReason, stoppedReason: StoppedReason): void;
  /** Ends the transactions (ResetCommand, ImmediateReset), sends what is queued, then reboots with `reason`. */
  resetNow(reason: 'RemoteReset'): void;
}

type Reply<A extends 'ChangeAvailability' | 'UnlockConnector' | 'ClearCache' | 'GetBaseReport' | 'SetVariables' | 'Reset'> = Answer & { response: ResponseOf<A> };

const ok = <T>(response: T, after?: () => void) => (after ? { response, after } : { response });

export class StationOps {
  readonly availability = new Availability();
  /** EVSEs whose OnIdle reset waits for their transaction (B12.FR.?: Scheduled). */
  private readonly evseResets = new Set<number>();
  /** B11: an OnIdle reset waits for every transaction (Scheduled). */
  private resetWhenIdle = false;

  constructor(private readonly s: OpsStation) {}

  operative(evseId: number): boolean {
    return this.availability.operative(evseId);
  }

  /** A transaction ended on `evse`: Scheduled availability changes and EVSE resets take effect now. */
  transactionEnded(evse: Evse): void {
    const busy = (id: number) => this.s.evse(id)?.tx !== undefined;
    const changed = this.availability.transactionEnded(this.s.evseList().map((e) => e.hw.id), busy);
    if (this.evseResets.delete(evse.hw.id) && !changed.includes(evse.hw.id)) changed.push(evse.hw.id);
    for (const id of changed) this.s.sendStatus(this.s.evse(id)!);
    if (this.resetWhenIdle && this.s.evseList().every((e) => !e.tx)) {
      this.resetWhenIdle = false;
      this.s.resetNow('RemoteReset');
    }
  }

  /** B11: Immediate ends the transactions and reboots; OnIdle waits for them (Scheduled). */
  resetStation(req: RequestOf<'Reset'>): Reply<'Reset'> {
    if (req.type === 'OnIdle' && this.s.evseList().some((e) => e.tx)) {
      this.resetWhenIdle = true;
      return ok({ status: 'Scheduled' as const });
    }
    return ok({ status: 'Accepted' as const }, () => this.s.resetNow('RemoteReset'));
  }

  /** G03/G04: Accepted (or Scheduled while a transaction runs where it applies); an unknown EVSE is Rejected. */
  changeAvailability(req: RequestOf<'ChangeAvailability'>): Reply<'ChangeAvailability'> {
    const evseId = req.evse?.id ?? 0;
    if (evseId !== 0 && !this.s.evse(evseId)) return ok({ status: 'Rejected' as const, statusInfo: { reasonCode: 'UnknownEvse', additionalInfo: `no EVSE ${evseId}` } });
    if (req.evse?.connectorId !== undefined && req.evse.connectorId !== 1) return ok({ status: 'Rejected' as const, statusInfo: { reasonCode: 'UnknownConnector' } });
    const all = this.s.evseList().map((e) => e.hw.id);
    const { status, changed } = this.availability.change(
      { evseId: evseId === 0 ? null : evseId, connectorId: req.evse?.connectorId ?? null, status: req.operationalStatus },
      all, (id) => this.s.evse(id)?.tx !== undefined,
    );
    // G03.FR.04/G04.FR.05: the changed connectors' statuses follow the answer.
    return ok({ status }, changed.length ? () => changed.forEach((id) => this.s.sendStatus(this.s.evse(id)!)) : undefined);
  }

  /** B12: an EVSE's reset ends its transaction (Immediate) or waits for it (OnIdle: Scheduled). */
  resetEvse(req: RequestOf<'Reset'>, evseId: number): Reply<'Reset'> {
    const evse = this.s.evse(evseId);
    if (!evse) return ok({ status: 'Rejected' as const, statusInfo: { reasonCode: 'UnknownEvse' } });
    if (evse.tx && req.type === 'OnIdle') {
      this.evseResets.add(evseId);
      return ok({ status: 'Scheduled' as const });
    }
    return ok({ status: 'Accepted' as const }, () => {
      this.s.settle();
      if (evse.tx) this.s.stopTransaction(evse, 'ResetCommand', 'ImmediateReset');
      else this.s.sendStatus(evse);
    });
  }

  /** F05: never while an authorized transaction runs there (F05.FR.02); tries even without a cable (F05.FR.06). */
  unlockConnector(req: RequestOf<'UnlockConnector'>): Reply<'UnlockConnector'> {
    const evse = this.s.evse(req.evseId);
    if (!evse || req.connectorId !== 1) return ok({ status: 'UnknownConnector' as const });
    if (evse.tx) return ok({ status: 'OngoingAuthorizedTransaction' as const });
    return ok({ status: this.s.unlockFails ? 'UnlockFailed' as const : 'Unlocked' as const });
  }

  /** C11: Rejected when the authorization cache is disabled (AuthCacheCtrlr.Enabled false). */
  clearCache(): Reply<'ClearCache'> {
    if (!this.s.settings.authCacheEnabled) return ok({ status: 'Rejected' as const, statusInfo: { reasonCode: 'AuthCacheDisabled' } });
    return ok({ status: 'Accepted' as const });
  }

  /** B07: Accepted, then the report in NotifyReport messages; SummaryInventory is NotSupported here. */
  getBaseReport(req: RequestOf<'GetBaseReport'>): Reply<'GetBaseReport'> {
    if (req.reportBase === 'SummaryInventory') return ok({ status: 'NotSupported' as const });
    const reports = baseReport(this.s.variables, this.s.characteristics, req.reportBase, req.requestId, this.s.nowIso());
    return ok({ status: 'Accepted' as const }, () => reports.forEach((r) => this.s.send('NotifyReport', r)));
  }

  /** B05, plus RebootRequired for variables that only apply after a reboot. */
  setVariables(req: RequestOf<'SetVariables'>): Reply<'SetVariables'> {
    const response = setVariables(this.s.variables, req);
    response.setVariableResult.forEach((r) => {
      const key = variableKey(r.component.name, r.variable.name, r.variable.instance);
      if (r.attributeStatus === 'Accepted' && this.s.characteristics[key]?.rebootRequired) r.attributeStatus = 'RebootRequired';
    });
    return ok(response);
  }
}
