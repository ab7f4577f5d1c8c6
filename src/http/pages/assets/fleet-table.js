// The fleet's vehicle table: departure, target, expected energy at departure, status and a warning for every
// vehicle that will not make it. A departure is edited in its cell: the button opens a date-time input, Enter
// (or Save) saves, Escape (or Cancel) puts the button back; an error stays next to the input.
import { api, enc, messageOf, sentence } from './api.js';
import * as f from './format.js';
import { el } from './dom.js';

function targetText(t) {
  if (!t) return '—';
  const kind = t.kind === 'weekly' ? 'Weekly' : t.kind === 'once' ? 'Once' : f.humanize(t.kind);
  return `${f.targetAmount(t)} (${kind.toLowerCase()})`;
}

function atDeparture(row) {
  const parts = [f.kwh(row.expectedEnergyAtDepartureKwh)];
  if (row.socAtDeparturePercent != null) parts.push(f.percent(row.socAtDeparturePercent));
  return parts.join(', ');
}

/** The server's warning says what and why; without one, the shortfall alone. */
export function whyShort(row) {
  return row.warning || `${f.kwh(row.shortfallKwh)} short at departure`;
}

/** Will not make it: a warning from the server, or energy short at departure. */
export function isShort(row) {
  return Boolean(row.warning) || (row.shortfallKwh != null && row.shortfallKwh > 0.05);
}

function verdict(row) {
  if (!isShort(row)) return el('span', { class: 'ok' }, '✓ Ready');
  const why = whyShort(row);
  return el('span', { class: 'bad', role: 'img', 'aria-label': `Warning: ${why}` }, el('span', { 'aria-hidden': 'true' }, '⚠ '), why);
}

export class VehicleTable {
  /** ctx: { tbody, status, timeZone(), onSaved() } */
  constructor(ctx) {
    this.ctx = ctx;
    this.rows = [];
    this.editing = new Map(); // vehicleId -> the departure <td> being edited
  }

  render(rows) {
    this.rows = rows;
    const tz = this.ctx.timeZone();
    // A live update must not take the keyboard away: remember which row's departure button had focus.
    const active = document.activeElement;
    const focused = active && active.classList.contains('cell-edit') && this.ctx.tbody.contains(active) ? active.closest('tr').dataset.vehicle : null;
    this.ctx.tbody.replaceChildren(
      ...rows.map((row) => {
        const kept = this.editing.get(row.vehicleId);
        return el(
          'tr',
          { dataset: { vehicle: row.vehicleId }, class: isShort(row) ? 'short' : '' },
          el('th', { scope: 'row' }, row.name || row.vehicleId, el('br'), el('small', { class: 'muted' }, row.vehicleId)),
          el('td', { 'data-label': 'Charger' }, row.stationId ? `${row.stationId} #${row.evseId}` : '—'),
          el('td', { 'data-label': 'Status' }, f.humanize(row.status)),
          kept || this.departureCell(row, tz),
          el('td', { 'data-label': 'Target' }, targetText(row.target)),
          el('td', { class: 'num', 'data-label': 'At departure' }, atDeparture(row)),
          el('td', { class: 'verdict', 'data-label': 'Will it make it?' }, verdict(row)),
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
    const td = el('td', { class: 'departure', 'data-label': 'Departure', dataset: { at: row.departureAt || '' } });
    this.showButton(td, row, tz);
    return td;
  }

  showButton(td, row, tz) {
    const text = row.departureAt ? f.dateTime(row.departureAt, tz) : 'Set…';
    const button = el(
      'button',
      { type: 'button', class: 'cell-edit', 'aria-label': `Change departure of ${row.name || row.vehicleId}, now ${text}`, onclick: () => this.edit(td, row) },
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
        el('label', { for: id, class: 'visually-hidden' }, `Departure of ${row.name || row.vehicleId}`),
        input,
        el('button', { type: 'button', class: 'small', onclick: () => void save() }, 'Save'),
        el('button', { type: 'button', class: 'small secondary', onclick: cancel }, 'Cancel'),
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
      this.ctx.status.textContent = `Not saved: ${message}`;
      input.focus();
    };
    if (!input.value) return fail('Choose a date and time.');
    const t = row.target || {};
    const body = {
      kind: 'once',
      departure: input.value,
      ...(t.energyKwh != null ? { energyKwh: t.energyKwh } : t.socPercent != null ? { socPercent: t.socPercent } : {}),
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
    this.ctx.status.textContent = `Saved: ${name} leaves ${f.localText(input.value)}. Planning…`;
    // Until the table reloads, show what was saved (wall time in the site's zone).
    const button = this.showButton(td, { ...row, departureAt: null }, this.ctx.timeZone());
    button.textContent = f.localText(input.value);
    button.focus();
    // The reload re-renders the row and puts the keyboard back on its button (render keeps focus).
    await this.ctx.onSaved();
  }
}
