// The homeowner's page: the car and charger, how it charges (modes, charge now), when it leaves (one-off and weekly),
// the plan as a chart with its cost, saving and reasons, and past charges. This file loads and wires; each part is in
// its own home-*.js. Everything comes from the API in the person's scope; a vehicle or site named in the address that
// is not theirs answers 403 and the page shows nothing but that.
import { api, ApiError, coalesce, enc, messageOf, pageError, setupHeader } from './api.js';
import * as f from './format.js';
import { t } from './i18n.js';
import { live } from './live.js';
import { $, reload, state } from './home-state.js';
import { renderStatus } from './home-status.js';
import { fillTarget, loadTarget } from './home-target.js';
import { fillWeekly } from './home-weekly.js';
import { fillMode, loadMode, renderBoost } from './home-modes.js';
import { renderPlan } from './home-plan.js';
import { loadHistory } from './home-history.js';

const params = new URLSearchParams(location.search);

async function start() {
  await setupHeader();
  const [sites, vehicles] = await Promise.all([api('/api/v1/sites'), api('/api/v1/vehicles')]);
  const vehicleId = params.get('vehicle');
  const siteId = params.get('site');
  // Named in the address: fetched by id, so that one outside the person's scope is a 403, never a quiet fallback.
  state.vehicle = vehicleId ? await api(`/api/v1/vehicles/${enc(vehicleId)}`) : vehicles[0] || null;
  const summary = siteId ? { id: siteId } : sites.find((s) => state.vehicle && s.fleet === state.vehicle.fleet) || sites[0];
  if (!summary) throw new Error(t('home.noHome'));
  state.site = await api(`/api/v1/sites/${enc(summary.id)}`);
  $('site-name').textContent = t('home.siteAt', { site: state.site.name || state.site.id });
  $('vehicle-name').textContent = state.vehicle ? state.vehicle.name : t('home.noCarYet');
  $('departure-hint').textContent = f.zoneHint(state.site.timeZone);
  if (!state.vehicle) {
    for (const id of ['target-form', 'boost-form', 'mode-form', 'weekly-form']) $(id).hidden = true;
  }
  // Listen before the first load, so that nothing that changes while it loads is missed. A new plan changes the
  // car's status, its session so far and its history too.
  live(state.site.id, {
    plan: () => Promise.all([reloadPlan(), reloadStatus(), reloadTarget()]),
    status: () => reloadStatus(),
    open: () => reloadAll(),
  });
  await reloadAll();
  $('content').setAttribute('aria-busy', 'false');
}

const reloadPlan = coalesce(async () => {
  try {
    state.plan = await api(`/api/v1/sites/${enc(state.site.id)}/plan`);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'PLAN_NONE')) throw err;
    state.plan = null;
  }
  await renderPlan();
  renderStatus();
});

const reloadStatus = coalesce(async () => {
  const vid = state.vehicle && state.vehicle.id;
  const [rows, stations, now] = await Promise.all([
    api(`/api/v1/sites/${enc(state.site.id)}/vehicles`),
    api(`/api/v1/sites/${enc(state.site.id)}/stations`),
    vid ? api(`/api/v1/vehicles/${enc(vid)}/now`) : null,
  ]);
  const endedBefore = state.now && state.now.current ? state.now.current.transactionId : null;
  state.now = now;
  state.row = rows.find((r) => r.vehicleId === vid) || null;
  state.evse = null;
  for (const st of stations) {
    for (const e of st.evses) {
      const mine = e.vehicleId === vid || (state.row && state.row.stationId === st.stationId && state.row.evseId === e.evseId);
      if (mine || (!state.evse && stations.length === 1 && st.evses.length === 1)) state.evse = { ...e, stationId: st.stationId, online: st.online };
    }
  }
  renderStatus();
  renderBoost();
  // A charge that just ended belongs in the history now.
  if (endedBefore && !(now && now.current)) await loadHistory();
});

const reloadTarget = coalesce(async () => {
  await Promise.all([loadTarget(), loadMode()]);
  fillWeekly();
  renderBoost();
});

const reloadAll = coalesce(async () => {
  await Promise.all([reloadTarget(), reloadStatus(), loadHistory()]);
  // The plan's sentences read the mode and the target: drawn after them.
  await reloadPlan();
  fillTarget();
  fillMode();
});

Object.assign(reload, { all: reloadAll, plan: reloadPlan, status: reloadStatus, target: reloadTarget, history: loadHistory });

start().catch((err) => {
  pageError(err instanceof Error || err instanceof ApiError ? err : new Error(messageOf(err)));
});
