// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {TenantRegistryError, validateTenantId} from '../../src';
import {
  isValidTenantId,
  MAX_TENANT_ID_LENGTH,
} from '../../src/context/tenant-id';

describe('validateTenantId()', () => {
  const valid = [
    'a',
    'acme',
    'Acme-Corp_2',
    'tenant.eu-west:42',
    '0',
    'x'.repeat(MAX_TENANT_ID_LENGTH),
    'constructor',
    'prototype',
  ];
  for (const id of valid) {
    it(`accepts ${JSON.stringify(id.slice(0, 20))}`, () => {
      expect(validateTenantId(id)).to.equal(id);
      expect(isValidTenantId(id)).to.be.true();
    });
  }

  const invalid: [string, unknown, RegExp][] = [
    ['empty', '', /it is empty/],
    ['__proto__', '__proto__', /start with a letter or a digit/],
    ['over-long', 'x'.repeat(MAX_TENANT_ID_LENGTH + 1), /longer than 128/],
    ['an array', ['acme'], /expected a string/],
    ['an object', {id: 'acme'}, /expected a string/],
    ['a number', 42, /expected a string/],
    ['undefined', undefined, /expected a string/],
    ['null', null, /expected a string/],
    ['whitespace', 'ac me', /outside the allowed set/],
    ['a trailing newline', 'acme\n', /outside the allowed set/],
    ['a control character', 'ac\u0000me', /outside the allowed set/],
    ['unicode', 'acmé', /outside the allowed set/],
    ['a comma list', 'a,b', /outside the allowed set/],
    ['a slash', 'a/b', /outside the allowed set/],
    ['a leading dash', '-acme', /start with a letter or a digit/],
  ];
  for (const [label, value, reason] of invalid) {
    it(`refuses ${label} with INVALID_TENANT_ID`, () => {
      let caught: unknown;
      try {
        validateTenantId(value);
      } catch (error: unknown) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(TenantRegistryError);
      const error = caught as TenantRegistryError;
      expect(error.code).to.equal('INVALID_TENANT_ID');
      expect(error.message).to.match(reason);
      expect(isValidTenantId(value)).to.be.false();
    });
  }

  it('agrees with the documented pattern on every character and on mixed strings', () => {
    const pattern = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
    const agrees = (id: string) =>
      isValidTenantId(id) ===
      (id.length <= MAX_TENANT_ID_LENGTH && pattern.test(id));
    // Every UTF-16 code unit, first and later in the id.
    for (let code = 0; code <= 0xffff; code++) {
      const c = String.fromCharCode(code);
      for (const id of [c, `a${c}`, `${c}a`, `a${c}b`]) {
        if (!agrees(id)) throw new Error(`disagrees on ${JSON.stringify(id)}`);
      }
    }
    // Mixed strings from an alphabet around the edges of the allowed set
    // (a fixed-seed generator, so a failure is reproducible).
    const alphabet = 'aZz09AY.-_:/@ ,\n\u00e9\u0000[`{';
    let state = 42;
    const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 20000; n++) {
      let id = '';
      const length = next() % 140;
      for (let i = 0; i < length; i++) id += alphabet[next() % alphabet.length];
      if (!agrees(id)) throw new Error(`disagrees on ${JSON.stringify(id)}`);
    }
  });

  it('shows the offending value escaped and truncated', () => {
    const error = captureError(() =>
      validateTenantId('\u0007' + 'y'.repeat(500)),
    );
    expect(error.message).to.containEql('\\u0007');
    expect(error.message).to.containEql('(501 characters)');
    expect(error.message.length).to.be.below(400);
  });
});

function captureError(fn: () => unknown): TenantRegistryError {
  try {
    fn();
  } catch (error: unknown) {
    return error as TenantRegistryError;
  }
  throw new Error('expected an error');
}
