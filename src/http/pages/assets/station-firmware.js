// The station page's firmware and logs (issue 17, L01/N01), for admins: the timeline of FirmwareStatusNotifications,
// the update and upload forms, GetLog and the uploaded files. Hidden when the API refuses (not an admin).
import { api, ApiError } from './api.js';
import { el } from './dom.js';
import { num, t, when } from './admin-i18n.js';

const panel = document.getElementById('firmware-panel');
const logsPanel = document.getElementById('logs-panel');
const id = panel.dataset.stationId;
const base = `/api/v1/stations/${encodeURIComponent(id)}`;
const result = document.getElementById('fw-result');
const logsResult = document.getElementById('logs-result');
const FAILED = new Set(['DownloadFailed', 'InvalidSignature', 'InstallVerificationFailed', 'InstallationFailed']);
const words = (err) => (err instanceof ApiError ? err.message : t('station.wrong'));
let timer = null;

async function loadFirmware() {
  let view;
  try {
    view = await api(`${base}/firmware`, { on401: 'none' });
  } catch {
    return false;
  }
  panel.hidden = false;
  document.getElementById('fw-version').textContent = view.firmwareVersion ?? t('firmware.unknown');
  const job = view.jobs[0];
  document.getElementById('fw-job').textContent = job ? t('firmware.last', { state: job.state, status: job.lastStatus ?? 'none', detail: job.detail ?? 'none' }) : t('firmware.none');
  const list = document.getElementById('fw-timeline');
  list.replaceChildren(...view.timeline.map((x) => el('li', { class: FAILED.has(x.status) ? 'bad' : '', dataset: { status: x.status } },
    el('time', { datetime: x.at }, when(x.at)), ' ', el('strong', {}, x.status), x.detail ? ` — ${x.detail}` : '')));
  // While an update runs, look again every few seconds.
  clearTimeout(timer);
  if (job && (job.state === 'Sent' || job.state === 'WaitingForIdle')) timer = setTimeout(loadFirmware, 3000);
  return true;
}

async function loadImages() {
  const { files } = await api('/api/v1/firmware');
  const select = document.getElementById('fw-image');
  select.replaceChildren(...files.map((f) => el('option', { value: f.id }, t('firmware.image', { version: f.version, file: f.fileName, signed: String(Boolean(f.signed)) }))));
}

async function loadLogs() {
  const { logs } = await api(`${base}/logs`);
  logsPanel.hidden = false;
  document.getElementById('logs-list').replaceChildren(...logs.map((l) => el('li', {},
    el('time', { datetime: l.requestedAt }, when(l.requestedAt)), ' ', t('firmware.logType', { type: l.logType }), ' ', el('strong', {}, l.state),
    l.lastStatus ? ` (${l.lastStatus})` : '', ' ',
    l.download ? el('a', { href: l.download, download: l.fileName ?? 'log.txt' }, t('firmware.download', { file: l.fileName ?? '', bytes: num(l.sizeBytes, 0) })) : '')));
}

document.getElementById('fw-update').addEventListener('submit', async (e) => {
  e.preventDefault();
  const at = document.getElementById('fw-at').value;
  const body = {
    firmwareId: document.getElementById('fw-image').value,
    ...(at ? { retrieveAt: new Date(at).toISOString() } : {}),
    ...(document.getElementById('fw-force').checked ? { resetWhileCharging: true } : {}),
  };
  result.textContent = t('firmware.sending');
  try {
    const rollout = await api(`${base}/firmware`, { method: 'POST', json: body });
    const job = rollout.jobs[0];
    result.textContent = job.state === 'WaitingForIdle' ? t('firmware.waiting') : t('firmware.sent', { state: job.state });
  } catch (err) {
    result.textContent = t('firmware.notSent', { message: words(err) });
  }
  await loadFirmware();
});

document.getElementById('fw-upload').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.target;
  const file = form.elements.file.files[0];
  if (!file) return;
  const name = file.name.replace(/[^A-Za-z0-9._+-]/g, '_').slice(0, 200) || 'firmware.bin';
  result.textContent = t('firmware.uploading');
  try {
    const stored = await api(`/api/v1/firmware?version=${encodeURIComponent(form.elements.version.value)}&fileName=${encodeURIComponent(name)}`, { method: 'POST', body: file, contentType: 'application/octet-stream' });
    result.textContent = t('firmware.stored', { file: stored.fileName, bytes: num(stored.sizeBytes, 0), sha: stored.sha256.slice(0, 12) });
    form.reset();
    await loadImages();
    document.getElementById('fw-image').value = stored.id;
  } catch (err) {
    result.textContent = t('firmware.notStored', { message: words(err) });
  }
});

logsPanel.addEventListener('click', async (e) => {
  const type = e.target.closest('button[data-log]')?.dataset.log;
  if (!type) return;
  logsResult.textContent = t('firmware.asking', { type });
  try {
    await api(`${base}/logs`, { method: 'POST', json: { logType: type } });
    logsResult.textContent = t('firmware.accepted');
    setTimeout(loadLogs, 2000);
  } catch (err) {
    logsResult.textContent = t('station.notDone', { message: words(err) });
  }
  await loadLogs();
});

if (await loadFirmware()) {
  await Promise.all([loadImages(), loadLogs()]).catch(() => {});
}
