// A car's technical fields (issue 16), shared by the fleet's vehicle forms and the homeowner's car form: filled from a
// vehicle, read back as the API's body (empty battery or minimum current: null), checked before anything is sent.
import { fieldError } from './api.js';
import { t as tr } from './i18n.js';

const $ = (id) => document.getElementById(id);

export function fillCar(prefix, v) {
  $(`${prefix}-name`).value = v.name;
  $(`${prefix}-battery`).value = v.batteryKwh ?? '';
  $(`${prefix}-power`).value = v.maxAcKw;
  $(`${prefix}-phases`).value = String(v.phases);
  $(`${prefix}-current`).value = v.minCurrentA ?? '';
}

/** The fields as {name, batteryKwh, maxAcKw, phases, minCurrentA}, or null after marking the first wrong one. */
export function carBody(form, prefix) {
  const num = (id) => {
    const t = $(id).value.trim();
    return t === '' ? null : Number(t);
  };
  const name = $(`${prefix}-name`).value.trim();
  const batteryKwh = num(`${prefix}-battery`);
  const maxAcKw = num(`${prefix}-power`);
  const minCurrentA = num(`${prefix}-current`);
  const bad = !name ? [`${prefix}-name`, tr('car.errName')]
    : batteryKwh !== null && !(batteryKwh > 0 && batteryKwh <= 1000) ? [`${prefix}-battery`, tr('car.errBattery')]
    : maxAcKw === null || !(maxAcKw > 0 && maxAcKw <= 43) ? [`${prefix}-power`, tr('car.errPower')]
    : minCurrentA !== null && !(minCurrentA >= 0 && minCurrentA <= 32) ? [`${prefix}-current`, tr('car.errCurrent')]
    : null;
  if (bad) {
    fieldError(form, $(bad[0]), bad[1]);
    $(bad[0]).focus();
    return null;
  }
  return { name, batteryKwh, maxAcKw, phases: Number($(`${prefix}-phases`).value), minCurrentA };
}
