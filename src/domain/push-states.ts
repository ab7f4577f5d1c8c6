import type { PushState } from './plans.js';

/** What was last pushed for a session, as the site plan shows it (no periods: issue 18, the plan view's reads). */
export interface PushStateRecord {
  stationId: string;
  evseId: number;
  transactionId: string;
  profileId: number;
  state: PushState;
  sentAt: string;
}

/** The last pushes of a site's sessions in one read of only what the plan view shows (ProfileRepository). */
export interface PushStates {
  pushStatesOf(siteId: string, sessions: readonly { stationId: string; evseId: number; transactionId: string }[]): Promise<PushStateRecord[]>;
}
