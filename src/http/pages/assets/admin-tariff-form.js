// The tariff as a form (issue 16): energy from a market area or fixed / time-of-use prices, grid-fee periods with their
// bands, taxes, VAT and a demand charge, each with the validity dates the tariff allows. The form edits a draft object
// in the JSON shape the API takes (src/prices/tariff-config.ts), so fields it does not show are kept; the page keeps
// the JSON box in step with it, and either can be edited. Every input carries the field path the server names when
// it refuses a save (`gridFees[0].bands[1].to`), so the refusal lands on the input it is about.
import { el } from './dom.js';

const DAYS = [['mon', 'Mon', 'Monday'], ['tue', 'Tue', 'Tuesday'], ['wed', 'Wed', 'Wednesday'], ['thu', 'Thu', 'Thursday'],
  ['fri', 'Fri', 'Friday'], ['sat', 'Sat', 'Saturday'], ['sun', 'Sun', 'Sunday']];
const TIME = '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';

/** `gridFees[0].bands[1].to` for ['gridFees', 0, 'bands', 1, 'to'] (the server's way of naming a field). */
export const fieldOf = (path) => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

function at(obj, path) {
  return path.reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

function put(obj, path, value) {
  let o = obj;
  for (let i = 0; i < path.length - 1; i++) {
    if (o[path[i]] == null || typeof o[path[i]] !== 'object') o[path[i]] = typeof path[i + 1] === 'number' ? [] : {};
    o = o[path[i]];
  }
  const last = path[path.length - 1];
  if (value === undefined) delete o[last];
  else o[last] = value;
}

const newBand = () => ({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '17:00', to: '21:00', pricePerKwh: 0 });
const newPeriod = () => ({ otherwisePerKwh: 0, bands: [] });

/**
 * The editor in `root`. `onChange(draft)` hears every edit (the page writes the JSON box from it); `zones` are the
 * configured price zones ({id, currency, timeZone}).
 */
export function tariffEditor(root, { zones, onChange }) {
  let draft = {};
  let seq = 0;
  const uid = () => `tf-${++seq}`;

  const changed = () => onChange(draft);
  const restructure = (fn) => {
    fn();
    render(draft);
    changed();
  };

  /** One input bound to the draft at `path`; `read` turns its text into the stored value (undefined removes it). */
  function input(label, path, o = {}) {
    const id = uid();
    const value = o.show ? o.show(at(draft, path)) : at(draft, path);
    const attrs = { id, type: o.type ?? 'text', 'data-path': fieldOf(path), 'data-name': label, value: value === undefined || value === null ? '' : String(value), ...(o.attrs ?? {}) };
    if (o.hideLabel || o.short) attrs['aria-label'] = label;
    const box = el('input', attrs);
    box.addEventListener('input', () => {
      put(draft, path, o.read ? o.read(box.value) : box.value === '' ? undefined : box.value);
      changed();
    });
    return o.hideLabel ? box : el('div', { class: 'field' }, el('label', { for: id }, o.short ?? label), box);
  }
  const num = (label, path, o = {}) => input(label, path, {
    ...o, type: 'number', attrs: { step: 'any', inputmode: 'decimal', ...(o.attrs ?? {}) },
    read: o.read ?? ((v) => (v === '' ? undefined : Number(v))),
  });
  const date = (label, path, o = {}) => input(label, path, { ...o, type: 'date' });
  const validity = (what, path) => el('div', { class: 'row-fields' },
    date(`${what}: valid from (optional)`, [...path, 'validFrom'], { short: 'Valid from (optional)' }),
    date(`${what}: valid until, not including (optional)`, [...path, 'validTo'], { short: 'Valid until, not including (optional)' }));

  function bandRow(path, i, periodName) {
    const bandPath = [...path, i];
    const name = `${periodName}, band ${i + 1}`;
    const days = new Set(at(draft, [...bandPath, 'days']) ?? []);
    const dayBoxes = DAYS.map(([d, short, long]) => {
      const id = uid();
      const box = el('input', { id, type: 'checkbox', 'data-path': fieldOf([...bandPath, 'days']), 'aria-label': `${name} on ${long}` });
      box.checked = days.has(d);
      box.addEventListener('change', () => {
        const now = new Set(at(draft, [...bandPath, 'days']) ?? []);
        if (box.checked) now.add(d);
        else now.delete(d);
        put(draft, [...bandPath, 'days'], DAYS.map(([x]) => x).filter((x) => now.has(x)));
        changed();
      });
      return el('label', { for: id, class: 'day' }, box, el('span', { 'aria-hidden': 'true' }, short));
    });
    const remove = el('button', { type: 'button', class: 'secondary small' }, 'Remove');
    remove.setAttribute('aria-label', `Remove ${name}`);
    remove.addEventListener('click', () => restructure(() => at(draft, path).splice(i, 1)));
    return el('tr', { 'data-path': fieldOf(bandPath), 'data-name': name },
      el('td', {}, el('div', { class: 'days', role: 'group', 'aria-label': `${name}: days` }, ...dayBoxes)),
      el('td', {}, input(`${name} from (HH:MM)`, [...bandPath, 'from'], { hideLabel: true, attrs: { pattern: TIME, size: 5, placeholder: '17:00', inputmode: 'numeric' } })),
      el('td', {}, input(`${name} to (HH:MM, 24:00 is midnight)`, [...bandPath, 'to'], { hideLabel: true, attrs: { pattern: TIME, size: 5, placeholder: '21:00', inputmode: 'numeric' } })),
      el('td', {}, num(`${name} price per kWh`, [...bandPath, 'pricePerKwh'], { hideLabel: true })),
      el('td', {}, input(`${name} label (optional)`, [...bandPath, 'label'], { hideLabel: true, attrs: { size: 8, placeholder: 'peak' } })),
      el('td', {}, remove));
  }

  /** A list of band schedules (grid fees, or a fixed / time-of-use energy contract). */
  function periods(path, what, addFirst, addMore) {
    const list = at(draft, path) ?? [];
    const box = el('div', { class: 'tf-list' });
    list.forEach((_, i) => {
      const p = [...path, i];
      const name = list.length > 1 ? `${what} period ${i + 1}` : what;
      const bands = at(draft, [...p, 'bands']) ?? [];
      const addBand = el('button', { type: 'button', class: 'secondary small' }, 'Add a band');
      addBand.setAttribute('aria-label', `Add a band to ${name}`);
      addBand.addEventListener('click', () => restructure(() => {
        if (!Array.isArray(at(draft, [...p, 'bands']))) put(draft, [...p, 'bands'], []);
        at(draft, [...p, 'bands']).push(newBand());
      }));
      const removePeriod = el('button', { type: 'button', class: 'secondary small danger' }, 'Remove this period');
      removePeriod.setAttribute('aria-label', `Remove ${name}`);
      removePeriod.addEventListener('click', () => restructure(() => list.splice(i, 1)));
      box.append(el('fieldset', { class: 'period', 'data-path': fieldOf(p), 'data-name': name },
        el('legend', {}, name),
        validity(name, p),
        num(`${name}: price outside the bands, per kWh`, [...p, 'otherwisePerKwh'], { short: 'Price outside the bands, per kWh' }),
        bands.length === 0 ? el('p', { class: 'hint' }, 'No bands: the price above holds at all times.') : el('div', { class: 'scroll', role: 'region', tabindex: '0', 'aria-label': `${name}: bands` },
          el('table', { class: 'data bands' },
            el('thead', {}, el('tr', {}, ...['Days', 'From', 'To', 'Per kWh', 'Label', ''].map((h) => el('th', { scope: 'col' }, h)))),
            el('tbody', {}, ...bands.map((__, j) => bandRow([...p, 'bands'], j, name))))),
        el('div', { class: 'actions' }, addBand, ...(list.length > 1 || path[0] === 'gridFees' ? [removePeriod] : []))));
    });
    const add = el('button', { type: 'button', class: 'secondary small' }, list.length ? addMore : addFirst);
    add.addEventListener('click', () => restructure(() => {
      if (!Array.isArray(at(draft, path))) put(draft, path, []);
      at(draft, path).push(newPeriod());
    }));
    box.append(el('div', { class: 'actions' }, add));
    return box;
  }

  function energy() {
    const kind = at(draft, ['energy', 'kind']) === 'schedule' ? 'schedule' : 'market';
    const radio = (value, label) => {
      const id = uid();
      const r = el('input', { id, type: 'radio', name: 'energy-kind', value, 'data-path': 'energy.kind' });
      r.checked = kind === value;
      r.addEventListener('change', () => restructure(() => {
        draft.energy = value === 'market'
          ? { kind: 'market', zone: zones.find((z) => z.currency === draft.currency)?.id ?? zones[0]?.id ?? '' }
          : { kind: 'schedule', schedules: [newPeriod()] };
      }));
      return el('label', { for: id, class: 'choice' }, r, ` ${label}`);
    };
    const parts = [el('legend', {}, 'Energy'), el('div', { class: 'choices' },
      radio('market', 'Market price of a price area, from a price source'), radio('schedule', 'Fixed or time-of-use prices'))];
    if (kind === 'market') {
      const id = uid();
      const select = el('select', { id, 'data-path': 'energy.zone' },
        ...zones.map((z) => el('option', { value: z.id }, `${z.id} (${z.currency}, ${z.timeZone})`)));
      const current = at(draft, ['energy', 'zone']);
      if (current && !zones.some((z) => z.id === current)) select.append(el('option', { value: current }, `${current} (not configured)`));
      select.value = current ?? '';
      select.addEventListener('change', () => {
        put(draft, ['energy', 'zone'], select.value);
        changed();
      });
      parts.push(el('div', { class: 'field' }, el('label', { for: id }, 'Market area'), select),
        num('Supplier markup per kWh (optional)', ['energy', 'markupPerKwh']));
    } else {
      parts.push(periods(['energy', 'schedules'], 'Energy price', 'Add an energy price', 'Add a period: energy prices that change from a date'));
    }
    return el('fieldset', { class: 'part', 'data-path': 'energy' }, ...parts);
  }

  function rows(path, what, addLabel, fields, blank) {
    const list = at(draft, path) ?? [];
    const add = el('button', { type: 'button', class: 'secondary small' }, addLabel);
    add.addEventListener('click', () => restructure(() => {
      if (!Array.isArray(at(draft, path))) put(draft, path, []);
      at(draft, path).push(blank());
    }));
    return el('div', { class: 'tf-list' }, ...list.map((_, i) => {
      const name = `${what} ${i + 1}`;
      const remove = el('button', { type: 'button', class: 'secondary small danger' }, 'Remove');
      remove.setAttribute('aria-label', `Remove ${name.toLowerCase()}`);
      remove.addEventListener('click', () => restructure(() => list.splice(i, 1)));
      return el('div', { class: 'row-fields', 'data-path': fieldOf([...path, i]), 'data-name': name }, ...fields(name, [...path, i]), validity(name, [...path, i]), remove);
    }), el('div', { class: 'actions' }, add));
  }

  function render(tariff) {
    draft = tariff && typeof tariff === 'object' && !Array.isArray(tariff) ? tariff : {};
    const zoneIds = el('datalist', { id: 'tf-time-zones' }, ...[...new Set(zones.map((z) => z.timeZone))].map((t) => el('option', { value: t })));
    const demand = at(draft, ['demandCharge', 'perKwPerPeriod']);
    const demandInput = num('Demand charge per kW of the month\'s highest 15-minute power (optional)', ['demandCharge', 'perKwPerPeriod'], {
      read: (v) => (v === '' ? undefined : Number(v)),
    });
    demandInput.querySelector('input').addEventListener('input', (e) => {
      // The period is the calendar month (the only one the API takes); no charge, no object.
      if (e.target.value === '') delete draft.demandCharge;
      else draft.demandCharge = { ...(draft.demandCharge ?? {}), period: 'month', perKwPerPeriod: Number(e.target.value) };
      changed();
    });
    root.replaceChildren(
      el('div', { class: 'row-fields' },
        input('Currency (ISO 4217, e.g. EUR)', ['currency'], { attrs: { maxlength: 3, size: 4, autocapitalize: 'characters', pattern: '[A-Z]{3}' } }),
        input('Time zone the bands are in (IANA)', ['timeZone'], { attrs: { list: 'tf-time-zones', autocapitalize: 'none', spellcheck: 'false' } }),
        zoneIds),
      energy(),
      el('fieldset', { class: 'part', 'data-path': 'gridFees' }, el('legend', {}, 'Grid fees'), periods(['gridFees'], 'Grid fee', 'Add a grid fee', 'Add a period: grid fees that change from a date')),
      el('fieldset', { class: 'part', 'data-path': 'taxes' }, el('legend', {}, 'Taxes and levies, per kWh'),
        rows(['taxes'], 'Tax', 'Add a tax or levy', (name, p) => [input(`${name}: what it is called`, [...p, 'name'], { short: `${name}: what it is called` }), num(`${name}: per kWh`, [...p, 'pricePerKwh'], { short: 'Per kWh' })],
          () => ({ name: '', pricePerKwh: 0 }))),
      el('fieldset', { class: 'part', 'data-path': 'vat' }, el('legend', {}, 'VAT'),
        rows(['vat'], 'VAT rate', 'Add a VAT rate', (name, p) => [num(`${name} in %`, [...p, 'rate'], {
          show: (v) => (typeof v === 'number' ? Math.round(v * 1e6) / 1e4 : v),
          read: (v) => (v === '' ? undefined : Math.round(Number(v) * 1e4) / 1e6),
        })], () => ({ rate: 0.25 }))),
      el('fieldset', { class: 'part', 'data-path': 'demandCharge' }, el('legend', {}, 'Demand charge'), demandInput,
        el('p', { class: 'hint' }, demand === undefined ? 'Leave empty when the grid operator bills energy only.' : 'Billed per calendar month in the tariff\'s time zone; the plan keeps the peak low where that pays.')),
    );
  }

  /**
   * Marks the input (or the band, period or row) a refusal names. Returns the element to focus and the message in the
   * form's words ("Grid fee, band 2: …" for `gridFees[0].bands[1]: …`), or null when the form shows no such field.
   */
  function markError(field, message) {
    for (const n of root.querySelectorAll('[aria-invalid]')) n.removeAttribute('aria-invalid');
    if (!field) return null;
    const named = [...root.querySelectorAll('[data-path]')].filter((n) => n.getAttribute('data-path') === field);
    const target = named.find((n) => n.matches('input, select')) ?? named[0];
    if (!target) return null;
    const inputs = target.matches('input, select') ? [target] : [...target.querySelectorAll('input, select')];
    for (const n of inputs) n.setAttribute('aria-invalid', 'true');
    const name = target.getAttribute('data-name');
    const rest = String(message).startsWith(field) ? String(message).slice(field.length).replace(/^:\s*/, ': ') : `: ${message}`;
    return { input: inputs[0] ?? null, text: name ? `${name}${rest}` : String(message) };
  }

  return { render, markError, draft: () => draft };
}
