// The client of `npm run bench:upload`, in its own process so that neither the probe nor the upload shares the
// server's event loop. Job (argv JSON): {base, probeMs, upload?: {path, file, contentType, token}}. GET /health goes
// out one at a time, a new one `probeMs` after the last answer; with an upload, the upload starts after 200 ms and
// the probe stops 100 ms after it is answered. Prints {latencies, upload: {status, ms, bytes}}.
import { readFileSync } from 'node:fs';
import http from 'node:http';

const job = JSON.parse(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const url = new URL(job.base);

function request(path, { method = 'GET', headers = {}, body, agent: a = agent } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, method, headers, agent: a }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (body) req.end(body);
    else req.end();
  });
}

const latencies = [];
let probing = true;
async function probe() {
  while (probing) {
    const t = performance.now();
    const res = await request('/health');
    if (res.status !== 200) throw new Error(`/health answered ${res.status}`);
    latencies.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, job.probeMs));
  }
}

const probing$ = probe();
let upload = null;
if (job.upload) {
  await new Promise((r) => setTimeout(r, 200));
  const body = readFileSync(job.upload.file);
  const t = performance.now();
  const res = await request(job.upload.path, {
    method: 'POST',
    body,
    agent: new http.Agent({ keepAlive: false }),
    headers: { 'content-type': job.upload.contentType, 'content-length': body.length, authorization: `Bearer ${job.upload.token}` },
  });
  upload = { status: res.status, ms: performance.now() - t, bytes: body.length, answer: res.body.toString('utf8').slice(0, 200) };
  await new Promise((r) => setTimeout(r, 100));
} else {
  await new Promise((r) => setTimeout(r, job.seconds * 1000));
}
probing = false;
await probing$;
agent.destroy();
process.stdout.write(JSON.stringify({ latencies, upload }));
