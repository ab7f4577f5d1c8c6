/**
 * Issue 20 in real Chromium: after logging in at /login?next=<hostile>, the browser stays on our site (finding 5:
 * a TAB or a newline in `next` that the browser drops took it to //evil.example); a login form on another site does
 * not log the victim into the attacker's account (finding 8, login CSRF); and the API reference page
 * (/api/docs, our own page since issue 18) works under the product's Content-Security-Policy, which every answer now carries
 * (finding 8), without a single CSP violation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { createUser } from '../../src/http/auth/user-accounts.js';
import { UserRepository } from '../../src/storage/user-repository.js';
import { launch, newContext, see, startProduct, watchErrors, PASSWORD, type Product } from './fixture.js';

let product: Product;
let browser: Browser;

beforeAll(async () => {
  [product, browser] = await Promise.all([startProduct(), launch()]);
});
afterAll(async () => {
  await browser?.close();
  await product?.close();
});

/** Every CSP violation the page reports, recorded from the first script on. */
async function recordViolations(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const w = globalThis as unknown as { __csp: string[]; addEventListener: (t: string, f: (e: { violatedDirective: string; blockedURI: string }) => void) => void };
    w.__csp = [];
    w.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return () => page.evaluate(() => (globalThis as unknown as { __csp: string[] }).__csp);
}

describe('finding 5: after logging in, only our own pages', () => {
  it.each([
    ['%2F%09%2Fevil.example%2Fphish'],
    ['%2F%0A%2Fevil.example%2Fphish'],
    ['%2F%0D%2Fevil.example'],
    ['%2F%5Cevil.example'],
    ['%2F%2Fevil.example'],
    ['%5C%5Cevil.example'],
    ['https%3A%2F%2Fevil.example'],
  ])('/login?next=%s lands on /fleet of this site', async (next) => {
    const context = await newContext(browser, 'desk');
    const page = await context.newPage();
    const visited: string[] = [];
    page.on('request', (r) => visited.push(r.url()));
    await page.goto(`${product.url}/login?next=${next}`);
    await page.getByLabel('Username').fill('fiona');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await see.url(page, `${product.url}/fleet`);
    expect(visited.filter((u) => !u.startsWith(product.url))).toEqual([]);
    await context.close();
  });

  it('still goes back to the page the person wanted', async () => {
    const context = await newContext(browser, 'desk');
    const page = await context.newPage();
    await page.goto(`${product.url}/fleet?site=north-depot`);
    await see.url(page, `${product.url}/login?next=${encodeURIComponent('/fleet?site=north-depot')}`);
    await page.getByLabel('Username').fill('fiona');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await see.url(page, `${product.url}/fleet?site=north-depot`);
    await context.close();
  });
});

describe('finding 8: login CSRF from another site', () => {
  let evil: Server;
  let evilUrl: string;
  beforeAll(async () => {
    // The attacker's account on our product, and the attacker's own site: a page that posts a login form to us.
    await createUser(new UserRepository(product.server.running.db), product.clock, { username: 'mallory', name: 'Mallory', password: PASSWORD, grants: [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'mallory' }] }, { N: 1024, r: 8, p: 1 });
    evil = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><form id="f" method="post" action="${product.url}/api/v1/session" enctype="application/x-www-form-urlencoded">
<input name="username" value="mallory"><input name="password" value="${PASSWORD}"><button id="go">win a prize</button></form>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    // "localhost" is another site than "127.0.0.1" (where the product is): a cross-site form post.
    evilUrl = `http://localhost:${(evil.address() as { port: number }).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => evil.close(() => resolve())));

  it('a form on another site cannot log the victim into the attacker\'s account', async () => {
    const context = await newContext(browser, 'desk');
    const page = await context.newPage();
    await page.goto(evilUrl);
    const [response] = await Promise.all([page.waitForResponse(`${product.url}/api/v1/session`), page.locator('#go').click()]);
    expect(response.status()).toBe(403);
    expect((await response.json()).code).toBe('CSRF_INVALID');
    expect((await context.cookies(product.url)).map((c) => c.name)).not.toContain('cp_session');
    // And the victim's own login on our page still works in the same browser.
    await page.goto(`${product.url}/login`);
    await page.getByLabel('Username').fill('fiona');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await see.url(page, `${product.url}/fleet`);
    await context.close();
  });
});

describe('finding 8: the API reference page under the CSP', () => {
  it('the reference page lists every operation of the document, with no CSP violation or script error', async () => {
    const context = await newContext(browser, 'desk');
    const page = await context.newPage();
    const errors = watchErrors(page);
    const violations = await recordViolations(page);
    const res = await page.goto(`${product.url}/api/docs`);
    const csp = res?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    await see.text(page, 'h1', 'chargeplan API reference');
    const doc = (await product.app.inject({ url: '/api/openapi.json' })).json() as { paths: Record<string, object> };
    const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    await see.count(page, 'article.op', operations);
    // One operation's body schema is on the page (issue 18: our own page, test/browser/api-docs.test.ts).
    await see.text(page, '#op-post-api-v1-session', 'username');
    // Its filter is our script under the same policy.
    await page.getByLabel('Find an operation').fill('session');
    await see.text(page, '#api-filter-status', 'of');
    expect(await violations()).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('the login page and the fleet dashboard run with no CSP violation', async () => {
    const context = await newContext(browser, 'desk');
    const page = await context.newPage();
    const errors = watchErrors(page);
    const violations = await recordViolations(page);
    await page.goto(`${product.url}/login`);
    await page.getByLabel('Username').fill('fiona');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await see.url(page, `${product.url}/fleet`);
    await see.attribute(page, '#content', 'aria-busy', 'false');
    expect(await violations()).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
