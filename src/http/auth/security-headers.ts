import type { FastifyInstance } from 'fastify';

/**
 * Browser hardening headers on every answer of the app (issue 20, finding 8: they were only on the pages, not on
 * /api/docs, the API document or the JSON API). One hook on the root instance, so a new route cannot forget
 * them; registered first in buildApp, so it also covers 404s, errors and the swagger plugin's own files. Set on the
 * raw response in onRequest, so that answers written past fastify (the live stream hijacks its reply) carry them too.
 *
 * CSP: no inline script or style anywhere (our scripts are files under /assets; uPlot and Swagger UI style through
 * the CSSOM, which CSP allows); fetch and EventSource only to ourselves; nobody may frame us (clickjacking on a form
 * that moves departure times). The reference page (/api/docs, Swagger UI) works under the same policy:
 * test/browser/security-docs.test.ts loads it in Chromium and fails on any CSP report.
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

/**
 * The reference page (Swagger UI, /api/docs) inserts one fixed <style> element of its own; this policy allows that
 * element by its hash (CSP3 hash-source), nothing else inline. A new @fastify/swagger-ui version may change it:
 * test/browser/security.test.ts fails on any CSP violation there and Chromium's message names the new hash.
 */
const SWAGGER_UI_STYLE = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";
export const DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", `style-src 'self' ${SWAGGER_UI_STYLE}`);
const DOCS = '/api/docs';

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
    if (request.url === DOCS || request.url.startsWith(`${DOCS}/`) || request.url.startsWith(`${DOCS}?`)) {
      reply.raw.setHeader('content-security-policy', DOCS_CONTENT_SECURITY_POLICY);
    }
    if (opts.hsts && request.protocol === 'https') reply.raw.setHeader('strict-transport-security', HSTS);
  });
}
