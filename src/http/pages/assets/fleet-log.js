// The fleet page's decision log (issue 18): what the scheduler did, in plain words, newest first; filtered by kind
// and by charger; identical lines in a row shown once with their count; older entries a page at a time
// (GET /api/v1/sites/:id/decision-log with its cursor).
import { api, coalesce, enc } from './api.js';
import * as f from './format.js';
import { el } from './dom.js';

const KIND_GROUPS = [
  ['', 'Everything'],
  ['plan.created,plan.failed', 'Plans'],
  ['profile.accepted,profile.pushed,profile.verified,profile.restored,default-profile.installed', 'Chargers took their plan'],
  ['profile.rejected,profile.failed,profile.limited,profile.deviated,station.ignores-profiles,session.deviated,plan.failed', 'Problems'],
  ['boost.set,boost.cleared,boost.done', 'Charge now'],
  ['site.created,site.changed,site.deleted,site.imported', 'Site changes'],
];
const PAGE = 30;

export class DecisionLog {
  /** ctx: { list (the <ol>), siteId(), timeZone() } */
  constructor(ctx) {
    this.ctx = ctx;
    this.filter = { kind: '', station: '' };
    this.cursor = null;
    this.kind = el('select', { id: 'log-kind' }, ...KIND_GROUPS.map(([v, t]) => el('option', { value: v }, t)));
    this.station = el('select', { id: 'log-station' }, el('option', { value: '' }, 'Every charger'));
    for (const s of [this.kind, this.station]) s.addEventListener('change', () => void this.reload());
    this.more = el('button', { type: 'button', class: 'secondary', id: 'log-more', hidden: '' }, 'Show older entries');
    this.more.addEventListener('click', () => void this.page(true));
    this.status = el('p', { class: 'muted', id: 'log-status', role: 'status', 'aria-live': 'polite' });
    ctx.list.removeAttribute('aria-live');
    ctx.list.before(el(
      'div',
      { class: 'site-bar table-tools' },
      el('div', { class: 'field' }, el('label', { for: 'log-kind' }, 'Show'), this.kind),
      el('div', { class: 'field' }, el('label', { for: 'log-station' }, 'Charger'), this.station),
    ));
    ctx.list.after(el('div', { class: 'actions' }, this.more), this.status);
    this.reload = coalesce(() => this.page(false));
  }

  /** The chargers of the site, for the filter (from the stations card's read). */
  setStations(ids) {
    const keep = this.station.value;
    this.station.replaceChildren(el('option', { value: '' }, 'Every charger'), ...[...new Set(ids)].map((id) => el('option', { value: id }, id)));
    this.station.value = ids.includes(keep) ? keep : '';
  }

  async page(older) {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (this.kind.value) q.set('kind', this.kind.value);
    if (this.station.value) q.set('station', this.station.value);
    if (older && this.cursor) q.set('cursor', this.cursor);
    const res = await api(`/api/v1/sites/${enc(this.ctx.siteId())}/decision-log?${q}`);
    const items = res.entries.map((d) => this.item(d));
    if (older) this.ctx.list.append(...items);
    else this.ctx.list.replaceChildren(...(items.length ? items : [el('li', { class: 'muted' }, this.kind.value || this.station.value ? 'Nothing of this kind yet.' : 'Nothing decided yet.')]));
    this.cursor = res.nextCursor;
    this.more.hidden = !res.nextCursor;
    const n = this.ctx.list.querySelectorAll('li[data-id]').length;
    this.status.textContent = res.nextCursor ? `${n} entries shown; older ones below the button.` : n ? `All ${n} entries shown.` : '';
  }

  item(d) {
    const tz = this.ctx.timeZone();
    const when = d.count > 1
      ? el('time', { datetime: d.at }, `${f.dayTime(d.firstAt, tz)} – ${f.dayTime(d.at, tz)}`)
      : el('time', { datetime: d.at }, f.dayTime(d.at, tz));
    return el(
      'li',
      { dataset: { id: String(d.id), kind: d.kind, count: String(d.count) } },
      when,
      el('span', { class: `badge kind-${d.kind.split('.')[0]}` }, kindWord(d.kind)),
      el('span', { class: 'msg', title: d.message }, d.text, d.count > 1 ? el('strong', { class: 'repeat' }, ` (${d.count} times)`) : null),
    );
  }
}

const WORDS = {
  'plan.created': 'Plan', 'plan.failed': 'Planning failed', 'profile.accepted': 'Charger', 'profile.pushed': 'Charger', 'profile.verified': 'Checked',
  'profile.restored': 'Charger', 'profile.rejected': 'Refused', 'profile.failed': 'Not sent', 'profile.limited': 'Held lower', 'profile.deviated': 'Off plan',
  'default-profile.installed': 'Charger', 'station.ignores-profiles': 'Not steered', 'session.deviated': 'Off plan', 'boost.set': 'Charge now',
  'boost.cleared': 'Charge now', 'boost.done': 'Charge now', 'site.created': 'Site', 'site.changed': 'Site', 'site.deleted': 'Site', 'site.imported': 'Site',
};
const kindWord = (kind) => WORDS[kind] || f.humanize(kind);
