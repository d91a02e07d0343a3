// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import jwt from 'jsonwebtoken';
import {TenantRegistryBindings} from '../../src';
import {isJugglerBridgeInstalled} from '../../src/bridge/juggler-bridge';
import {givenEchoApp, pool} from '../fixtures/echo-app';
import {givenTenantApp} from '../fixtures/tenant-app';

describe('faults (acceptance)', () => {
  it('stops cleanly with app.stop() in the middle of traffic', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const app = await givenEchoApp({cleanupInterval: 10, maxIdleTime: 10});
      const url = app.restServer.url!;
      const registry = await app.get(TenantRegistryBindings.REGISTRY);
      let completed = 0;
      let refused = 0;
      let stopping: Promise<void> | undefined;
      await pool(400, 40, async i => {
        try {
          const res = await fetch(`${url}/echo?seed=${i % 5}`, {
            headers: {'x-tenant-id': `tenant-${i % 50}`},
          });
          await res.arrayBuffer();
          expect(res.status).to.equal(200);
          completed++;
        } catch (error: unknown) {
          if ((error as Error).name === 'AssertionError') throw error;
          refused++;
        }
        if (completed === 100) stopping ??= app.stop();
      });
      await stopping;
      expect(completed).to.be.aboveOrEqual(100);
      expect(completed + refused).to.equal(400);
      expect(isJugglerBridgeInstalled()).to.be.false();
      expect(registry.getStats().leasedTenants).to.equal(0);
      expect(unhandled).to.deepEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }).timeout(60000);

  it('refuses oversized bearer tokens without crashing (Node answers 431)', async () => {
    // Node refuses request headers over 16 KiB before LoopBack sees them
    // (LoopBack passes no maxHeaderSize to http.createServer); tokens under
    // that limit but over jwt.maxTokenLength get 401 from the strategy.
    const secret = 'a-test-secret-of-sufficient-length-0123456789';
    const {app, client} = await givenTenantApp({
      strategies: ['jwt'],
      jwt: {secret},
    });
    const tokenOf = (pad: number) =>
      jwt.sign({tenant: 'acme', pad: 'x'.repeat(pad)}, secret, {
        expiresIn: '1h',
      });
    try {
      // 20 KB fits the socket buffers, so the client has sent it all before
      // Node answers and closes: the 431 always arrives.
      await client
        .get('/probe')
        .set('authorization', `Bearer ${tokenOf(20000)}`)
        .expect(431);
      // With 1 MB Node answers 431 and closes while the client is still
      // writing; the client then sees the 431 or a reset, whichever the
      // kernel delivers first. Either way the server must go on serving.
      try {
        await client
          .get('/probe')
          .set('authorization', `Bearer ${tokenOf(1 << 20)}`)
          .expect(431);
      } catch (error: unknown) {
        const code = (error as NodeJS.ErrnoException).code;
        expect(['ECONNRESET', 'EPIPE']).to.containEql(code);
      }
      const big = tokenOf(10000);
      const res = await client
        .get('/probe')
        .set('authorization', `Bearer ${big}`)
        .expect(401);
      expect(res.body.error.code).to.equal('INVALID_TENANT_TOKEN');
      const ok = jwt.sign({tenant: 'acme'}, secret, {expiresIn: '1h'});
      await client
        .get('/probe')
        .set('authorization', `Bearer ${ok}`)
        .expect(200);
    } finally {
      await app.stop();
    }
  });
});
