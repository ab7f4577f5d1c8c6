// Alerts on the fleet and station pages (issue 17): the open alerts of the chosen site (fleet page) or of one
// station (station page), and the few that closed most recently, refreshed every 15 s. The API decides what the
// signed-in person may see (a fleet manager: their sites only). Included by a <section id="alerts-panel">.
import { api, enc } from './api.js';
import { el } from './dom.js';
import { has, locale, t } from './i18n.js';
import { known, say } from './phrases.js';

const panel = document.getElementById('alerts-panel');
const REFRESH_MS = 15_000;
const WHEN = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' });
const when = (iso) => WHEN.format(new Date(iso));

function query() {
  const station = panel.dataset.stationId;
  if (station) return `stationId=${enc(station)}`;
  const site = document.getElementById('site');
  return site && site.value ? `siteId=${enc(site.value)}` : '';
}

/** The alert's title by its kind, in the page's language (issue 18); the server's title for a kind the catalog lacks. */
const titleOf = (a) => (has(`server.alert.${a.kind}`) ? t(`server.alert.${a.kind}`) : a.title);

/**
 * The alert's sentence in the page's language: a grouped alert from its kind, count and members (the server's
 * "12 stations offline at site ...: ..." in words the catalog has); a single one by its phrase when it has one, else in
 * the server's English.
 */
function messageOf(a) {
  if (a.grouped && has(`server.alertGroup.${a.kind}`)) {
    const shown = a.members.slice(0, 5).join(', ') + (a.memberCount > 5 ? ', …' : '');
    // The server counts stations (a station with two faulted connectors is one), as the title's count does.
    const count = a.details && typeof a.details.stations === 'number' ? a.details.stations : a.memberCount;
    return t(`server.alertGroup.${a.kind}`, { count, members: shown });
  }
  const d = a.details || {};
  const now = Date.parse(a.updatedAt);
  const message = say(d.phrase, a.message, { now });
  // A shortfall's reason is its own sentence (the plan's phrase), said after the alert's when both are known.
  return known(d.phrase) && known(d.reasonPhrase) ? t('alerts.withReason', { message, reason: say(d.reasonPhrase, '', { now }) }) : message;
}

function item(a) {
  const badge = el('span', { class: `badge ${a.state === 'open' && a.severity === 'critical' ? 'bad' : a.state === 'closed' ? 'ok' : ''}` },
    a.state === 'closed' ? t('alerts.closed') : t('alerts.severity', { severity: a.severity }));
  const head = el('p', { class: 'alert-title' }, badge, ' ', el('strong', {}, titleOf(a)), a.grouped ? ` · ${t('alerts.stations', { count: a.memberCount })}` : '');
  const times = a.state === 'open' ? t('alerts.since', { at: when(a.openedAt) }) : t('alerts.span', { from: when(a.openedAt), to: when(a.closedAt) });
  // Said from its phrase, the alert keeps the server's English (with any detail a station sent) as the line's title,
  // where support reads it, as the decision log does.
  const english = !a.grouped && known(a.details && a.details.phrase) ? { title: a.message } : {};
  return el('li', { class: `alert-item ${a.state}`, dataset: { alertId: String(a.id), kind: a.kind, state: a.state } },
    head, el('p', { class: 'alert-message', ...english }, messageOf(a)), el('p', { class: 'muted' }, times));
}

async function render() {
  const q = query();
  if (!panel.dataset.stationId && !q) return;
  try {
    const [open, closed] = await Promise.all([
      api(`/api/v1/alerts?state=open&limit=50&${q}`),
      api(`/api/v1/alerts?state=closed&limit=5&${q}`),
    ]);
    const list = el('ul', { class: 'alert-list' }, ...open.alerts.map(item), ...closed.alerts.map(item));
    const summary = t('alerts.summary', { count: open.alerts.length });
    panel.replaceChildren(el('h2', { id: 'alerts-h' }, t('alerts.heading')), el('p', { id: 'alerts-summary', role: 'status' }, summary), list);
    panel.hidden = false;
  } catch (err) {
    // Someone who may not read alerts (or a station outside their scope) simply sees no panel.
    panel.hidden = true;
    if (err && err.status !== 403 && err.status !== 404) console.error(err);
  }
}

if (panel) {
  panel.setAttribute('aria-labelledby', 'alerts-h');
  document.getElementById('site')?.addEventListener('change', () => void render());
  // The fleet page fills its site list after loading: render once it has a value.
  const ready = setInterval(() => {
    if (panel.dataset.stationId || query()) {
      clearInterval(ready);
      void render();
      setInterval(() => void render(), REFRESH_MS);
    }
  }, 200);
}
