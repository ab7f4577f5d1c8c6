// The tariff as a form (issue 16): energy from a market area or fixed / time-of-use prices, grid-fee periods with their
// bands, taxes, VAT and a demand charge, each with the validity dates the tariff allows. The form edits a draft object
// in the JSON shape the API takes (src/prices/tariff-config.ts), so fields it does not show are kept; the page keeps
// the JSON box in step with it, and either can be edited. Every input carries the field path the server names when
// it refuses a save (`gridFees[0].bands[1].to`), so the refusal lands on the input it is about.
import { el } from './dom.js';
import { language, locale, t } from './admin-i18n.js';

/** Monday to Sunday: the API's id, and the day's short and long name in the page's language (Intl). */
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d, i) => {
  const at = new Date(Date.UTC(2024, 0, 1 + i)); // 1 January 2024 was a Monday
  const name = (weekday) => new Intl.DateTimeFormat(locale, { weekday, timeZone: 'UTC' }).format(at);
  return [d, name('short'), name('long')];
});
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
    date(t('tf.validFromOf', { what }), [...path, 'validFrom'], { short: t('tf.validFrom') }),
    date(t('tf.validToOf', { what }), [...path, 'validTo'], { short: t('tf.validTo') }));

  function bandRow(path, i, periodName) {
    const bandPath = [...path, i];
    const name = t('tf.band', { period: periodName, n: i + 1 });
    const days = new Set(at(draft, [...bandPath, 'days']) ?? []);
    const dayBoxes = DAYS.map(([d, short, long]) => {
      const id = uid();
      const box = el('input', { id, type: 'checkbox', 'data-path': fieldOf([...bandPath, 'days']), 'aria-label': t('tf.bandOn', { name, day: long }) });
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
    const remove = el('button', { type: 'button', class: 'secondary small' }, t('tf.remove'));
    remove.setAttribute('aria-label', t('tf.removeNamed', { name }));
    remove.addEventListener('click', () => restructure(() => at(draft, path).splice(i, 1)));
    return el('tr', { 'data-path': fieldOf(bandPath), 'data-name': name },
      el('td', {}, el('div', { class: 'days', role: 'group', 'aria-label': t('tf.days', { name }) }, ...dayBoxes)),
      el('td', {}, input(t('tf.bandFrom', { name }), [...bandPath, 'from'], { hideLabel: true, attrs: { pattern: TIME, size: 5, placeholder: '17:00', inputmode: 'numeric' } })),
      el('td', {}, input(t('tf.bandTo', { name }), [...bandPath, 'to'], { hideLabel: true, attrs: { pattern: TIME, size: 5, placeholder: '21:00', inputmode: 'numeric' } })),
      el('td', {}, num(t('tf.bandPrice', { name }), [...bandPath, 'pricePerKwh'], { hideLabel: true })),
      el('td', {}, input(t('tf.bandLabel', { name }), [...bandPath, 'label'], { hideLabel: true, attrs: { size: 8, placeholder: t('tf.peak') } })),
      el('td', {}, remove));
  }

  /** A list of band schedules (grid fees, or a fixed / time-of-use energy contract). */
  function periods(path, what, addFirst, addMore) {
    const list = at(draft, path) ?? [];
    const box = el('div', { class: 'tf-list' });
    list.forEach((_, i) => {
      const p = [...path, i];
      const name = list.length > 1 ? t('tf.period', { what, n: i + 1 }) : what;
      const bands = at(draft, [...p, 'bands']) ?? [];
      const addBand = el('button', { type: 'button', class: 'secondary small' }, t('tf.addBand'));
      addBand.setAttribute('aria-label', t('tf.addBandTo', { name }));
      addBand.addEventListener('click', () => restructure(() => {
        if (!Array.isArray(at(draft, [...p, 'bands']))) put(draft, [...p, 'bands'], []);
        at(draft, [...p, 'bands']).push(newBand());
      }));
      const removePeriod = el('button', { type: 'button', class: 'secondary small danger' }, t('tf.removePeriod'));
      removePeriod.setAttribute('aria-label', t('tf.removeNamed', { name }));
      removePeriod.addEventListener('click', () => restructure(() => list.splice(i, 1)));
      box.append(el('fieldset', { class: 'period', 'data-path': fieldOf(p), 'data-name': name },
        el('legend', {}, name),
        validity(name, p),
        num(t('tf.otherwiseOf', { name }), [...p, 'otherwisePerKwh'], { short: t('tf.otherwise') }),
        bands.length === 0 ? el('p', { class: 'hint' }, t('tf.noBands')) : el('div', { class: 'scroll', role: 'region', tabindex: '0', 'aria-label': t('tf.bands', { name }) },
          el('table', { class: 'data bands' },
            el('thead', {}, el('tr', {}, ...[t('tf.colDays'), t('tf.colFrom'), t('tf.colTo'), t('tf.colPerKwh'), t('tf.colLabel'), ''].map((h) => el('th', { scope: 'col' }, h)))),
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
    const parts = [el('legend', {}, t('tf.energy')), el('div', { class: 'choices' },
      radio('market', t('tf.market')), radio('schedule', t('tf.schedule')))];
    if (kind === 'market') {
      const id = uid();
      const select = el('select', { id, 'data-path': 'energy.zone' },
        ...zones.map((z) => el('option', { value: z.id }, `${z.id} (${z.currency}, ${z.timeZone})`)));
      const current = at(draft, ['energy', 'zone']);
      if (current && !zones.some((z) => z.id === current)) select.append(el('option', { value: current }, t('tf.notConfigured', { zone: current })));
      select.value = current ?? '';
      select.addEventListener('change', () => {
        put(draft, ['energy', 'zone'], select.value);
        changed();
      });
      parts.push(el('div', { class: 'field' }, el('label', { for: id }, t('tf.marketArea')), select),
        num(t('tf.markup'), ['energy', 'markupPerKwh']));
    } else {
      parts.push(periods(['energy', 'schedules'], t('tf.energyPrice'), t('tf.addEnergyPrice'), t('tf.addEnergyPeriod')));
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
      const name = t('tf.numbered', { what, n: i + 1 });
      const remove = el('button', { type: 'button', class: 'secondary small danger' }, t('tf.remove'));
      // German nouns keep their capital.
      remove.setAttribute('aria-label', t('tf.removeNamed', { name: language === 'de' ? name : name.toLowerCase() }));
      remove.addEventListener('click', () => restructure(() => list.splice(i, 1)));
      return el('div', { class: 'row-fields', 'data-path': fieldOf([...path, i]), 'data-name': name }, ...fields(name, [...path, i]), validity(name, [...path, i]), remove);
    }), el('div', { class: 'actions' }, add));
  }

  function render(tariff) {
    draft = tariff && typeof tariff === 'object' && !Array.isArray(tariff) ? tariff : {};
    const zoneIds = el('datalist', { id: 'tf-time-zones' }, ...[...new Set(zones.map((z) => z.timeZone))].map((t) => el('option', { value: t })));
    const demand = at(draft, ['demandCharge', 'perKwPerPeriod']);
    const demandInput = num(t('tf.demandInput'), ['demandCharge', 'perKwPerPeriod'], {
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
        input(t('tf.currency'), ['currency'], { attrs: { maxlength: 3, size: 4, autocapitalize: 'characters', pattern: '[A-Z]{3}' } }),
        input(t('tf.timeZone'), ['timeZone'], { attrs: { list: 'tf-time-zones', autocapitalize: 'none', spellcheck: 'false' } }),
        zoneIds),
      energy(),
      el('fieldset', { class: 'part', 'data-path': 'gridFees' }, el('legend', {}, t('tf.gridFees')), periods(['gridFees'], t('tf.gridFee'), t('tf.addGridFee'), t('tf.addGridPeriod'))),
      el('fieldset', { class: 'part', 'data-path': 'taxes' }, el('legend', {}, t('tf.taxes')),
        rows(['taxes'], t('tf.tax'), t('tf.addTax'), (name, p) => [input(t('tf.taxName', { name }), [...p, 'name'], { short: t('tf.taxName', { name }) }), num(t('tf.taxPerKwh', { name }), [...p, 'pricePerKwh'], { short: t('tf.colPerKwh') })],
          () => ({ name: '', pricePerKwh: 0 }))),
      el('fieldset', { class: 'part', 'data-path': 'vat' }, el('legend', {}, t('tf.vat')),
        rows(['vat'], t('tf.vatRate'), t('tf.addVat'), (name, p) => [num(t('tf.vatIn', { name }), [...p, 'rate'], {
          show: (v) => (typeof v === 'number' ? Math.round(v * 1e6) / 1e4 : v),
          read: (v) => (v === '' ? undefined : Math.round(Number(v) * 1e4) / 1e6),
        })], () => ({ rate: 0.25 }))),
      el('fieldset', { class: 'part', 'data-path': 'demandCharge' }, el('legend', {}, t('tf.demand')), demandInput,
        el('p', { class: 'hint' }, demand === undefined ? t('tf.demandEmpty') : t('tf.demandHint'))),
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
