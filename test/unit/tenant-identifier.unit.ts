// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import fc from 'fast-check';
import {createHash} from 'node:crypto';
import {
  ModelRegistry,
  tenantIdentifier,
  TenantRegistryError,
  TenantRegistryErrorCodes,
} from '../../src';

const ALNUM = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
];
const ID_CHARS = [...ALNUM, '.', '_', ':', '-'];
/** A shortened name's hash and marker, and the `_` before them. */
const SHORTENED_MINIMUM = 29;

describe('tenantIdentifier()', () => {
  it('keeps names that fit as defineTenantModel always gave them', () => {
    expect(
      ['acme', 'Acme', 'eu.acme:prod-1', 'a_b', 'A_b', 'a__b', 'a_0b'].map(id =>
        tenantIdentifier('tenant', id),
      ),
    ).to.deepEqual([
      'tenant_acme',
      'tenant__acme',
      'tenant_eu_0acme_1prod_21',
      'tenant_a__b',
      'tenant__a__b',
      'tenant_a____b',
      'tenant_a__0b',
    ]);
    fc.assert(
      fc.property(fc.nat(70), tenantId(), (length, id) => {
        const prefix = prefixOf(length);
        const before = previousName(prefix, id);
        fc.pre(Buffer.byteLength(before) <= 63);
        expect(tenantIdentifier(prefix, id)).to.equal(before);
        expect(ModelRegistry.tenantModelName(prefix, id)).to.equal(before);
      }),
      {numRuns: 3000, seed: 25},
    );
  });

  it('shortens a longer name to the limit: whole tokens, `_9`, 130 bits of the SHA-256 of the id', () => {
    const id = 'a'.repeat(57) + 'x';
    const name = tenantIdentifier('Order', id);
    // Pinned: a change here renames existing tables.
    expect(name).to.equal(
      'Order_aaaaaaaaaaaaaaaaaaaaaaaaaaaaa_9n7i24u32fr5iikb47iatu3uhh6',
    );
    expect(name.slice(-26)).to.equal(referenceHash(id));
    expect(name).to.have.length(63);
    // 29 characters of room: 14 upper-case letters (2 each), never half of one.
    expect(tenantIdentifier('Order', 'A'.repeat(40))).to.equal(
      'Order_' + '_a'.repeat(14) + '_9' + referenceHash('A'.repeat(40)),
    );
  });

  it('gives distinct ids distinct names, lower-cased and cut at the limit, for every prefix length', () => {
    for (const maxBytes of [30, 63, 64, 128]) {
      for (let length = 0; length <= maxBytes + 1; length++) {
        const prefix = prefixOf(length);
        fc.assert(
          fc.property(idPair(), ([a, b]) => {
            const nameA = nameOrRefusal(prefix, a, maxBytes);
            const nameB = nameOrRefusal(prefix, b, maxBytes);
            if (nameA === undefined || nameB === undefined) return;
            expect(Buffer.byteLength(nameA)).to.be.belowOrEqual(maxBytes);
            expect(cut(nameA, maxBytes)).to.not.equal(cut(nameB, maxBytes));
          }),
          {numRuns: 40, seed: length},
        );
      }
    }
  });

  it('lets no id be chosen whose name is another id’s shortened name', () => {
    fc.assert(
      fc.property(fc.nat(34), tenantId(), (length, id) => {
        const prefix = prefixOf(length);
        const name = tenantIdentifier(prefix, id);
        const rest = name.slice(prefix.length + 1);
        // The only id whose plain name this could be is its decoding: an
        // encoded id decodes to itself, a shortened name to nothing.
        const isShortened = name !== previousName(prefix, id);
        expect(decode(rest)).to.equal(isShortened ? undefined : id);
        expect(decode(previousName(prefix, id).slice(length + 1))).to.equal(id);
      }),
      {numRuns: 5000, seed: 7},
    );
    // What broke the docs' earlier helper: an id spelled like the tail of a
    // shortened name. Here it gets a name of its own.
    const long = 'l'.repeat(100) + 'a'.repeat(28);
    const shortened = tenantIdentifier('tenant', long);
    const spelled = shortened.slice('tenant_'.length);
    expect(tenantIdentifier('tenant', spelled)).to.not.equal(shortened);
    expect(decode(spelled)).to.be.undefined();
  });

  it('counts the prefix in bytes', () => {
    const prefix = 'bestellung_ü'; // 13 bytes, 12 characters
    expect(tenantIdentifier(prefix, 'a'.repeat(49))).to.equal(
      `${prefix}_${'a'.repeat(49)}`,
    );
    const name = tenantIdentifier(prefix, 'a'.repeat(50));
    expect(Buffer.byteLength(name)).to.equal(63);
    expect(name).to.match(/_9[a-z2-7]{26}$/);
  });

  it('refuses a prefix that leaves no room for the hash, only when a name needs it', () => {
    const prefix = 'x'.repeat(63 - SHORTENED_MINIMUM + 1);
    expect(tenantIdentifier(prefix, 'acme')).to.equal(`${prefix}_acme`);
    const error = refusal(() => tenantIdentifier(prefix, 'a'.repeat(40)));
    expect(error).to.containDeep({
      code: TenantRegistryErrorCodes.TENANT_IDENTIFIER_TOO_LONG,
      statusCode: 500,
    });
    expect(error.message).to.match(
      /does not fit in 63 bytes: .* prefix of at most 34 bytes/,
    );
    expect(tenantIdentifier(prefix.slice(1), 'a'.repeat(40))).to.have.length(
      63,
    );
  });

  it('refuses an invalid id and a bad limit', () => {
    expect(refusal(() => tenantIdentifier('t', 'a"b')).code).to.equal(
      'INVALID_TENANT_ID',
    );
    expect(refusal(() => tenantIdentifier('t', 'x'.repeat(129))).code).to.equal(
      'INVALID_TENANT_ID',
    );
    for (const maxBytes of [0, -1, 1.5, NaN, Infinity]) {
      const error = refusal(() => tenantIdentifier('t', 'a', {maxBytes}));
      expect(error.code).to.equal('INVALID_OPTION');
      expect(error.message).to.match(/`maxBytes`: expected a positive integer/);
    }
  });

  /** A prefix of `length` bytes, with upper case and `_` (as model names). */
  function prefixOf(length: number): string {
    return 'Order_Line'.repeat(20).slice(0, length);
  }

  function nameOrRefusal(
    prefix: string,
    id: string,
    maxBytes: number,
  ): string | undefined {
    try {
      return tenantIdentifier(prefix, id, {maxBytes});
    } catch (error: unknown) {
      // Refused only when the plain name does not fit and neither does the
      // prefix with a hash; a prefix short enough always gives a name.
      expect(error).to.containDeep({code: 'TENANT_IDENTIFIER_TOO_LONG'});
      expect(Buffer.byteLength(previousName(prefix, id))).to.be.above(maxBytes);
      expect(prefix.length + SHORTENED_MINIMUM).to.be.above(maxBytes);
      return undefined;
    }
  }
});

/** Valid ids, short and long (up to 128 characters). */
function tenantId(): fc.Arbitrary<string> {
  const rest = (size: 'small' | 'max') =>
    fc.array(fc.constantFrom(...ID_CHARS), {maxLength: 127, size});
  return fc
    .tuple(fc.constantFrom(...ALNUM), fc.oneof(rest('small'), rest('max')))
    .map(([first, others]) => first + others.join(''));
}

/** Two distinct valid ids, often with a long common start. */
function idPair(): fc.Arbitrary<[string, string]> {
  const tail = fc.array(fc.constantFrom(...ID_CHARS), {maxLength: 40});
  const similar = fc
    .tuple(tenantId(), tail, tail)
    .map(([start, a, b]): [string, string] => [
      (start + a.join('')).slice(0, 128),
      (start + b.join('')).slice(0, 128),
    ]);
  return fc
    .oneof(similar, fc.tuple(tenantId(), tenantId()))
    .filter(([a, b]) => a !== b);
}

/** A name as PostgreSQL stores it: lower-cased, cut at the limit. */
function cut(name: string, maxBytes: number): string {
  return Buffer.from(name.toLowerCase()).subarray(0, maxBytes).toString();
}

/** The model name before names had a limit (0.1.0), as it was written. */
function previousName(baseName: string, id: string): string {
  let encoded = '';
  for (const char of id) {
    if (/[a-z0-9]/.test(char)) encoded += char;
    else if (char === '_') encoded += '__';
    else if (/[A-Z]/.test(char)) encoded += `_${char.toLowerCase()}`;
    else encoded += `_${'.:-'.indexOf(char)}`;
  }
  return `${baseName}_${encoded}`;
}

/** The id whose encoding is `encoded`, or `undefined` when there is none. */
function decode(encoded: string): string | undefined {
  const escapes: Record<string, string> = {_: '_', 0: '.', 1: ':', 2: '-'};
  let id = '';
  for (let i = 0; i < encoded.length; i++) {
    const char = encoded[i];
    if (/[a-z0-9]/.test(char)) {
      id += char;
      continue;
    }
    if (char !== '_') return undefined;
    const next = encoded[++i] ?? '';
    if (/[a-z]/.test(next)) id += next.toUpperCase();
    else if (next in escapes) id += escapes[next];
    else return undefined;
  }
  return id;
}

/** Base32 (RFC 4648, lower case) of the first 130 bits of SHA-256(id). */
function referenceHash(id: string): string {
  const hex = createHash('sha256').update(id).digest('hex');
  const bits = BigInt(`0x${hex}`) >> BigInt(256 - 130);
  return bits
    .toString(2)
    .padStart(130, '0')
    .match(/.{5}/g)!
    .map(chunk => 'abcdefghijklmnopqrstuvwxyz234567'[parseInt(chunk, 2)])
    .join('');
}

function refusal(act: () => unknown): TenantRegistryError {
  try {
    act();
  } catch (error: unknown) {
    expect(error).to.be.instanceOf(TenantRegistryError);
    return error as TenantRegistryError;
  }
  throw new Error('expected a refusal');
}
