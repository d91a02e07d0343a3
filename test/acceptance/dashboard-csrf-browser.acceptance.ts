// Copyright loopback4-tenant-registry contributors. MIT License.

import type {Middleware} from '@loopback/rest';
import {expect, type Client} from '@loopback/testlab';
import {existsSync} from 'node:fs';
import type {Server} from 'node:http';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Page,
} from 'playwright-core';
import {TenantRegistryBindings} from '../../src';
import {
  simpleRequestAttacks,
  startAttackerServer,
  type Attack,
  type AttackerGlobals,
} from '../fixtures/csrf-attacker';
import {
  givenTenantApp,
  type TenantAppOptions,
  type TenantTestApp,
} from '../fixtures/tenant-app';

const CHROMIUM = '/usr/bin/chromium';
const BASE = '/tenant-registry/dashboard';
const ORDER = {address: {street: 's', city: 'c'}, items: [{sku: 'x', qty: 1}]};

/** What the app saw of a request to the dashboard's tenant API. */
interface Arrival {
  method: string;
  label: string;
  site?: string;
  origin?: string;
  contentType?: string;
  hasCookie: boolean;
}

describe('the dashboard against cross-origin pages in headless Chromium (acceptance; skipped where /usr/bin/chromium cannot be installed)', () => {
  let app: TenantTestApp | undefined;
  let client: Client;
  let attacker: Server;
  let attackerUrl: string;
  let arrivals: Arrival[];
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;

  before(async function () {
    // eslint-disable-next-line @typescript-eslint/no-invalid-this
    if (!existsSync(CHROMIUM)) return this.skip();
    ({server: attacker, url: attackerUrl} = await startAttackerServer());
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
  });

  after(async () => {
    await browser?.close();
    if (attacker?.listening) {
      await new Promise(resolve => attacker.close(resolve));
    }
  });

  afterEach(async () => {
    await context?.close();
    await app?.stop();
    app = undefined;
  });

  it('refuses every simple request from another origin, a cookie notwithstanding', async () => {
    await givenDashboard();
    const attacks = simpleRequestAttacks();
    const statuses = await launch(attacks);
    expect(statuses).to.deepEqual(everyAttackAnswered(attacks, 403));
    expect(await suspendedOf(attacks)).to.deepEqual([]);
    // Each arrived without a preflight, with the cookie, and said where it
    // came from; the parameter tricks arrived intact.
    expect(arrivals.filter(a => a.method !== 'POST')).to.be.empty();
    const attackerOrigin = new URL(attackerUrl).origin;
    for (const attack of attacks) {
      const arrival = arrivals.find(a => a.label === attack.label);
      expect(arrival).to.containDeep({
        site: 'same-site',
        origin: attackerOrigin,
        hasCookie: true,
      });
      if (attack.label.endsWith('plus-json')) {
        expect(arrival!.contentType).to.equal(attack.headers!['content-type']);
      }
    }
  }).timeout(60000);

  it('refuses a JSON request from another origin when the app allows it by CORS', async () => {
    // An app whose CORS reflects any origin with credentials lets a sibling
    // page send real JSON with the cookie: only the origin check is left.
    await givenDashboard({cors: {origin: true, credentials: true}});
    const attacks: Attack[] = [
      {
        label: 'fetch-cors-json',
        kind: 'fetch',
        mode: 'cors',
        headers: {'content-type': 'application/json'},
      },
      {
        label: 'fetch-cors-action-header',
        kind: 'fetch',
        mode: 'cors',
        headers: {'x-tenant-registry-action': '1'},
      },
    ];
    const statuses = await launch(attacks);
    expect(statuses).to.deepEqual(everyAttackAnswered(attacks, 403));
    expect(await suspendedOf(attacks)).to.deepEqual([]);
  }).timeout(60000);

  it("keeps the dashboard's own buttons and JSON calls working, same-origin", async () => {
    await givenDashboard();
    const url = app!.restServer.url!;
    await page.goto(`${url}${BASE}`);
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as {
            document: {getElementById(id: string): {textContent: string}};
          }
        ).document.getElementById('tenants').textContent === '2',
      undefined,
      {timeout: 10000},
    );
    const status = await page.evaluate(
      async target =>
        (
          await fetch(target, {
            method: 'POST',
            headers: {'content-type': 'application/json'},
            body: '{}',
          })
        ).status,
      `${url}${BASE}/api/tenants/same-origin-json/suspend`,
    );
    expect(status).to.equal(200);
    const admin = await app!.get(TenantRegistryBindings.ADMIN);
    expect(admin.isSuspended('same-origin-json')).to.be.true();

    await page.click('#evict-all');
    await page.waitForFunction(
      () =>
        /Evicted 2 tenant/.test(
          (
            globalThis as unknown as {
              document: {getElementById(id: string): {textContent: string}};
            }
          ).document.getElementById('message').textContent,
        ),
      undefined,
      {timeout: 10000},
    );
    const registry = await app!.get(TenantRegistryBindings.REGISTRY);
    expect(registry.tenantIds()).to.be.empty();
  }).timeout(60000);

  /**
   * A dashboard whose `authorize` reads a session cookie, two live tenants,
   * and a browser that holds the operator's cookie (SameSite=Strict).
   */
  async function givenDashboard(rest?: TenantAppOptions['rest']) {
    ({app, client} = await givenTenantApp(
      {
        cleanupInterval: 0,
        dashboard: {
          enabled: true,
          authorize: request =>
            /(?:^|;\s*)session=operator(?:;|$)/.test(
              request.headers.cookie ?? '',
            ),
        },
      },
      {rest, beforeStart: a => a.middleware(recordArrival)},
    ));
    arrivals = [];
    for (const tenantId of ['live-a', 'live-b']) {
      await client
        .post('/orders')
        .set('x-tenant-id', tenantId)
        .send(ORDER)
        .expect(200);
    }
    context = await browser!.newContext();
    await context.addCookies([
      {
        name: 'session',
        value: 'operator',
        url: app.restServer.url!,
        sameSite: 'Strict',
      },
    ]);
    page = await context.newPage();
  }

  /** Runs each attack from the attacker's page; the status each got. */
  async function launch(attacks: Attack[]): Promise<Record<string, number>> {
    await page.goto(attackerUrl);
    const statuses: Record<string, number> = {};
    for (const attack of attacks) {
      const url = `${app!.restServer.url}${BASE}/api/tenants/${attack.label}/suspend`;
      const [response] = await Promise.all([
        page.waitForResponse(
          r => r.url() === url && r.request().method() === 'POST',
          {timeout: 10000},
        ),
        page.evaluate(
          ([target, spec]) =>
            (globalThis as unknown as AttackerGlobals).attack(target, spec),
          [url, attack] as const,
        ),
      ]);
      statuses[attack.label] = response.status();
    }
    return statuses;
  }

  /** An app middleware (before ours) that records what arrived. */
  const recordArrival: Middleware = ({request}, next) => {
    const match = /\/api\/tenants\/([^/]+)\/suspend$/.exec(request.path);
    if (match !== null) {
      arrivals.push({
        method: request.method,
        label: match[1],
        site: request.headers['sec-fetch-site'],
        origin: request.headers.origin,
        contentType: request.headers['content-type'],
        hasCookie: /session=operator/.test(request.headers.cookie ?? ''),
      });
    }
    return next();
  };

  function everyAttackAnswered(attacks: Attack[], status: number) {
    return Object.fromEntries(attacks.map(a => [a.label, status]));
  }

  /** The attacked tenants that ended up suspended. */
  async function suspendedOf(attacks: Attack[]): Promise<string[]> {
    const admin = await app!.get(TenantRegistryBindings.ADMIN);
    return attacks.map(a => a.label).filter(id => admin.isSuspended(id));
  }
});
