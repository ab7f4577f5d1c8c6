// The station page (issue 17): facts, EVSEs and connectors with their operations, capabilities, the device model and
// the last 100 messages in both directions, all from the API; every button posts one operation and says, as text, what the station answered.
import { api, ApiError, setupHeader } from './api.js';
import { el } from './dom.js';
import { t, when } from './admin-i18n.js';
import { meaning, say } from './admin-phrases.js';

const root = document.getElementById('station-root');
const id = root.dataset.stationId;
const base = `/api/v1/stations/${encodeURIComponent(id)}`;
const result = document.getElementById('op-result');


function showError(err) {
  const box = document.getElementById('page-error');
  box.textContent = err instanceof ApiError ? err.message : t('station.wrong');
  box.hidden = false;
}

/** Posts an operation; the answer (or the refusal with the station's reason) goes to the status line. */
async function operate(path, json) {
  result.textContent = t('station.asking');
  try {
    const answer = await api(`${base}/${path}`, { method: 'POST', json: json ?? {} });
    result.textContent = t('station.answer', { status: answer.status, detail: say(answer.detailPhrase, answer.detail) });
    // The page reads the station again and rebuilds its tables: busy until then, so that assistive technology (and a
    // test) does not act on an input that is about to be replaced.
    root.setAttribute('aria-busy', 'true');
    try {
      await load();
    } finally {
      root.setAttribute('aria-busy', 'false');
    }
  } catch (err) {
    result.textContent = err instanceof ApiError ? t('station.notDone', { message: err.message }) : t('station.notDoneShort');
  }
}

function facts(s) {
  const dl = document.getElementById('station-facts');
  dl.replaceChildren();
  const rows = [
    [t('stations.colConnection'), s.online ? (s.node ? t('station.onlineNode', { node: s.node }) : t('station.online')) : t('station.offlineSince', { when: when(s.lastDisconnectedAt) })],
    [t('station.lastBoot'), s.lastBootAt ? t('station.boot', { when: when(s.lastBootAt), status: s.lastBootStatus }) : t('admin.never')],
    [t('station.lastSeen'), when(s.lastSeenAt)],
    [t('stations.colCharger'), [s.vendorName, s.model].filter(Boolean).join(' ') || '—'],
    [t('station.firmware'), s.firmwareVersion ?? '—'],
    [t('admin.nav.sites'), s.sites.join(', ') || '—'],
  ];
  for (const [k, v] of rows) dl.append(el('dt', {}, k), el('dd', {}, v));
  document.getElementById('station-name').textContent = s.stationId;
}

function evses(s) {
  const body = document.querySelector('#evses tbody');
  body.replaceChildren();
  for (const e of s.evses) {
    for (const c of e.connectors) {
      const inoperative = c.status === 'Unavailable';
      const actions = el('td', {},
        el('button', { type: 'button', onclick: () => operate('availability', { operationalStatus: inoperative ? 'Operative' : 'Inoperative', evseId: e.evseId }) },
          t(inoperative ? 'station.inService' : 'station.outOfService', { evse: e.evseId })),
        ' ',
        el('button', { type: 'button', onclick: () => operate('unlock', { evseId: e.evseId, connectorId: c.connectorId }) }, t('station.unlock')),
        e.transactionId ? el('button', { type: 'button', onclick: () => operate('transactions/stop', { transactionId: e.transactionId }) }, t('station.stop')) : null);
      body.append(el('tr', { dataset: { evse: String(e.evseId) } },
        el('td', {}, String(e.evseId)), el('td', {}, String(c.connectorId)), el('td', { class: 'status', dataset: { status: c.status } }, t('station.status', { status: c.status })),
        el('td', {}, when(c.statusAt)), el('td', {}, e.transactionId ?? '—'), actions));
    }
  }
}

function capabilities(s) {
  const dl = document.getElementById('capabilities');
  dl.replaceChildren();
  if (!s.capabilities.length) dl.append(el('dd', {}, t('station.notRead')));
  for (const c of s.capabilities) dl.append(el('dt', {}, c.variable), el('dd', {}, c.value ?? '—'));
}

/** A payload of at most this many characters is shown whole; a longer one is a summary that opens to all of it. */
const SHORT = 80;
const DIRECTION = { in: ['←', t('station.received')], out: ['→', t('station.sent')] };

function payloadCell(f) {
  const text = f.cut ? t('station.cut', { payload: f.payload, chars: f.payloadChars, kept: f.payload.length }) : f.payload;
  if (text.length <= SHORT) return el('td', {}, el('code', {}, text));
  return el('td', {}, el('details', {}, el('summary', {}, el('code', {}, `${text.slice(0, SHORT)}…`)), el('pre', {}, text)));
}

/** The last 100 frames in both directions (issue 16), newest first, from the RPC layer's message log. */
async function frames() {
  const { frames: list } = await api(`${base}/frames?limit=100`);
  const body = document.querySelector('#frames tbody');
  body.replaceChildren(...list.map((f) => {
    const [arrow, words] = DIRECTION[f.direction];
    return el('tr', { dataset: { direction: f.direction, type: f.type } },
      el('td', { class: 'dir' }, el('span', { 'aria-hidden': 'true' }, arrow), el('span', { class: 'visually-hidden' }, words)),
      el('td', {}, el('time', { datetime: f.at }, when(f.at))),
      el('td', {}, f.type),
      el('td', {}, f.action ?? '—'),
      payloadCell(f));
  }));
  document.getElementById('frames-status').textContent = list.length ? t('station.messages', { count: list.length }) : t('station.noMessages');
}

/** The device model; a writable variable's value is an input that SetVariables on change, with the station's result. */
async function deviceModel() {
  const dm = await api(`${base}/device-model?limit=2000`);
  const body = document.querySelector('#device-model tbody');
  const status = document.getElementById('dm-status');
  body.replaceChildren();
  status.textContent = dm.total ? t('station.variables', { count: dm.total }) : t('station.dmNone');
  for (const v of dm.variables) {
    const name = v.variableInstance ? `${v.variable}[${v.variableInstance}]` : v.variable;
    let value = v.value ?? '';
    if (v.writable) {
      const input = el('input', { value, 'aria-label': `${v.component} ${name}`, size: '12' });
      input.addEventListener('change', async () => {
        try {
          const res = await api(`${base}/device-model/variables`, { method: 'POST', json: { variables: [{ component: v.component, variable: v.variable, ...(v.variableInstance ? { variableInstance: v.variableInstance } : {}), ...(v.componentInstance ? { componentInstance: v.componentInstance } : {}), ...(v.evseId !== null ? { evseId: v.evseId } : {}), value: input.value }] } });
          const r = res.results[0];
          status.textContent = t('station.setResult', { variable: `${v.component}.${name}`, status: r.status, detail: say(r.detailPhrase, r.detail) });
        } catch (err) {
          status.textContent = err instanceof ApiError ? t('station.notSet', { message: err.message }) : t('station.notSetShort');
        }
      });
      value = input;
    }
    body.append(el('tr', {}, el('td', {}, v.component), el('td', {}, name), el('td', {}, value), el('td', {}, v.unit ?? ''), el('td', {}, v.mutability ?? ''), el('td', {}, meaning(v.component, v.variable, v.label))));
  }
}

async function load() {
  const s = await api(base);
  facts(s);
  evses(s);
  capabilities(s);
  await Promise.all([deviceModel(), frames()]);
}

const OPS = {
  'reset-onidle': () => operate('reset', { type: 'OnIdle' }),
  'reset-immediate': () => operate('reset', { type: 'Immediate' }),
  'trigger-status': () => operate('trigger', { message: 'StatusNotification' }),
  'trigger-heartbeat': () => operate('trigger', { message: 'Heartbeat' }),
  'clear-cache': () => operate('clear-cache'),
  report: () => operate('device-model/report', { reportBase: 'FullInventory' }),
};
for (const b of document.querySelectorAll('#station-ops button')) b.addEventListener('click', () => OPS[b.dataset.op]());

void setupHeader();
load().then(() => root.setAttribute('aria-busy', 'false'), showError);
