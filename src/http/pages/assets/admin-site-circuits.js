// The sites page's circuit form (issue 16): add a circuit, change one (its parent, its limit in kW, its fuse per
// phase) or remove one, without writing the site as JSON. It sends the site's whole circuit tree with that one change
// (PUT /api/v1/sites/:id/circuits); the server checks the tree whole (cycles, unknown parents, EVSEs on a circuit that
// would go, a running session on it) and names what it refuses. The tree goes with the version the page read
// (If-Match), so a circuit someone added since is not dropped: that save is refused (409 SITE_CHANGED) instead.
import { api, clearErrors, enc, fieldError, showError } from './api.js';
import { el } from './dom.js';
import { t } from './admin-i18n.js';

const $ = (id) => document.getElementById(id);

/** A number input's value, or undefined when empty (the limit is then not set). */
const optional = (input) => (input.value.trim() === '' ? undefined : Number(input.value));

/**
 * Wires the form. `site()` is the site shown (GET /api/v1/sites/:id), `version()` the ETag it was read at (null:
 * none known, the server then takes the tree as it is), `reload(id)` shows it again after a change.
 * Returns `fill(site)`, which the page calls whenever it shows a site.
 */
export function circuitForm({ site, version = () => null, reload }) {
  const form = $('circuit-form');
  const idInput = $('circuit-id');
  const parent = $('circuit-parent');
  const limit = $('circuit-limit');
  const fuse = $('circuit-fuse');
  const status = $('circuit-status');
  idInput.dataset.field = 'id';
  parent.dataset.field = 'parent';
  limit.dataset.field = 'limitKw';
  fuse.dataset.field = 'phaseLimitA';

  const circuits = () => (site()?.circuits ?? []).map((c) => ({
    id: c.id,
    ...(c.parent != null ? { parent: c.parent } : {}),
    ...(c.limitKw !== undefined ? { limitKw: c.limitKw } : {}),
    ...(c.phaseLimitA !== undefined ? { phaseLimitA: c.phaseLimitA } : {}),
  }));

  /** The parent choices: the grid connection and every circuit but the one being edited. */
  function parents(except) {
    const keep = parent.value;
    parent.replaceChildren(el('option', { value: '' }, t('circuits.underGrid')),
      ...circuits().filter((c) => c.id !== except).map((c) => el('option', { value: c.id }, c.id)));
    parent.value = [...parent.options].some((o) => o.value === keep) ? keep : '';
  }

  /**
   * An existing circuit's id typed or picked: its fields are filled in to change. Once per id: the change event that
   * comes again when the field loses focus must not undo what was chosen since.
   */
  let picked = null;
  function pickExisting(force = false) {
    const id = idInput.value.trim();
    if (id === picked && !force) return;
    picked = id;
    const c = circuits().find((x) => x.id === id);
    parents(id);
    if (!c) return;
    parent.value = c.parent ?? '';
    limit.value = c.limitKw ?? '';
    fuse.value = c.phaseLimitA ?? '';
  }

  async function send(next, done) {
    const s = site();
    if (!s) return;
    try {
      await api(`/api/v1/sites/${enc(s.id)}/circuits`, { method: 'PUT', json: { circuits: next }, ifMatch: version() });
      // The status says it is done once the tree shows it (read aloud, and what a test waits for, after the redraw).
      await reload(s.id);
      status.textContent = done;
    } catch (err) {
      // The API names the tree's field (circuits[2].parent); the form's inputs carry the circuit's own names, so the
      // refusal is shown at "Under" for a parent, at the limit for limitKw, and so on.
      const own = err && typeof err.field === 'string' ? /^circuits\[\d+\]\.(\w+)$/.exec(err.field) : null;
      if (own) {
        err.field = own[1];
        err.message = err.message.replace(/^circuits\[\d+\]\.\w+: /, '');
      }
      showError(form, err, status);
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    const id = idInput.value.trim();
    if (!id) return fieldError(form, idInput, t('circuits.giveId'));
    const circuit = { id, ...(parent.value ? { parent: parent.value } : {}) };
    const kw = optional(limit);
    const a = optional(fuse);
    if (kw !== undefined) circuit.limitKw = kw;
    if (a !== undefined) circuit.phaseLimitA = a;
    const list = circuits();
    const at = list.findIndex((c) => c.id === id);
    if (at >= 0) list[at] = circuit;
    else list.push(circuit);
    void send(list, t(at >= 0 ? 'circuits.changed' : 'circuits.added', { id }));
  });

  $('circuit-remove').addEventListener('click', () => {
    clearErrors(form);
    const id = idInput.value.trim();
    const list = circuits();
    if (!list.some((c) => c.id === id)) return fieldError(form, idInput, id ? t('circuits.noSuch', { id }) : t('circuits.noId'));
    if (!confirm(t('circuits.confirmRemove', { id }))) return;
    void send(list.filter((c) => c.id !== id), t('circuits.removed', { id }));
  });

  idInput.addEventListener('change', () => pickExisting());
  return function fill(s) {
    $('circuit-ids').replaceChildren(...(s?.circuits ?? []).map((c) => el('option', { value: c.id })));
    pickExisting(true);
  };
}
