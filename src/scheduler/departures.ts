import { DateTime } from 'luxon';
import type { Site } from '../domain/sites.js';
import type { TargetRecord, Vehicle } from '../domain/vehicles.js';
import { resolveTarget } from './targets.js';

/** The departure the planner would use for a car at a site now: the default of the homeowner's form. */
export interface NextDeparture {
  /** UTC instant, ISO-8601. */
  at: string;
  /** The same as wall-clock time in the site's zone, YYYY-MM-DDTHH:MM (what the form shows and sends back). */
  local: string;
  timeZone: string;
  source: 'once' | 'weekly' | 'site-default';
}

/** By the planner's precedence (targets.ts): the one-off target until it has passed, the weekly rule, the site default. */
export function nextDeparture(site: Site, now: number, vehicle: Vehicle, targets: TargetRecord | undefined): NextDeparture {
  const t = resolveTarget({ site, now, sessionStartMs: now, vehicle, targets, needs: undefined, socPercent: null });
  const source = t.source === 'vehicle-once' ? 'once' : t.source === 'vehicle-weekly' ? 'weekly' : 'site-default';
  return {
    at: new Date(t.departureMs).toISOString(),
    local: DateTime.fromMillis(t.departureMs, { zone: site.timeZone }).toFormat("yyyy-MM-dd'T'HH:mm"),
    timeZone: site.timeZone,
    source,
  };
}

