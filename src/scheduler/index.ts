/** The scheduler's public surface: what main.ts wires and what the HTTP layer may use (ARCHITECTURE.md arrows). */
export { SchedulerInputError } from './input-checks.js';
export { Scheduler, type SchedulerDeps, type SchedulerStores, type SchedulerEventSink } from './scheduler.js';
export { resolveSites, SiteConfigError, SiteIndex } from './sites.js';
export { nextLocalTime, localDateTime } from './targets.js';
export type { NextDeparture } from './departures.js';
export { monthWindow, type SessionCostQuery } from './session-costs.js';
export { checkSite, checkPlacements } from './sites.js';
export { SiteAdmin, SiteChangeError, type SiteChangeCode, type EvseSpot } from './site-admin.js';
export { importConfiguredSites, loadSites, configSha256, type SiteImportReport } from './site-import.js';
export { computeUtilisation, type SiteUtilisation, type TimeShares } from './utilisation.js';
export { utilisationPeriod, PeriodError, type UtilisationPeriod } from './utilisation-calendar.js';
