import type { FastifyInstance } from 'fastify';

/**
 * Browser hardening headers on every answer of the app (issue 20, finding 8: they were only on the pages, not on
 * /api/docs, the API document or the JSON API). One hook on the root instance, so a new route cannot forget
 * them; registered first in buildApp, so it also covers 404s, errors and the swagger plugin's own files. Set on the
 * raw response in onRequest, so that answers written past fastify (the live stream hijacks its reply) carry them too.
 *
 * CSP: no inline script or style anywhere (our scripts are files under /assets; uPlot styles through the CSSOM,
 * which CSP allows); fetch and EventSource only to ourselves; nobody may frame us (clickjacking on a form that moves
 * departure times). The reference page (/api/docs) is one of our pages now (issue 18), under the same policy with
 * no exception: test/browser/security.test.ts loads it in Chromium and fails on any CSP report.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  // For browsers that predate frame-ancestors.
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

/** A year, and for subdomains too: the product runs on HTTPS or not at all once HSTS is on. */
export const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Adds the headers. HSTS only when the request came over HTTPS (request.protocol: the TLS socket, or
 * X-Forwarded-Proto from a proxy the app trusts, fastify's `trustProxy`) and the session cookie is Secure: a
 * deployment that turned Secure off (plain http on a trusted network) must not be pinned to HTTPS.
 */
export function installSecurityHeaders(app: FastifyInstance, opts: { hsts: boolean }): void {
  app.addHook('onRequest', async (request, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.raw.setHeader(name, value);
    if (opts.hsts && request.protocol === 'https') reply.raw.setHeader('strict-transport-security', HSTS);
  });
}
