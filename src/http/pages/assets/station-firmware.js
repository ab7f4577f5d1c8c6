// The station page's firmware and logs (issue 17, L01/N01), for admins: the timeline of FirmwareStatusNotifications,
// the update and upload forms, GetLog and the uploaded files. Hidden when the API refuses (not an admin).
import { api, ApiError } from './api.js';
import { el } from './dom.js';

const panel = document.getElementById('firmware-panel');
const logsPanel = document.getElementById('logs-panel');
const id = panel.dataset.stationId;
const base = `/api/v1/stations/${encodeURIComponent(id)}`;
const result = document.getElementById('fw-result');
const logsResult = document.getElementById('logs-result');
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const FAILED = new Set(['DownloadFailed', 'InvalidSignature', 'InstallVerificationFailed', 'InstallationFailed']);
const words = (err) => (err instanceof ApiError ? err.message : 'Something went wrong.');
let timer = null;

async function loadFirmware() {
  let view;
  try {
    view = await api(`${base}/firmware`, { on401: 'none' });
  } catch {
    return false;
  }
  panel.hidden = false;
  document.getElementById('fw-version').textContent = view.firmwareVersion ?? 'unknown';
  const job = view.jobs[0];
  document.getElementById('fw-job').textContent = job ? `Last update: ${job.state}${job.lastStatus ? ` (${job.lastStatus})` : ''}${job.detail ? ` — ${job.detail}` : ''}` : 'No update yet.';
  const list = document.getElementById('fw-timeline');
  list.replaceChildren(...view.timeline.map((t) => el('li', { class: FAILED.has(t.status) ? 'bad' : '', dataset: { status: t.status } },
    el('time', { datetime: t.at }, when(t.at)), ' ', el('strong', {}, t.status), t.detail ? ` — ${t.detail}` : '')));
  // While an update runs, look again every few seconds.
  clearTimeout(timer);
  if (job && (job.state === 'Sent' || job.state === 'WaitingForIdle')) timer = setTimeout(loadFirmware, 3000);
  return true;
}

async function loadImages() {
  const { files } = await api('/api/v1/firmware');
  const select = document.getElementById('fw-image');
  select.replaceChildren(...files.map((f) => el('option', { value: f.id }, `${f.version} — ${f.fileName}${f.signed ? ' (signed)' : ''}`)));
}

async function loadLogs() {
  const { logs } = await api(`${base}/logs`);
  logsPanel.hidden = false;
  document.getElementById('logs-list').replaceChildren(...logs.map((l) => el('li', {},
    el('time', { datetime: l.requestedAt }, when(l.requestedAt)), ` ${l.logType}: `, el('strong', {}, l.state),
    l.lastStatus ? ` (${l.lastStatus})` : '', ' ',
    l.download ? el('a', { href: l.download, download: l.fileName ?? 'log.txt' }, `download ${l.fileName ?? ''} (${l.sizeBytes} bytes)`) : '')));
}

document.getElementById('fw-update').addEventListener('submit', async (e) => {
  e.preventDefault();
  const at = document.getElementById('fw-at').value;
  const body = {
    firmwareId: document.getElementById('fw-image').value,
    ...(at ? { retrieveAt: new Date(at).toISOString() } : {}),
    ...(document.getElementById('fw-force').checked ? { resetWhileCharging: true } : {}),
  };
  result.textContent = 'Sending UpdateFirmware…';
  try {
    const rollout = await api(`${base}/firmware`, { method: 'POST', json: body });
    const job = rollout.jobs[0];
    result.textContent = job.state === 'WaitingForIdle' ? 'The station is charging: the update goes when its sessions end.' : `Sent (${job.state}).`;
  } catch (err) {
    result.textContent = `Not sent: ${words(err)}`;
  }
  await loadFirmware();
});

document.getElementById('fw-upload').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.target;
  const file = form.elements.file.files[0];
  if (!file) return;
  const name = file.name.replace(/[^A-Za-z0-9._+-]/g, '_').slice(0, 200) || 'firmware.bin';
  result.textContent = 'Uploading…';
  try {
    const stored = await api(`/api/v1/firmware?version=${encodeURIComponent(form.elements.version.value)}&fileName=${encodeURIComponent(name)}`, { method: 'POST', body: file, contentType: 'application/octet-stream' });
    result.textContent = `Stored ${stored.fileName} (${stored.sizeBytes} bytes, SHA-256 ${stored.sha256.slice(0, 12)}…).`;
    form.reset();
    await loadImages();
    document.getElementById('fw-image').value = stored.id;
  } catch (err) {
    result.textContent = `Not stored: ${words(err)}`;
  }
});

logsPanel.addEventListener('click', async (e) => {
  const type = e.target.closest('button[data-log]')?.dataset.log;
  if (!type) return;
  logsResult.textContent = `Asking for the ${type}…`;
  try {
    await api(`${base}/logs`, { method: 'POST', json: { logType: type } });
    logsResult.textContent = 'The station accepted: it uploads the file now.';
    setTimeout(loadLogs, 2000);
  } catch (err) {
    logsResult.textContent = `Not done: ${words(err)}`;
  }
  await loadLogs();
});

if (await loadFirmware()) {
  await Promise.all([loadImages(), loadLogs()]).catch(() => {});
}
