/**
 * `npm run demo`'s dashboard in real Chromium (issue 7, "Done means"): the demo on a ManualClock (ports 0 on
 * 127.0.0.1, a temporary database) runs its real day from noon into the cheap night in 1-minute lock-steps; then the
 * fleet manager sees the depot's plan under its limit, the vans and what planning saved, and the page follows the
 * day as it goes on; the homeowner sees the family car's plan for the night.
 */
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startDemo, type Demo } from '../../src/cli/demo/start.js';
import { testDatabase } from '../helpers/test-database.js';
import { ARTIFACTS, launch, logIn, newContext, screenshot, see, watchErrors } from './fixture.js';

const local = (iso: string) => DateTime.fromISO(iso, { zone: 'Europe/Copenhagen' }).toMillis();
const password = (demo: Demo, username: string) => demo.users.find((u) => u.username === username)!.password;

let demo: Demo;
let browser: Browser;
let url: string;

beforeAll(async () => {
  const database = await testDatabase({ file: true, empty: true }); // the demo refuses a database that was migrated before it
  [demo, browser] = await Promise.all([
    startDemo({ database: database.options, httpPort: 0, ocppPort: 0, host: '127.0.0.1', scrypt: { N: 1024, r: 8, p: 1 } }),
    launch(),
  ]);
  url = `http://127.0.0.1:${demo.world.running.ports.http}`;
  await demo.world.runUntil(local('2025-10-28T01:00'), 60_000);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe('the demo’s dashboard', () => {
  it('shows the fleet manager the depot’s plan under its limit, the vans and the money saved, and follows the day', async () => {
    const context = await newContext(browser, 'desk');
    const page = await context.newPage();
    const errors = watchErrors(page);
    await logIn(page, url, 'fiona', password(demo, 'fiona'));
    await see.url(page, `${url}/fleet?site=depot`);
    await see.text(page, '#site-facts', 'Grid limit 44 kW');

    const scheduler = demo.world.running.scheduler;
    const plan = (await scheduler.latestPlan('depot'))!;
    await see.attribute(page, '#plan-figure', 'data-plan-id', String(plan.id));
    await see.text(page, '#plan-caption', 'The dashed line is the site limit.');
    await see.count(page, '#plan-chart canvas', 1);
    await see.text(page, '#plan-summary', `${plan.sessions.length}`);
    // Every van of the depot's fleet has its row; the 20 plugged in show their charger.
    await see.count(page, '#vehicles tbody tr', demo.depot.day.vans.length);
    await see.count(page, '#stations tbody tr', 20);
    const month = await demo.world.running.scheduler.sessionCosts({ siteIds: ['depot'], month: '2025-10' });
    const saved = month.reduce((a, c) => a + (c.savings ?? 0), 0);
    expect(saved).toBeGreaterThan(1);
    await see.text(page, '#savings-headline', /^Planning saved €\d+\.\d\d \(\d+ %\) this month/);
    await see.text(page, '#savings tr[data-period="month"]', `${month.length} (20 charging)`);
    await see.text(page, '#savings tr[data-period="month"] .saved', `€${saved.toFixed(2)}`);
    await see.attribute(page, 'body', 'data-live', 'open');
    expect(errors).toEqual([]);
    await screenshot(page, 'demo-fleet');
    // What a person sees first: the plan under the limit and the saving.
    await page.screenshot({ path: join(ARTIFACTS, 'demo-fleet-top.png') });

    // The day goes on: the next plans reach the open page through the live stream.
    await demo.world.runUntil(local('2025-10-28T01:30'), 60_000);
    const later = (await scheduler.latestPlan('depot'))!;
    expect(later.id).toBeGreaterThan(plan.id);
    await see.attribute(page, '#plan-figure', 'data-plan-id', String(later.id));
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('shows the homeowner the family car’s plan for the night', async () => {
    const context = await newContext(browser, 'phone');
    const page = await context.newPage();
    const errors = watchErrors(page);
    await logIn(page, url, 'hans', password(demo, 'hans'));
    await see.url(page, `${url}/home`);
    const plan = (await demo.world.running.scheduler.latestPlan('home'))!;
    await see.attribute(page, '#plan-figure', 'data-plan-id', String(plan.id));
    await see.text(page, '#vehicle-name', 'Family car');
    await see.text(page, '#ready-at', /Tue/);
    await see.text(page, '#saving', /vs\. charging right away/);
    await see.value(page, '#departure', '2025-10-28T07:00');
    expect(errors).toEqual([]);
    await screenshot(page, 'demo-home');
    await context.close();
  }, 60_000);
});
