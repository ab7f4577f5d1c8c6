// The fleet page's decision log (issue 18): what the scheduler did, in plain words, newest first; filtered by kind
// and by charger; identical lines in a row shown once with their count; older entries a page at a time
// (GET /api/v1/sites/:id/decision-log with its cursor).
import { api, coalesce, enc } from './api.js';
import * as f from './format.js';
import { el } from './dom.js';
import { t } from './i18n.js';
import { say } from './phrases.js';

const KIND_GROUPS = [
  ['', t('log.filter.all')],
  ['plan.created,plan.failed', t('log.filter.plans')],
  ['profile.accepted,profile.pushed,profile.verified,profile.restored,default-profile.installed', t('log.filter.took')],
  ['profile.rejected,profile.failed,profile.limited,profile.deviated,station.ignores-profiles,session.deviated,plan.failed', t('log.filter.problems')],
  ['boost.set,boost.cleared,boost.done', t('home.boost.heading')],
  ['site.created,site.changed,site.deleted,site.imported', t('log.filter.site')],
];
const PAGE = 30;

export class DecisionLog {
  /** ctx: { list (the <ol>), siteId(), timeZone() } */
  constructor(ctx) {
    this.ctx = ctx;
    this.filter = { kind: '', station: '' };
    this.cursor = null;
    this.kind = el('select', { id: 'log-kind' }, ...KIND_GROUPS.map(([v, t]) => el('option', { value: v }, t)));
    this.station = el('select', { id: 'log-station' }, el('option', { value: '' }, t('log.everyCharger')));
    for (const s of [this.kind, this.station]) s.addEventListener('change', () => void this.reload());
    this.more = el('button', { type: 'button', class: 'secondary', id: 'log-more', hidden: '' }, t('log.more'));
    this.more.addEventListener('click', () => void this.page(true));
    this.status = el('p', { class: 'muted', id: 'log-status', role: 'status', 'aria-live': 'polite' });
    ctx.list.removeAttribute('aria-live');
    ctx.list.before(el(
      'div',
      { class: 'site-bar table-tools' },
      el('div', { class: 'field' }, el('label', { for: 'log-kind' }, t('log.show')), this.kind),
      el('div', { class: 'field' }, el('label', { for: 'log-station' }, t('vehicles.colCharger')), this.station),
    ));
    ctx.list.after(el('div', { class: 'actions' }, this.more), this.status);
    this.reload = coalesce(() => this.page(false));
  }

  /** The chargers of the site, for the filter (from the stations card's read). */
  setStations(ids) {
    const keep = this.station.value;
    this.station.replaceChildren(el('option', { value: '' }, t('log.everyCharger')), ...[...new Set(ids)].map((id) => el('option', { value: id }, id)));
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
    else this.ctx.list.replaceChildren(...(items.length ? items : [el('li', { class: 'muted' }, this.kind.value || this.station.value ? t('log.noneOfKind') : t('log.none'))]));
    this.cursor = res.nextCursor;
    this.more.hidden = !res.nextCursor;
    const n = this.ctx.list.querySelectorAll('li[data-id]').length;
    this.status.textContent = res.nextCursor ? t('log.shownMore', { n }) : n ? t('log.shownAll', { n }) : '';
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
      // The decision in the page's language by its phrase; the server's plain English for an id this page lacks.
      el('span', { class: 'msg', title: d.message }, say(d.phrase, d.text, { zone: tz, now: Date.parse(d.at) }), d.count > 1 ? el('strong', { class: 'repeat' }, ` ${t('log.times', { count: d.count })}`) : null),
    );
  }
}

const plan = t('plan.factPlan');
const charger = t('vehicles.colCharger');
const offPlan = t('log.kind.offPlan');
const boost = t('home.boost.heading');
const site = t('fleet.site');
const WORDS = {
  'plan.created': plan, 'plan.failed': t('log.kind.planFailed'), 'profile.accepted': charger, 'profile.pushed': charger, 'profile.verified': t('log.kind.checked'),
  'profile.restored': charger, 'profile.rejected': t('log.kind.refused'), 'profile.failed': t('log.kind.notSent'), 'profile.limited': t('log.kind.heldLower'), 'profile.deviated': offPlan,
  'default-profile.installed': charger, 'station.ignores-profiles': t('log.kind.notSteered'), 'session.deviated': offPlan, 'boost.set': boost,
  'boost.cleared': boost, 'boost.done': boost, 'site.created': site, 'site.changed': site, 'site.deleted': site, 'site.imported': site,
};
const kindWord = (kind) => WORDS[kind] || f.humanize(kind);
