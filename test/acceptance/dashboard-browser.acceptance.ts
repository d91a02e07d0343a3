// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect, type Client} from '@loopback/testlab';
import {existsSync, mkdirSync} from 'node:fs';
import path from 'node:path';
import {chromium, type Browser, type Page} from 'playwright-core';
import {givenTenantApp, type TenantTestApp} from '../fixtures/tenant-app';

const CHROMIUM = '/usr/bin/chromium';

/** What the test reads of the page, without the DOM typings. */
interface BrowserGlobals {
  document: {getElementById(id: string): {textContent: string | null} | null};
}
const TOKEN = 'operator-token-0123456789';
const BASE = '/tenant-registry/dashboard';
const ORDER = {address: {street: 's', city: 'c'}, items: [{sku: 'x', qty: 1}]};
const OUTPUT = path.resolve(__dirname, '../../../test-output');

describe('dashboard in headless Chromium (acceptance; skipped where /usr/bin/chromium cannot be installed, see scripts/ensure-test-packages.sh)', () => {
  let app: TenantTestApp;
  let client: Client;
  let browser: Browser | undefined;
  let page: Page;

  before(async function () {
    // eslint-disable-next-line @typescript-eslint/no-invalid-this
    if (!existsSync(CHROMIUM)) return this.skip();
    ({app, client} = await givenTenantApp({
      cleanupInterval: 0,
      dashboard: {enabled: true, token: TOKEN},
    }));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function traffic(tenants: string[]) {
    for (const tenantId of tenants) {
      await client
        .post('/orders')
        .set('x-tenant-id', tenantId)
        .send(ORDER)
        .expect(200);
    }
  }

  async function tenantsShown(count: number) {
    // A function, not a string: the page's CSP forbids eval.
    await page.waitForFunction(
      expected =>
        (globalThis as unknown as BrowserGlobals).document.getElementById(
          'tenants',
        )?.textContent === expected,
      String(count),
      {timeout: 10000},
    );
  }

  it('shows live totals, follows traffic, and evict-all empties it', async () => {
    await traffic(['a', 'b', 'c']);
    await page.goto(`${app.restServer.url}${BASE}?token=${TOKEN}`);
    await tenantsShown(3);
    expect(await page.textContent('#models')).to.equal('6');
    expect(await page.locator('#top-models button').count()).to.equal(3);

    await traffic(['d', 'e']);
    await tenantsShown(5);
    // The README's screenshot (docs/dashboard.png is a copy of this one).
    mkdirSync(OUTPUT, {recursive: true});
    await page.screenshot({path: path.join(OUTPUT, 'dashboard.png')});

    await page.click('#evict-all');
    await tenantsShown(0);
    expect(await page.textContent('#message')).to.match(/Evicted 5 tenant/);

    await traffic(['f']);
    await tenantsShown(1);
    await page.click('#top-models button[data-tenant="f"]');
    await tenantsShown(0);

    await page.screenshot({path: path.join(OUTPUT, 'dashboard-after.png')});
  }).timeout(60000);

  it('shows nothing without the token', async () => {
    const res = await page.goto(`${app.restServer.url}${BASE}`);
    expect(res?.status()).to.equal(401);
    expect(await page.content()).to.not.match(/Evict all tenants/);
  });
});
