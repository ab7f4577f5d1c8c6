// The homeowner page's shared state and the few helpers every part of it uses (home.js loads it, the parts read it).
import { el } from './dom.js';

export const $ = (id) => document.getElementById(id);

export const state = {
  site: null,
  vehicle: null,
  /** GET /vehicles/:id/target: once, weekly, nextDeparture, boost. */
  target: null,
  plan: null,
  /** The fleet row of this car (status words) and its EVSE. */
  row: null,
  evse: null,
  boost: false,
  /** GET /vehicles/:id/mode. */
  mode: null,
  /** GET /vehicles/:id/now: the running session so far, the last one, the battery. */
  now: null,
  /** The plan id shown when the person saved (null: nothing saved waits for a plan). */
  savedAt: null,
};

export const tz = () => state.site.timeZone;
export const currency = () => (state.plan && state.plan.currency) || (state.now && state.now.currency) || state.site.currency || 'EUR';

/** This car's session in the current plan, or null. */
export function mySession() {
  const p = state.plan;
  return p && state.vehicle ? p.sessions.find((s) => s.vehicleId === state.vehicle.id) || null : null;
}

export function facts(dl, pairs) {
  dl.replaceChildren(...pairs.filter(Boolean).flatMap(([k, v, attrs]) => [el('dt', {}, k), el('dd', attrs || {}, v)]));
}

/** Shows a paragraph with this text, or hides it when there is none. */
export function line(id, text) {
  const p = $(id);
  p.textContent = text || '';
  p.hidden = !text;
}

/** What the parts call to reload (set by home.js: the parts never import it, so there is no cycle). */
export const reload = { all: async () => {}, plan: async () => {}, status: async () => {}, target: async () => {}, history: async () => {} };
