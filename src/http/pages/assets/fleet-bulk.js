// The fleet page's bulk upload of departures: which column is which and a sample file next to the form (issue 18),
// then every problem of a refused file in row order, or what was applied and which weekly rows are not in force yet.
import { api, ApiError, clearErrors, fieldError, messageOf, showError } from './api.js';
import { el } from './dom.js';
import { t } from './i18n.js';

const COLUMNS = [
  ['vehicle_id', t('bulk.col.vehicleId')],
  ['kind', t('bulk.col.kind')],
  ['departure', t('bulk.col.departure')],
  ['days', t('bulk.col.days')],
  ['time', t('bulk.col.time')],
  ['energy_kwh', t('bulk.col.energy')],
  ['soc_percent', t('bulk.col.soc')],
];

const rowKey = (i) => (i.row == null ? -1 : i.row);

/** form: the <form>; onApplied(): reloads the table. */
export function setupBulk(form, onApplied) {
  const result = form.querySelector('#bulk-result');
  const input = form.querySelector('#bulk-file');
  const help = el(
    'details',
    { class: 'bulk-columns', id: 'bulk-columns' },
    el('summary', {}, t('bulk.columns')),
    el('dl', { class: 'facts' }, ...COLUMNS.flatMap(([name, what]) => [el('dt', {}, el('code', {}, name)), el('dd', {}, what)])),
    el('p', { class: 'muted' }, t('bulk.header')),
  );
  const sample = el('a', { href: '/api/v1/targets/bulk/sample.csv', download: 'departures-sample.csv', id: 'bulk-sample' }, t('bulk.sample'));
  form.before(help, el('p', {}, sample));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    result.replaceChildren();
    const file = input.files && input.files[0];
    if (!file) {
      fieldError(form, input, t('bulk.errFile'));
      result.textContent = t('bulk.noFile');
      input.focus();
      return;
    }
    const json = /\.json$/i.test(file.name) || file.type.includes('json');
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    result.textContent = t('bulk.uploading');
    try {
      const res = await api('/api/v1/targets/bulk', { method: 'POST', body: await file.text(), contentType: json ? 'application/json' : 'text/csv' });
      const n = res && typeof res.applied === 'number' ? res.applied : 0;
      result.replaceChildren(el('p', { class: 'ok', dataset: { applied: String(n) } }, t('bulk.applied', { count: n, file: file.name })), ...notesReport(res.notes || []));
      await onApplied();
    } catch (err) {
      if (err instanceof ApiError && err.issues.length) result.replaceChildren(...issuesReport(err, file.name));
      else {
        showError(form, err);
        result.textContent = t('bulk.nothingApplied', { message: messageOf(err) });
      }
    } finally {
      button.disabled = false;
    }
  });
}

function notesReport(notes) {
  if (!notes.length) return [];
  return [
    el('p', { id: 'bulk-notes-h' }, t('bulk.notes', { count: notes.length })),
    el('ul', { id: 'bulk-notes', 'aria-labelledby': 'bulk-notes-h' }, ...[...notes].sort((a, b) => a.row - b.row).map((n) => el('li', { dataset: { row: String(n.row) } }, t('bulk.note', { row: n.row, vehicle: n.vehicleId, message: n.message })))),
  ];
}

function issuesReport(err, name) {
  const n = err.issues.length;
  const issues = [...err.issues].sort((a, b) => rowKey(a) - rowKey(b));
  const where = (i) => (i.row == null ? t('bulk.where.file') : i.row === 0 ? t('bulk.where.header') : String(i.row));
  return [
    el('p', { class: 'bad', id: 'bulk-summary' }, t('bulk.problems', { file: name, count: n })),
    el(
      'div',
      { class: 'scroll' },
      el(
        'table',
        { class: 'data issues', 'aria-describedby': 'bulk-summary' },
        el('thead', {}, el('tr', {}, ...[t('bulk.th.row'), t('bulk.th.column'), t('bulk.th.rule'), t('bulk.th.problem')].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, ...issues.map((i) => el('tr', { dataset: { row: i.row == null ? 'file' : String(i.row) } }, el('td', { class: 'num' }, where(i)), el('td', {}, i.field), el('td', {}, i.rule), el('td', {}, i.message)))),
      ),
    ),
  ];
}
