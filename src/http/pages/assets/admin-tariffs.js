// The tariffs page (issue 16): choose the tariff a site pays, edit a tariff with a form or as JSON (the two follow each
// other; checked whole by the server, which names the field when it refuses, and the form marks that field), preview the next 48 hours of effective prices as a chart and a table (local times
// in the tariff's zone, so a 23- or 25-hour day shows 23 or 25 hours), and the price sources (admin-price-sources.js).
import { api, ApiError, clearErrors, enc, fieldError, messageOf, pageError, setupHeader, showError } from './api.js';
import { el } from './dom.js';
import { startSources } from './admin-price-sources.js';
import { tariffEditor } from './admin-tariff-form.js';
import { fixed, parts, t as tr, wallClock } from './admin-i18n.js';

const $ = (id) => document.getElementById(id);
const chooseForm = $('choose-form');
const tariffForm = $('tariff-form');
const nameInput = $('tariff-name');
const json = $('tariff-json');
let tariffs = [];
let sites = [];
let zones = [];
let editor = null;

const money = (v) => fixed(v, 4);

let drawn = null; // the preview the chart shows, drawn again when the page's width changes

function drawChart(preview) {
  drawn = preview;
  const box = $('preview-chart');
  const slots = preview.slots;
  if (slots.length === 0) {
    box.replaceChildren();
    return;
  }
  const ns = 'http://www.w3.org/2000/svg';
  // As wide as the box (the SVG is stretched to it): a fixed 960 squeezed the labels to a third on a phone.
  const W = Math.max(300, Math.round(box.clientWidth) || 960), H = 180, left = 44, bottom = 20;
  const max = Math.max(...slots.map((s) => s.total), 0.0001);
  const min = Math.min(0, ...slots.map((s) => s.total));
  const y = (v) => (H - bottom) - ((v - min) / (max - min)) * (H - bottom - 8);
  const w = (W - left) / slots.length;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  const add = (tag, attrs, text) => {
    const n = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
    if (text !== undefined) n.textContent = text;
    svg.append(n);
    return n;
  };
  let lastLabel = -Infinity;
  for (const v of [min, (min + max) / 2, max]) {
    add('line', { x1: left, x2: W, y1: y(v), y2: y(v), class: 'rule' });
    add('text', { x: 2, y: y(v) + 3, class: 'axis' }, money(v));
  }
  slots.forEach((s, i) => {
    const top = Math.min(y(s.total), y(0));
    const r = add('rect', { x: left + i * w + 0.5, y: top, width: Math.max(w - 1, 0.5), height: Math.max(Math.abs(y(0) - y(s.total)), 0.5), class: `bar${s.kind === 'estimate' ? ' estimate' : ''}` });
    r.append(Object.assign(document.createElementNS(ns, 'title'), { textContent: tr('tariffs.barTitle', { time: wallClock(s.local), price: money(s.total), currency: preview.currency }) }));
    // A label at the start (date and time) and at each midnight (the date), unless it would run into the one before
    // or past the right edge (about 90 px each in the longer languages).
    if ((s.local.endsWith('00:00', 16) || i === 0) && left + i * w >= lastLabel + 96 && left + i * w <= W - 90) {
      add('text', { x: left + i * w, y: H - 6, class: 'axis' }, wallClock(s.local, i === 0 ? true : 'day'));
      lastLabel = left + i * w;
    }
  });
  box.replaceChildren(svg);
}

function drawPreview(preview, what) {
  $('preview-caption').textContent = tr('tariffs.caption', { what, slots: preview.slots.length, minutes: preview.slotMinutes, currency: preview.currency, zone: preview.timeZone });
  const problem = $('preview-problem');
  problem.hidden = !preview.problem;
  // The server's sentence for slots without a price is English (src/prices/tariff-admin.ts); the page knows the
  // counts (48 hours of the preview's slots) and says it in the page's language. Any other problem is shown as sent.
  const expected = Math.round((48 * 60) / preview.slotMinutes);
  const missing = expected - preview.slots.length;
  problem.textContent = !preview.problem ? ''
    : missing > 0 && /^no prices/.test(preview.problem) ? tr('tariffs.noPrices', { missing, expected, zone: /^no prices in zone (\S+) /.exec(preview.problem)?.[1] ?? 'none' })
      : tr('tariffs.missing', { problem: preview.problem });
  drawChart(preview);
  $('preview-table').tBodies[0].replaceChildren(...preview.slots.map((s) => el('tr', { class: s.kind === 'estimate' ? 'estimate' : '' },
    el('th', { scope: 'row' }, s.kind === 'estimate' ? tr('tariffs.estimate', { time: wallClock(s.local) }) : wallClock(s.local)),
    ...[s.energy, s.gridFee, s.taxes, s.vat, s.total].map((v) => el('td', { class: 'num' }, money(v))))));
}

function siteSlot() {
  const site = sites.find((s) => s.id === $('choose-site').value);
  return site ? site.slotMinutes : 60;
}

async function previewSaved(name) {
  if (!name || !tariffs.some((t) => t.name === name)) return;
  drawPreview(await api(`/api/v1/admin/tariffs/${enc(name)}/preview?hours=48&slotMinutes=${siteSlot()}`), tr('tariffs.named', { name }));
}

/** Both editors show `tariff` (the form edits a copy; the JSON box follows every edit). */
function show(tariff) {
  json.value = JSON.stringify(tariff, null, 2);
  editor.render(structuredClone(tariff));
}

/** A new tariff's starting point: the first price area's currency, zone and market price, or a fixed price. */
function blankTariff() {
  const z = zones[0];
  return {
    currency: z?.currency ?? 'EUR', timeZone: z?.timeZone ?? 'Europe/Copenhagen',
    energy: z ? { kind: 'market', zone: z.id } : { kind: 'schedule', schedules: [{ otherwisePerKwh: 0.25, bands: [] }] },
    gridFees: [], taxes: [], vat: [],
  };
}

function editTariff(name) {
  const t = tariffs.find((x) => x.name === name);
  nameInput.value = name || '';
  if (t) show(t.tariff);
}

async function loadTariffs() {
  const list = await api('/api/v1/admin/tariffs');
  tariffs = list.tariffs;
  zones = list.zones;
  $('zones').textContent = list.zones.map((z) => `${z.id} (${z.currency})`).join(', ') || tr('tariffs.noZones');
  $('tariff-names').replaceChildren(...tariffs.map((t) => el('option', { value: t.name })));
  $('choose-tariff').replaceChildren(...tariffs.map((t) => el('option', { value: t.name }, t.sites.length ? tr('tariffs.withSites', { name: t.name, sites: t.sites.join(', ') }) : t.name)));
  return list;
}

async function showSite() {
  const site = sites.find((s) => s.id === $('choose-site').value);
  if (!site) return;
  $('choose-tariff').value = site.tariff;
  editTariff(site.tariff);
  await previewSaved(site.tariff);
}

function parsed() {
  try {
    return JSON.parse(json.value);
  } catch (err) {
    fieldError(tariffForm, json, tr('tariffs.badJson', { message: err.message }));
    return undefined;
  }
}

/** The server names the field (gridFees[0].bands[1].to): show it on the JSON box, with the field in the message. */
function tariffError(err) {
  if (err instanceof ApiError && err.field && err.field !== 'name' && err.field !== 'tariff') {
    fieldError(tariffForm, json, messageOf(err));
    // The draft preview names fields as `tariff.…`; the form's inputs carry the tariff's own paths.
    const field = err.field.replace(/^tariff\./, '');
    const marked = editor.markError(field, messageOf(err).replace(/^tariff\./, ''));
    const box = $('tariff-editor-error');
    box.textContent = marked ? marked.text : $('tariff-json-error').textContent;
    box.hidden = false;
    if (marked?.input) marked.input.focus();
    else if (!marked) $('tariff-json-box').open = true;
  } else showError(tariffForm, err);
  $('tariff-status').textContent = `Not saved: ${messageOf(err)}`;
}

async function start() {
  // 192 bars: cheap enough to draw again on every resize.
  window.addEventListener('resize', () => drawn && drawChart(drawn));
  await setupHeader();
  sites = await api('/api/v1/sites');
  await loadTariffs();
  editor = tariffEditor($('tariff-editor'), {
    zones,
    onChange: (draft) => {
      json.value = JSON.stringify(draft, null, 2);
    },
  });
  show(blankTariff());
  // JSON typed or pasted by hand: the form follows as soon as it parses.
  json.addEventListener('input', () => {
    try {
      const t = JSON.parse(json.value);
      if (t && typeof t === 'object' && !Array.isArray(t)) editor.render(t);
    } catch {
      // not yet JSON: the form keeps the last tariff that was
    }
  });
  $('choose-site').replaceChildren(...sites.map((s) => el('option', { value: s.id }, `${s.name} (${s.id})`)));
  // A new site names a tariff that exists already: with no site yet, the tariff comes first. The form stays (hidden):
  // its fields are looked up below.
  if (sites.length === 0) {
    chooseForm.hidden = true;
    chooseForm.before(el('p', { id: 'choose-none' }, ...parts('tariffs.noSite', { link: (chunks) => el('a', { href: '/admin/sites' }, ...chunks) })));
  }
  $('choose-site').addEventListener('change', () => void showSite().catch(pageError));
  if (sites.length) await showSite();
  else if (tariffs[0]) {
    editTariff(tariffs[0].name);
    await previewSaved(tariffs[0].name);
  }
  nameInput.addEventListener('change', () => {
    editTariff(nameInput.value.trim());
    void previewSaved(nameInput.value.trim()).catch(pageError);
  });

  chooseForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(chooseForm);
    const siteId = $('choose-site').value;
    const tariff = $('choose-tariff').value;
    try {
      const site = await api(`/api/v1/sites/${enc(siteId)}/tariff`, { method: 'PUT', json: { tariff } });
      sites = sites.map((s) => (s.id === siteId ? site : s));
      await loadTariffs();
      $('choose-status').textContent = tr('tariffs.chosen', { site: siteId, tariff });
      await showSite();
    } catch (err) {
      showError(chooseForm, err, $('choose-status'));
    }
  });

  tariffForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(tariffForm);
    const name = nameInput.value.trim();
    const body = parsed();
    if (!name) return fieldError(tariffForm, nameInput, tr('tariffs.giveName'));
    if (body === undefined) return undefined;
    try {
      const saved = await api(`/api/v1/admin/tariffs/${enc(name)}`, { method: 'PUT', json: body });
      await loadTariffs();
      $('tariff-status').textContent = saved.sites.length ? tr('tariffs.savedReplan', { name, sites: saved.sites.join(', ') }) : tr('tariffs.saved', { name });
      await previewSaved(name);
    } catch (err) {
      tariffError(err);
    }
  });

  $('preview-draft').addEventListener('click', async () => {
    clearErrors(tariffForm);
    const body = parsed();
    if (body === undefined) return;
    try {
      drawPreview(await api('/api/v1/admin/tariffs/preview', { method: 'POST', json: { tariff: body, hours: 48, slotMinutes: siteSlot() } }), tr('tariffs.draft'));
      $('tariff-status').textContent = tr('tariffs.draftStatus');
    } catch (err) {
      tariffError(err);
    }
  });

  $('delete-tariff').addEventListener('click', async () => {
    clearErrors(tariffForm);
    const name = nameInput.value.trim();
    if (!name || !window.confirm(tr('tariffs.confirmDelete', { name }))) return;
    try {
      await api(`/api/v1/admin/tariffs/${enc(name)}`, { method: 'DELETE' });
      await loadTariffs();
      $('tariff-status').textContent = tr('tariffs.deleted', { name });
    } catch (err) {
      showError(tariffForm, err, $('tariff-status'));
    }
  });

  await startSources(async () => {
    // A fetch brings market prices: the preview of a market tariff changes.
    await previewSaved(nameInput.value.trim());
  });
  $('content').removeAttribute('aria-busy');
}

start().catch(pageError);
