/**
 * Alerts (issue 17): a condition that people must act on (a station offline, a connector Faulted, a car that will
 * miss its departure...), opened once, updated while it holds, closed when it clears, and kept with its history.
 * The engine (src/operations/alerts) decides; the store (src/storage/alert-repository.ts) keeps; the API reads.
 */

export const ALERT_KINDS = [
  'station-offline',
  'connector-faulted',
  'charger-ignores-profiles',
  'firmware-failed',
  'log-upload-failed',
  'departure-shortfall',
  'prices-stale',
  'site-limit-exceeded',
  'security-event',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export type AlertSeverity = 'critical' | 'warning' | 'info';
export type AlertState = 'open' | 'closed';

/** The subject of a site's grouped alert: one alert for many stations with the same condition (no alert storm). */
export const GROUP_SUBJECT = '*';
/** Members listed on a grouped alert at most (the count is exact; the list is for people). */
export const MAX_GROUP_MEMBERS = 500;
/** One page of alerts at most. */
export const MAX_ALERT_PAGE = 200;

/** What a detector says holds now. `subject` names the thing within the kind (a station, a connector, a zone...). */
export interface AlertCondition {
  kind: AlertKind;
  siteId: string | null;
  /** The station it concerns, if any (the station page lists these). */
  stationId: string | null;
  subject: string;
  severity: AlertSeverity;
  /** One line for people: "CS-7 has been offline since 14:02 UTC (12 min)". */
  message: string;
  details?: Record<string, unknown>;
}

export interface AlertRecord {
  id: number;
  kind: AlertKind;
  siteId: string | null;
  stationId: string | null;
  subject: string;
  /** A site's grouped alert: `members` lists the subjects it stands for. */
  grouped: boolean;
  members: string[];
  memberCount: number;
  severity: AlertSeverity;
  message: string;
  details: Record<string, unknown> | null;
  state: AlertState;
  openedAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export type AlertHistoryEvent = 'opened' | 'updated' | 'closed';

export interface AlertHistoryEntry {
  at: string;
  event: AlertHistoryEvent;
  message: string;
}

export interface NewAlert extends AlertCondition {
  grouped: boolean;
  members: string[];
  memberCount: number;
}

export interface AlertChange {
  severity: AlertSeverity;
  message: string;
  details: Record<string, unknown> | null;
  members: string[];
  memberCount: number;
}

export interface AlertQuery {
  state?: AlertState;
  /** Only these sites ('all': every alert, site-less ones too; admins only). */
  sites: readonly string[] | 'all';
  stationId?: string;
  kind?: AlertKind;
  /** Paging: alerts with a smaller id than this (newest first). */
  before?: number;
  limit: number;
}

export interface AlertStore {
  /** Every open alert (the engine's state after a restart). */
  openAlerts(): Promise<AlertRecord[]>;
  /** Opens an alert; undefined when one with the same kind, site and subject is open already (opened once). */
  open(alert: NewAlert, at: string): Promise<AlertRecord | undefined>;
  update(id: number, change: AlertChange, at: string): Promise<void>;
  close(id: number, at: string, message: string): Promise<void>;
  list(q: AlertQuery): Promise<AlertRecord[]>;
  get(id: number): Promise<AlertRecord | undefined>;
  history(id: number): Promise<AlertHistoryEntry[]>;
}

/** What delivery hears: an alert opened or closed (updates while it holds are stored, not sent). */
export interface AlertNotice {
  event: 'opened' | 'closed';
  alert: AlertRecord;
  /** The site's fleet (webhooks configured per fleet receive it). */
  fleet: string | null;
}

export interface AlertNotifier {
  /** Never waits for delivery and never throws: the engine hands over and goes on. */
  notify(notice: AlertNotice): void;
}

/**
 * The input hook for the firmware and log module (L01, N01): a failed update or upload opens an alert for the
 * station, and a later success (or `resolve`) closes it. Safe to call from anywhere, any number of times.
 */
export interface OperationFailures {
  failed(kind: 'firmware-failed' | 'log-upload-failed', stationId: string, status: string, detail?: string): void;
  resolved(kind: 'firmware-failed' | 'log-upload-failed', stationId: string): void;
}

// ---- webhooks ------------------------------------------------------------------------------------------------

export type WebhookScopeKind = 'site' | 'fleet' | 'all';

export interface WebhookRecord {
  id: string;
  scopeKind: WebhookScopeKind;
  /** A site id, a fleet name, or '*' for all. */
  scopeId: string;
  url: string;
  description: string;
  createdAt: string;
  /** The delivery outcome, kept on the row so admins see a failing receiver. */
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  lastError: string | null;
}

/** Webhooks at most (each alert may go to each). */
export const MAX_WEBHOOKS = 100;

export interface WebhookStore {
  add(hook: Omit<WebhookRecord, 'lastSuccessAt' | 'lastFailureAt' | 'lastError'>, secret: string): Promise<void>;
  list(): Promise<WebhookRecord[]>;
  /** With its secret, for signing. */
  targets(): Promise<(WebhookRecord & { secret: string })[]>;
  remove(id: string): Promise<boolean>;
  outcome(id: string, at: string, error: string | null): Promise<void>;
}
