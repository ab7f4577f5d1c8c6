// A homeowner's car (issue 16): its name, battery and charging limits, through PATCH /api/v1/vehicles/:id (the API
// lets a homeowner edit only their own car, never its household; the change re-plans and lands in the audit log).
import { api, clearErrors, enc, pageError, setupHeader, showError } from './api.js';
import { el } from './dom.js';
import { t } from './i18n.js';
import { carBody, fillCar } from './car-fields.js';

const $ = (id) => document.getElementById(id);
let cars = [];

const current = () => cars.find((c) => c.id === $('car-id').value) ?? cars[0];

async function start() {
  await setupHeader();
  cars = await api('/api/v1/vehicles');
  if (cars.length === 0) {
    $('car-form').replaceChildren(el('p', {}, t('car.none')));
  } else {
    $('car-id').replaceChildren(...cars.map((c) => el('option', { value: c.id }, c.name)));
    $('car-pick').hidden = cars.length < 2;
    fillCar('car', cars[0]);
    $('car-id').addEventListener('change', () => fillCar('car', current()));
  }
  $('content').setAttribute('aria-busy', 'false');
}

$('car-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = $('car-form');
  clearErrors(form);
  const status = $('car-status');
  const body = carBody(form, 'car');
  if (!body) return void (status.textContent = t('car.notSaved'));
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  status.textContent = t('common.saving');
  try {
    const saved = await api(`/api/v1/vehicles/${enc(current().id)}`, { method: 'PATCH', json: body });
    cars = cars.map((c) => (c.id === saved.id ? saved : c));
    status.textContent = t('car.saved', { name: saved.name });
  } catch (err) {
    showError(form, err, status);
  } finally {
    button.disabled = false;
  }
});

start().catch(pageError);
