import { attr, shell } from './views.js';
import { firmwareSections } from './views-station-firmware.js';

/**
 * The station page (issue 17): connection, last boot, EVSEs and connectors, capabilities, the operation buttons, the
 * device-model table and the last 100 messages in both directions (issue 16). The shell only; assets/station.js fills it from the API, which decides
 * who may see the station.
 */
export function stationPage(stationId: string): string {
  return shell({
    title: `Station ${attr(stationId)}`,
    script: 'station.js',
    signedIn: true,
    body: `<div id="station-root" class="stack" data-station-id="${attr(stationId)}" aria-busy="true">
<p><a href="/fleet">← Fleet</a></p>
<div id="page-error" class="alert" role="alert" hidden></div>
<link rel="stylesheet" href="/assets/alerts.css"><section id="alerts-panel" class="card wide" data-station-id="${attr(stationId)}" hidden></section><script type="module" src="/assets/alerts.js"></script>
<section class="card wide" aria-labelledby="station-h">
<h1 id="station-h">Station <span id="station-name"></span></h1>
<dl id="station-facts" class="summary"></dl>
</section>

<section class="card wide" aria-labelledby="evses-h">
<h2 id="evses-h">EVSEs and connectors</h2>
<div class="scroll" role="region" tabindex="0" aria-labelledby="evses-h"><table id="evses" class="data">
<thead><tr><th scope="col">EVSE</th><th scope="col">Connector</th><th scope="col">Status</th><th scope="col">Since</th><th scope="col">Transaction</th><th scope="col">Actions</th></tr></thead>
<tbody></tbody>
</table></div>
</section>

<section class="card" aria-labelledby="ops-h">
<h2 id="ops-h">Operations</h2>
<div class="actions" id="station-ops">
<button type="button" data-op="reset-onidle">Reset when idle</button>
<button type="button" data-op="reset-immediate">Reset now</button>
<button type="button" data-op="trigger-status">Ask for status</button>
<button type="button" data-op="trigger-heartbeat">Ask for heartbeat</button>
<button type="button" data-op="clear-cache">Clear cache</button>
<button type="button" data-op="report">Read device model</button>
</div>
<p id="op-result" class="status-line" role="status" aria-live="polite"></p>
</section>

<section class="card" aria-labelledby="caps-h">
<h2 id="caps-h">Smart-charging capabilities</h2>
<dl id="capabilities" class="summary"></dl>
</section>

<section class="card wide" aria-labelledby="dm-h">
<h2 id="dm-h">Device model</h2>
<div class="scroll" role="region" tabindex="0" aria-labelledby="dm-h"><table id="device-model" class="data">
<thead><tr><th scope="col">Component</th><th scope="col">Variable</th><th scope="col">Value</th><th scope="col">Unit</th><th scope="col">Mutability</th><th scope="col">Meaning</th></tr></thead>
<tbody></tbody>
</table></div>
<p id="dm-status" class="status-line" role="status" aria-live="polite"></p>
</section>

${firmwareSections(stationId)}
<link rel="stylesheet" href="/assets/station.css">
<section class="card wide" aria-labelledby="log-h">
<h2 id="log-h">Messages in both directions</h2>
<p class="hint">The station’s last 100 OCPP messages, newest first: → sent to the station, ← received from it. Passwords and keys are shown as [redacted]; long payloads are cut.</p>
<div class="scroll frames" role="region" tabindex="0" aria-label="The station’s last 100 messages"><table id="frames" class="data">
<thead><tr><th scope="col">Direction</th><th scope="col">Time</th><th scope="col">Message</th><th scope="col">Action</th><th scope="col">Payload</th></tr></thead>
<tbody></tbody>
</table></div>
<p id="frames-status" class="status-line" role="status" aria-live="polite"></p>
</section>
</div>`,
  });
}
