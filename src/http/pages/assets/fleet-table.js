// The fleet's vehicle table: departure, target, expected energy at departure, status and a warning for every
// vehicle that will not make it. A departure is edited in its cell: the button opens a date-time input, Enter
// (or Save) saves, Escape (or Cancel) puts the button back; an error stays next to the input.
// Above it (issue 18): search, filters (status, warnings, here or away) and sortable columns, all plain form controls
// and buttons (keyboard: Tab and Enter/Space), applied in memory to the rows the API sent (1,000 rows: one pass).
import { api, enc, messageOf, sentence } from './api.js';
import * as f from './format.js';
import { el } from './dom.js';
import { t as tr } from './i18n.js';
import { filterRows, isShort, SITE_FILTER, sortRows, SORTS, STATUS_FILTER, statusText, verdictOf, WARNING_FILTER, whyShort } from './fleet-words.js';

export { isShort, whyShort };

function targetText(t) {
  if (!t) return '—';
  if (t.kind === 'none') return tr('fleet.noDeparture');
  const kind = t.kind === 'weekly' ? tr('fleet.kind.weekly') : t.kind === 'once' ? tr('fleet.kind.once') : t.kind === 'site-default' ? tr('fleet.kind.siteDefault') : f.humanize(t.kind).toLowerCase();
  return tr('fleet.targetKind', { amount: f.targetAmount(t), kind });
}

function atDeparture(row) {
  if (row.expectedEnergyAtDepartureKwh == null) return '—';
  const energy = f.kwh(row.expectedEnergyAtDepartureKwh);
  return row.socAtDeparturePercent == null ? energy : tr('fleet.atDepartureSoc', { energy, soc: f.percent(row.socAtDeparturePercent) });
}

function verdict(row, zone) {
  const v = verdictOf(row, { zone });
  if (v.tone !== 'bad') return el('span', { class: v.tone }, v.text);
  return el('span', { class: 'bad', role: 'img', 'aria-label': tr('fleet.warning', { text: v.text }) }, el('span', { 'aria-hidden': 'true' }, '⚠ '), v.text);
}

const select = (id, label, options, onChange) => {
  const s = el('select', { id }, ...options.map(([value, text]) => el('option', { value }, text)));
  s.addEventListener('change', onChange);
  return el('div', { class: 'field' }, el('label', { for: id }, label), s);
};

export class VehicleTable {
  /** ctx: { table, status, timeZone(), defaultEnergyKwh(), onSaved() } */
  constructor(ctx) {
    this.ctx = ctx;
    ctx.tbody = ctx.table.tBodies[0];
    this.rows = [];
    this.view = { q: '', status: '', warning: '', site: '', sort: 'name', dir: 1 };
    this.editing = new Map(); // vehicleId -> the departure <td> being edited
    this.controls();
  }

  /** Search, filters and the count, above the table; sort buttons in the column heads. */
  controls() {
    const redraw = () => this.draw();
    const search = el('input', { type: 'search', id: 'vehicle-search', placeholder: tr('fleet.searchPlaceholder'), autocomplete: 'off' });
    let timer = null;
    search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        this.view.q = search.value;
        redraw();
      }, 120);
    });
    const pick = (key) => (e) => {
      this.view[key] = e.target.value;
      redraw();
    };
    this.count = el('p', { id: 'vehicles-count', class: 'muted', role: 'status', 'aria-live': 'polite' });
    const bar = el(
      'div',
      { class: 'site-bar table-tools', role: 'search', 'aria-label': tr('fleet.find') },
      el('div', { class: 'field' }, el('label', { for: 'vehicle-search' }, tr('fleet.search')), search),
      select('vehicle-status-filter', tr('fleet.colStatus'), STATUS_FILTER, pick('status')),
      select('vehicle-warning-filter', tr('fleet.colMakeIt'), WARNING_FILTER, pick('warning')),
      select('vehicle-site-filter', tr('fleet.where'), SITE_FILTER, pick('site')),
      this.count,
    );
    this.ctx.table.closest('.scroll').before(bar);
    const keys = ['name', 'charger', 'status', 'departure', 'target', 'expected', 'verdict'];
    this.heads = keys.map((key) => {
      const button = el('button', { type: 'button', class: 'link sort', dataset: { sort: key } }, SORTS[key].label);
      button.addEventListener('click', () => {
        this.view.dir = this.view.sort === key ? -this.view.dir : 1;
        this.view.sort = key;
        redraw();
      });
      return el('th', { scope: 'col', dataset: { sortKey: key } }, button);
    });
    this.ctx.table.tHead.rows[0].replaceChildren(...this.heads);
  }

  render(rows) {
    this.rows = rows;
    this.draw();
  }

  /** The rows through the filters and the order, as table rows; the sort state on the column heads. */
  draw() {
    const { view } = this;
    const shown = sortRows(filterRows(this.rows, view), view.sort, view.dir);
    for (const th of this.heads) {
      const on = th.dataset.sortKey === view.sort;
      if (on) th.setAttribute('aria-sort', view.dir > 0 ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    }
    const n = this.rows.length;
    this.count.textContent = shown.length === n ? tr('fleet.count', { n }) : tr('fleet.countShown', { shown: shown.length, n });
    const tz = this.ctx.timeZone();
    // A live update must not take the keyboard away: remember which row's departure button had focus.
    const active = document.activeElement;
    const focused = active && active.classList.contains('cell-edit') && this.ctx.tbody.contains(active) ? active.closest('tr').dataset.vehicle : null;
    this.ctx.tbody.replaceChildren(
      ...(shown.length === 0 && n > 0 ? [el('tr', {}, el('td', { colspan: '7', class: 'muted' }, tr('fleet.noMatch')))] : []),
      ...shown.map((row) => {
        const kept = this.editing.get(row.vehicleId);
        return el(
          'tr',
          { dataset: { vehicle: row.vehicleId, status: row.status }, class: isShort(row) ? 'short' : '' },
          el('th', { scope: 'row' }, row.name || row.vehicleId, el('br'), el('small', { class: 'muted' }, row.vehicleId)),
          el('td', { 'data-label': tr('vehicles.colCharger') }, row.stationId ? tr('status.chargerEvse', { station: row.stationId, evse: String(row.evseId) }) : '—'),
          el('td', { 'data-label': tr('fleet.colStatus'), class: 'status' }, statusText(row)),
          kept || this.departureCell(row, tz),
          el('td', { 'data-label': tr('fleet.colTarget') }, targetText(row.target)),
          el('td', { class: 'num', 'data-label': tr('fleet.colAtDeparture') }, atDeparture(row)),
          el('td', { class: 'verdict', 'data-label': tr('fleet.colMakeIt') }, verdict(row, tz)),
        );
      }),
    );
    // An input being edited was moved into the new row (moving drops focus); a button was made anew.
    if (active && active.isConnected && active !== document.activeElement) active.focus();
    else if (focused) {
      const again = this.ctx.tbody.querySelector(`tr[data-vehicle="${CSS.escape(focused)}"] .cell-edit`);
      if (again) again.focus();
    }
  }

  departureCell(row, tz) {
    const td = el('td', { class: 'departure', 'data-label': tr('home.target.departure'), dataset: { at: row.departureAt || '' } });
    this.showButton(td, row, tz);
    return td;
  }

  showButton(td, row, tz) {
    const text = row.departureAt ? f.dateTime(row.departureAt, tz) : tr('fleet.set');
    const button = el(
      'button',
      { type: 'button', class: 'cell-edit', 'aria-label': tr('fleet.changeDeparture', { name: row.name || row.vehicleId, now: text }), onclick: () => this.edit(td, row) },
      text,
    );
    td.replaceChildren(button);
    return button;
  }

  edit(td, row) {
    const tz = this.ctx.timeZone();
    const id = `dep-${row.vehicleId}`;
    const input = el('input', { type: 'datetime-local', id, 'aria-describedby': `${id}-error` });
    input.value = f.toLocalInput(row.departureAt, tz);
    const error = el('p', { class: 'error', id: `${id}-error` });
    error.hidden = true;
    const save = () => this.save(td, row, input, error);
    const cancel = () => {
      this.editing.delete(row.vehicleId);
      this.showButton(td, row, tz).focus();
    };
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        void save();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        cancel();
      }
    });
    td.replaceChildren(
      el(
        'div',
        { class: 'cell-editor' },
        el('label', { for: id, class: 'visually-hidden' }, tr('fleet.departureOf', { name: row.name || row.vehicleId })),
        input,
        el('button', { type: 'button', class: 'small', onclick: () => void save() }, tr('common.save')),
        el('button', { type: 'button', class: 'small secondary', onclick: cancel }, tr('fleet.cancel')),
      ),
      error,
    );
    this.editing.set(row.vehicleId, td);
    input.focus();
  }

  async save(td, row, input, error) {
    const fail = (message) => {
      error.textContent = sentence(message);
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      this.ctx.status.textContent = tr('api.notSaved', { message });
      input.focus();
    };
    if (!input.value) return fail(tr('fleet.errDeparture'));
    const t = row.target || {};
    // The amount stays what it was; a van without a target yet (away, nothing set) takes the site's default.
    const fallback = this.ctx.defaultEnergyKwh ? this.ctx.defaultEnergyKwh() : null;
    const body = {
      kind: 'once',
      departure: input.value,
      ...(t.energyKwh != null ? { energyKwh: t.energyKwh } : t.socPercent != null ? { socPercent: t.socPercent } : fallback != null ? { energyKwh: fallback } : {}),
    };
    input.disabled = true;
    try {
      await api(`/api/v1/vehicles/${enc(row.vehicleId)}/target`, { method: 'PUT', json: body });
    } catch (err) {
      input.disabled = false;
      return fail(messageOf(err));
    }
    this.editing.delete(row.vehicleId);
    const name = row.name || row.vehicleId;
    this.ctx.status.textContent = tr('fleet.savedDeparture', { name, departure: f.localText(input.value) });
    // Until the table reloads, show what was saved (wall time in the site's zone).
    const button = this.showButton(td, { ...row, departureAt: null }, this.ctx.timeZone());
    button.textContent = f.localText(input.value);
    button.focus();
    // The reload re-renders the row and puts the keyboard back on its button (render keeps focus).
    await this.ctx.onSaved();
  }
}
