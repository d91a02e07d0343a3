// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import fc from 'fast-check';
import http from 'node:http';
import {isValidTenantId} from '../../src/context/tenant-id';
import {givenTenantApp, type TenantTestApp} from '../fixtures/tenant-app';

interface Answer {
  status: number;
  code?: string;
  tenant?: string | null;
}

/** GET /probe with raw headers (an array allows repeated headers). */
function probe(
  port: number,
  path: string,
  rawHeaders: string[],
): Promise<Answer | 'unsendable'> {
  return new Promise((resolve, reject) => {
    let request: http.ClientRequest;
    try {
      request = http.request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'GET',
          headers: ['host', `127.0.0.1:${port}`, ...rawHeaders],
        },
        res => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', chunk => (text += chunk));
          res.on('end', () => {
            const body = text ? JSON.parse(text) : {};
            resolve({
              status: res.statusCode!,
              code: body.error?.code,
              tenant: body.method,
            });
          });
        },
      );
    } catch {
      // Node's client refuses to send some values (CR, LF, NUL...).
      resolve('unsendable');
      return;
    }
    request.on('error', reject);
    request.end();
  });
}

const sneaky = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  '__defineGetter__',
  'toString',
  '%2e%2e',
  '..',
  'a'.repeat(129),
  'x'.repeat(5000),
  ' acme',
  'acme ',
  'ac\tme',
  'acme,globex',
  '',
);
const tenantValue = fc.oneof(
  sneaky,
  fc.string({maxLength: 40}),
  fc.string({unit: 'grapheme', maxLength: 20}),
  fc.string({unit: 'binary', maxLength: 20}),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/),
);

describe('hostile input over HTTP (acceptance, fast-check)', () => {
  let app: TenantTestApp;
  let port: number;

  before(async () => {
    ({app} = await givenTenantApp({strategies: ['header', 'query']}));
    port = Number(new URL(app.restServer.url!).port);
  });
  after(() => app.stop());

  function expectAnswer(answer: Answer | 'unsendable', tenantId: unknown) {
    if (answer === 'unsendable') return;
    if (isValidTenantId(tenantId)) {
      expect(answer).to.containDeep({status: 200, tenant: tenantId});
    } else {
      expect(answer).to.containDeep({status: 400, code: 'INVALID_TENANT_ID'});
    }
  }

  it('answers 200 for valid ids and 400 INVALID_TENANT_ID for the rest, by header', async () => {
    await fc.assert(
      fc.asyncProperty(tenantValue, async value => {
        const latin1 = Buffer.from(value, 'utf8').toString('latin1');
        const answer = await probe(port, '/probe', ['x-tenant-id', latin1]);
        // The server receives the latin1 reading of the bytes, with leading
        // and trailing spaces and tabs dropped (HTTP's optional whitespace).
        expectAnswer(answer, latin1.replace(/^[ \t]+|[ \t]+$/g, ''));
      }),
      {seed: 20261129, numRuns: 1500},
    );
  }).timeout(120000);

  it('does the same for percent-encoded query values', async () => {
    await fc.assert(
      fc.asyncProperty(tenantValue, async value => {
        const answer = await probe(
          port,
          `/probe?tenant=${encodeURIComponent(value)}`,
          [],
        );
        expectAnswer(answer, value === '' ? '' : value);
      }),
      {seed: 20261129, numRuns: 1500},
    );
  }).timeout(120000);

  it('refuses repeated headers, whatever their values', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.stringMatching(/^[a-z0-9]{1,10}$/), {
          minLength: 2,
          maxLength: 4,
        }),
        async values => {
          const answer = await probe(
            port,
            '/probe',
            values.flatMap(v => ['x-tenant-id', v]),
          );
          expect(answer).to.containDeep({
            status: 400,
            code: 'INVALID_TENANT_ID',
          });
        },
      ),
      {seed: 20261129, numRuns: 200},
    );
  });

  it('leaves Object.prototype untouched', () => {
    const probeObject: Record<string, unknown> = {};
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).to.deepEqual(
      Object.getOwnPropertyNames(Object.getPrototypeOf(probeObject)).sort(),
    );
    for (const key of ['tenant', 'acme', 'polluted', 'x-tenant-id']) {
      expect(key in probeObject).to.be.false();
    }
    expect(Object.getOwnPropertyNames(Object.prototype)).to.not.containEql(
      'tenant',
    );
  });
});
