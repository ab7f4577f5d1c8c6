// The fleet page's bulk upload of departures: which column is which and a sample file next to the form (issue 18),
// then every problem of a refused file in row order, or what was applied and which weekly rows are not in force yet.
import { api, ApiError, clearErrors, fieldError, messageOf, showError } from './api.js';
import { el } from './dom.js';

const COLUMNS = [
  ['vehicle_id', 'the vehicle’s id in chargeplan (the small grey id under each name in the table), not its name or plate'],
  ['kind', 'once (one departure) or weekly (a rule for some days)'],
  ['departure', 'once: the site’s local date and time, e.g. 2026-11-24T07:00'],
  ['days', 'weekly: mon, tue, wed, thu, fri, sat, sun, separated by ;'],
  ['time', 'weekly: the local time of day, e.g. 06:30'],
  ['energy_kwh', 'energy to add, with a dot for decimals (or leave it empty and give soc_percent)'],
  ['soc_percent', 'the battery level to reach, 1–100'],
];

const rowKey = (i) => (i.row == null ? -1 : i.row);

/** form: the <form>; onApplied(): reloads the table. */
export function setupBulk(form, onApplied) {
  const result = form.querySelector('#bulk-result');
  const input = form.querySelector('#bulk-file');
  const help = el(
    'details',
    { class: 'bulk-columns', id: 'bulk-columns' },
    el('summary', {}, 'Which column is which'),
    el('dl', { class: 'facts' }, ...COLUMNS.flatMap(([name, what]) => [el('dt', {}, el('code', {}, name)), el('dd', {}, what)])),
    el('p', { class: 'muted' }, 'The header row names the columns, in any order. A JSON file is an array of objects with vehicleId, kind and the same fields.'),
  );
  const sample = el('a', { href: '/api/v1/targets/bulk/sample.csv', download: 'departures-sample.csv', id: 'bulk-sample' }, 'Download a sample file');
  form.before(help, el('p', {}, sample));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    result.replaceChildren();
    const file = input.files && input.files[0];
    if (!file) {
      fieldError(form, input, 'Choose a CSV or JSON file.');
      result.textContent = 'Nothing uploaded: no file chosen.';
      input.focus();
      return;
    }
    const json = /\.json$/i.test(file.name) || file.type.includes('json');
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    result.textContent = 'Uploading…';
    try {
      const res = await api('/api/v1/targets/bulk', { method: 'POST', body: await file.text(), contentType: json ? 'application/json' : 'text/csv' });
      const n = res && typeof res.applied === 'number' ? res.applied : 0;
      result.replaceChildren(el('p', { class: 'ok', dataset: { applied: String(n) } }, `Applied ${n} departure ${n === 1 ? 'target' : 'targets'} from ${file.name}.`), ...notesReport(res.notes || []));
      await onApplied();
    } catch (err) {
      if (err instanceof ApiError && err.issues.length) result.replaceChildren(...issuesReport(err, file.name));
      else {
        showError(form, err);
        result.textContent = `Nothing applied: ${messageOf(err)}`;
      }
    } finally {
      button.disabled = false;
    }
  });
}

function notesReport(notes) {
  if (!notes.length) return [];
  return [
    el('p', { id: 'bulk-notes-h' }, notes.length === 1 ? '1 row is applied but not in force yet:' : `${notes.length} rows are applied but not in force yet:`),
    el('ul', { id: 'bulk-notes', 'aria-labelledby': 'bulk-notes-h' }, ...[...notes].sort((a, b) => a.row - b.row).map((n) => el('li', { dataset: { row: String(n.row) } }, `Row ${n.row} (${n.vehicleId}): ${n.message}.`))),
  ];
}

function issuesReport(err, name) {
  const n = err.issues.length;
  const issues = [...err.issues].sort((a, b) => rowKey(a) - rowKey(b));
  const where = (i) => (i.row == null ? 'file' : i.row === 0 ? 'header' : String(i.row));
  return [
    el('p', { class: 'bad', id: 'bulk-summary' }, `Nothing was applied: ${name} has ${n === 1 ? '1 problem' : `${n} problems`}. Fix ${n === 1 ? 'it' : 'them'} and upload the file again.`),
    el(
      'div',
      { class: 'scroll' },
      el(
        'table',
        { class: 'data issues', 'aria-describedby': 'bulk-summary' },
        el('thead', {}, el('tr', {}, ...['Row', 'Column', 'Rule', 'Problem'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, ...issues.map((i) => el('tr', { dataset: { row: i.row == null ? 'file' : String(i.row) } }, el('td', { class: 'num' }, where(i)), el('td', {}, i.field), el('td', {}, i.rule), el('td', {}, i.message)))),
      ),
    ),
  ];
}
