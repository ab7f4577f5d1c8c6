import { attr } from './views.js';

/**
 * The station page's firmware and logs sections (issue 17, L01/N01), for admins: the version, the update timeline
 * (FirmwareStatusNotification), the update and upload forms, and the log requests with their files. The markup
 * only; assets/station-firmware.js fills it and hides it from anyone the API refuses.
 */
export function firmwareSections(stationId: string): string {
  return `<section id="firmware-panel" class="card wide" aria-labelledby="fw-h" data-station-id="${attr(stationId)}" hidden>
<h2 id="fw-h">Firmware</h2>
<p>Running <strong id="fw-version">—</strong>. <span id="fw-job"></span></p>
<form id="fw-update" class="stack">
<label>Image <select id="fw-image" name="firmwareId" required></select></label>
<label>Download from <input id="fw-at" name="retrieveAt" type="datetime-local"> <small>(empty: now)</small></label>
<label><input id="fw-force" name="resetWhileCharging" type="checkbox"> Update even while charging (ends its sessions)</label>
<button type="submit">Update firmware</button>
</form>
<details><summary>Upload an image</summary>
<form id="fw-upload" class="stack">
<label>Version <input name="version" required maxlength="50"></label>
<label>File <input name="file" type="file" required></label>
<button type="submit">Upload</button>
</form></details>
<p id="fw-result" class="status-line" role="status" aria-live="polite"></p>
<h3>Timeline</h3>
<ol id="fw-timeline" class="log"></ol>
</section>
<section id="logs-panel" class="card wide" aria-labelledby="logs-h" hidden>
<h2 id="logs-h">Logs</h2>
<div class="actions"><button type="button" data-log="DiagnosticsLog">Get diagnostics log</button><button type="button" data-log="SecurityLog">Get security log</button></div>
<p id="logs-result" class="status-line" role="status" aria-live="polite"></p>
<ol id="logs-list" class="log"></ol>
</section>
<script type="module" src="/assets/station-firmware.js"></script>`;
}
