/**
 * Issue 16 in real Chromium, from an empty database: the setup link read from the server's log, the first admin
 * created on the setup page, the get-started checklist, a fleet manager created with a grant on the people page,
 * who then logs in; API tokens shown once and revoked; the audit log; the own-password page; and the login page
 * that says a failure once and, before any account exists, where the first one comes from. Every new page is
 * photographed at desk and phone width (test/artifacts).
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { ManualClock } from '../../src/platform/clock.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { CONFIG, T0, launch, newContext, screenshot, see, watchErrors } from './fixture.js';
import { addFiona } from './steps.js';

const ADMIN_PASSWORD = 'first admin of the depot';
const FIONA_PASSWORD = 'fiona drives the north fleet';

let server: TestServer;
let url: string;
let browser: Browser;
const log: Record<string, unknown>[] = [];

beforeAll(async () => {
  const sink = new Writable({ write(chunk, _enc, done) {
    for (const line of String(chunk).split('\n')) if (line.trim()) log.push(JSON.parse(line) as Record<string, unknown>);
    done();
  } });
  [server, browser] = await Promise.all([
    startTestServer({ ...CONFIG, http: { host: '127.0.0.1', port: 0, cookieSecure: false } } as never, { clock: new ManualClock(T0), logger: pino({ level: 'info' }, sink) }),
    launch(),
  ]);
  url = `http://127.0.0.1:${server.running.ports.http}`;
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The same page at desk width, then at phone width (full page), then back. */
async function photograph(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 900 });
  await screenshot(page, `${name}-desk`);
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, `${name}-phone`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe('from an empty database to a fleet manager who logs in, through the pages only', () => {
  it('runs the first run, the checklist, people, tokens, the audit log and the password page', async () => {
    const context = await newContext(browser, 'desk');
    const page = await context.newPage();
    const errors = watchErrors(page);

    // Before any account: / leads to the setup page, and the login page says where the first account comes from.
    await page.goto(`${url}/`);
    await see.url(page, `${url}/setup`);
    await page.goto(`${url}/login`);
    await see.text(page, '#first-run', 'No account exists yet');
    await photograph(page, 'login-first-run');

    // The link, as the server logged it.
    const link = log.find((l) => typeof l.setupLink === 'string')?.setupLink as string;
    expect(link).toMatch(/\/setup#token=[A-Za-z0-9_-]{43}$/);
    await page.goto(link);
    await see.value(page, '#token', link.split('#token=')[1]!);
    await see.url(page, `${url}/setup`);
    await photograph(page, 'setup');

    // A too short password is named next to its field and costs nothing; then the admin is created.
    await page.getByLabel('Your name').fill('Ada Admin');
    await page.getByLabel('Username').fill('ada');
    await page.getByLabel('Password').fill('too short');
    await page.getByRole('button', { name: 'Create admin account' }).click();
    await see.text(page, '#password-error', 'at least 12 characters');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Create admin account' }).click();

    // The checklist: the configured sites exist; no prices, charger, vehicle, departure or other person yet.
    await see.url(page, `${url}/get-started`);
    await see.attribute(page, '#content', 'aria-busy', 'false');
    await see.attribute(page, '#checklist li[data-step="site"]', 'data-done', 'true');
    for (const step of ['tariff', 'charger', 'vehicle', 'departure', 'people']) await see.attribute(page, `#checklist li[data-step="${step}"]`, 'data-done', 'false');
    await see.text(page, '#checklist li[data-step="site"]', '3 sites: North depot');
    // Links only to pages this server has: /fleet and /admin/users do; what does not exist is explained instead.
    expect(await page.locator('#checklist li[data-step="vehicle"] a').getAttribute('href')).toBe('/fleet/vehicles');
    expect(await page.locator('#checklist li[data-step="people"] a').getAttribute('href')).toBe('/admin/users');
    for (const href of await page.locator('#checklist a').evaluateAll((as) => as.map((a) => (a as unknown as { getAttribute(n: string): string }).getAttribute('href')))) {
      const res = await page.request.get(`${url}${href}`, { maxRedirects: 0 });
      expect(res.status(), `${href} is a page here`).toBeLessThan(400);
    }
    await photograph(page, 'get-started');

    // People: add a fleet manager for fleet north.
    await page.getByRole('link', { name: 'People' }).click();
    await see.url(page, `${url}/admin/users`);
    await see.attribute(page, '#content', 'aria-busy', 'false');
    await addFiona(page, FIONA_PASSWORD);
    // Manage her: a second role, then take it away again.
    await page.getByRole('button', { name: 'Manage Fiona Fleet' }).click();
    await page.locator('#grant-role').selectOption('homeowner');
    await page.locator('#grant-scope').fill('home-h');
    await page.getByRole('button', { name: 'Add role' }).click();
    await see.text(page, '#users tr[data-username="fiona"]', 'homeowner over home home-h');
    await photograph(page, 'admin-users');
    await page.getByRole('button', { name: 'Remove homeowner over home home-h from Fiona Fleet' }).click();
    await see.text(page, '#grant-status', 'Removed homeowner over home home-h.');
    await see.count(page, '#manage-grants li', 1);
    // The last admin cannot be disabled: said next to the button.
    await page.getByRole('button', { name: 'Manage Ada Admin' }).click();
    await page.getByRole('button', { name: 'Disable' }).click();
    await see.text(page, '#state-form-error', 'last active admin');

    // API tokens: shown once, then revoked.
    await page.getByRole('link', { name: 'API tokens' }).click();
    await see.attribute(page, '#content', 'aria-busy', 'false');
    await page.getByLabel('What it is for').fill('depot telematics');
    await page.locator('#token-role').selectOption('fleet-manager');
    await page.locator('#token-scope').fill('north');
    await page.getByLabel('Expires after (days)').fill('90');
    await page.getByRole('button', { name: 'Create token' }).click();
    await see.text(page, '#token-value', /^cpk_[0-9a-f]{16}_/);
    await see.text(page, '#tokens tbody tr', 'depot telematics');
    await photograph(page, 'admin-tokens');
    await page.getByRole('button', { name: 'Revoke depot telematics' }).click();
    await see.text(page, '#tokens tbody tr', 'revoked');

    // The audit log shows each of these, newest first.
    await page.getByRole('link', { name: 'Audit log' }).click();
    await see.attribute(page, '#content', 'aria-busy', 'false');
    const actions = await page.locator('#audit tbody tr').evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { action: string } }).dataset.action));
    expect(actions).toEqual(['token.revoked', 'token.created', 'grant.removed', 'grant.added', 'user.created', 'setup.completed']);
    await see.text(page, '#audit tbody tr', 'Ada Admin');
    await photograph(page, 'admin-audit');

    await page.getByRole('link', { name: 'My password', exact: true }).first().click();
    await see.url(page, `${url}/account`);
    await photograph(page, 'account');
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('the fleet manager logs in (a wrong password said once) and changes her password', async () => {
    const context = await newContext(browser, 'phone');
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${url}/login`);
    await see.hidden(page, '#first-run');
    await page.getByLabel('Username').fill('fiona');
    await page.getByLabel('Password').fill('not her password at all');
    await page.getByRole('button', { name: 'Log in' }).click();
    await see.text(page, '#password-error', 'do not match an active account');
    await see.text(page, '#login-status', 'Not logged in.');
    const said = await page.locator('main').innerText();
    expect(said.match(/do not match an active account/g)).toHaveLength(1);
    await photograph(page, 'login-error');
    await page.getByLabel('Password').fill(FIONA_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await see.url(page, `${url}/fleet`);
    // Logged in as herself, with the grant the admin gave her.
    expect(await (await page.request.get(`${url}/api/v1/me`)).json()).toMatchObject({ kind: 'user', name: 'Fiona Fleet', grants: [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'north' }] });

    // The fleet page's own script errors are its own tests' business (test/browser/fleet*.test.ts); from here on,
    // only the pages of this issue.
    errors.length = 0;
    await page.getByRole('link', { name: 'My password' }).click();
    await see.url(page, `${url}/account`);
    await page.getByLabel('Current password').fill('wrong current password');
    await page.getByLabel('New password', { exact: true }).fill('fiona has a new password');
    await page.getByLabel('New password again').fill('fiona has a new password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await see.text(page, '#current-password-error', 'not your current password');
    await page.getByLabel('Current password').fill(FIONA_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await see.text(page, '#password-status', 'Password changed.');
    // Not an admin: the admin pages send her back to her own page.
    const gated = await page.request.get(`${url}/admin/users`, { maxRedirects: 0 });
    expect([gated.status(), gated.headers().location]).toEqual([302, '/']);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
