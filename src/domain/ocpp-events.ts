import type { ChargingNeedsRecord, RegistrationStatus, SmartChargingCapabilities, TransactionRecord } from './stations.js';

/** What the OCPP server reports to the rest of the product (main.ts wires these to the scheduler). */
export interface OcppEvents {
  /**
   * acceptedBefore: the station's last boot (as read at its handshake) was Accepted, so it may be called before it
   * boots again (Part 4, 5.3; B03.FR.03: never a rejected one). Carried so that no listener reads the store again.
   */
  'station.connected': { stationId: string; at: string; acceptedBefore: boolean };
  'station.disconnected': { stationId: string; at: string; reason: string };
  /** renewalRequested: a certificate renewal (A02) was stored for the station when its boot was read. */
  'station.booted': { stationId: string; at: string; status: RegistrationStatus; renewalRequested: boolean };
  'station.capabilities': { stationId: string; capabilities: SmartChargingCapabilities };
  'connector.status': { stationId: string; evseId: number; connectorId: number; status: string; at: string };
  'transaction.event': {
    stationId: string;
    transaction: TransactionRecord;
    eventType: 'Started' | 'Updated' | 'Ended';
    seqNo: number;
    duplicate: boolean;
    /** The station's timestamp of this event (E01-E15 timestamp); absent in events relayed by an older node. */
    timestamp?: string;
  };
  'meter.values': { stationId: string; evseId: number; transactionId: string | null; count: number };
  'charging.needs': ChargingNeedsRecord;
  'charging.limit': { stationId: string; evseId: number | null; source: string; cleared: boolean };
  /** K09: one ReportChargingProfiles answering our GetChargingProfiles (requestId, K09.FR.01); tbc until the last (K09.FR.02). */
  'charging.profiles.reported': {
    stationId: string;
    requestId: number;
    tbc: boolean;
    evseId: number;
    chargingLimitSource: string;
    profiles: { id: number; stackLevel: number; purpose: string; transactionId: string | null }[];
  };
  /** A02/A03: a certificate our CA issued was sent with CertificateSigned, and how the station answered. */
  'station.certificate': { stationId: string; serial: string; notAfter: string; delivery: 'Accepted' | 'Rejected' | 'failed'; detail: string | null };
  /** L01.FR.01/N01: a FirmwareStatusNotification or LogStatusNotification, for src/operations (requestId as sent). */
  'firmware.status': { stationId: string; status: string; requestId: number | null; at: string };
  'log.status': { stationId: string; status: string; requestId: number | null; at: string };
  /** Every inbound CALL handled, for metrics and tests. */
  'message.handled': { stationId: string; action: string };
}

/** Where the OCPP server reports (main.ts passes the app's event bus). */
export interface OcppEventSink {
  emit<K extends keyof OcppEvents>(event: K, payload: OcppEvents[K]): void;
}
