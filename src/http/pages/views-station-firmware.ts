import type { Translate } from './messages.js';
import { attr } from './views.js';

/**
 * The station page's firmware and logs sections (issue 17, L01/N01), for admins: the version, the update timeline
 * (FirmwareStatusNotification), the update and upload forms, and the log requests with their files. The markup
 * only; assets/station-firmware.js fills it and hides it from anyone the API refuses.
 */
export function firmwareSections(stationId: string, t: Translate): string {
  return `<section id="firmware-panel" class="card wide" aria-labelledby="fw-h" data-station-id="${attr(stationId)}" hidden>
<h2 id="fw-h">${t('station.firmware')}</h2>
<p>${t('firmware.running', { version: () => '<strong id="fw-version">—</strong>' })} <span id="fw-job"></span></p>
<form id="fw-update" class="stack">
<label>${t('firmware.imageLabel')} <select id="fw-image" name="firmwareId" required></select></label>
<label>${t('firmware.from')} <input id="fw-at" name="retrieveAt" type="datetime-local"> <small>${t('firmware.fromHint')}</small></label>
<label><input id="fw-force" name="resetWhileCharging" type="checkbox"> ${t('firmware.force')}</label>
<button type="submit">${t('firmware.update')}</button>
</form>
<details><summary>${t('firmware.uploadSummary')}</summary>
<form id="fw-upload" class="stack">
<label>${t('firmware.version')} <input name="version" required maxlength="50"></label>
<label>${t('firmware.file')} <input name="file" type="file" required></label>
<button type="submit">${t('firmware.upload')}</button>
</form></details>
<p id="fw-result" class="status-line" role="status" aria-live="polite"></p>
<h3>${t('firmware.timeline')}</h3>
<ol id="fw-timeline" class="log"></ol>
</section>
<section id="logs-panel" class="card wide" aria-labelledby="logs-h" hidden>
<h2 id="logs-h">${t('firmware.logs')}</h2>
<div class="actions"><button type="button" data-log="DiagnosticsLog">${t('firmware.diagnostics')}</button><button type="button" data-log="SecurityLog">${t('firmware.security')}</button></div>
<p id="logs-result" class="status-line" role="status" aria-live="polite"></p>
<ol id="logs-list" class="log"></ol>
</section>
<script type="module" src="/assets/station-firmware.js"></script>`;
}
