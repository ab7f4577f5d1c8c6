// The load generator for `npm run bench:http`, run in its own process so that autocannon and the server do not
// share one event loop (the server runs in the parent). Reads a JSON job from argv, prints autocannon's result.
import autocannon from 'autocannon';

const job = JSON.parse(process.argv[2]);
let n = 0;
const requests = job.writes
  ? [{
      method: 'PUT',
      // Rotate over the fleet: every request sets another van's departure (a manager editing the table).
      setupRequest: (req) => {
        const i = n++ % job.writes.vehicles;
        const day = 24 + (i % 3);
        const hh = String(5 + (i % 4)).padStart(2, '0');
        return {
          ...req,
          path: `/api/v1/vehicles/V${i}/target`,
          body: JSON.stringify({ kind: 'once', departure: `2026-11-${day}T${hh}:30`, energyKwh: 10 + (i % 20) }),
        };
      },
    }]
  : undefined;

const result = await autocannon({
  url: job.url,
  connections: job.connections,
  duration: job.seconds,
  headers: { authorization: `Bearer ${job.token}`, 'content-type': 'application/json', ...(job.headers ?? {}) },
  ...(requests ? { requests } : {}),
});
process.stdout.write(JSON.stringify({
  rps: result.requests.average,
  p50: result.latency.p50,
  p99: result.latency.p99,
  bytesPerReq: result.requests.total ? result.throughput.total / result.requests.total : 0,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  total: result.requests.total,
}));
