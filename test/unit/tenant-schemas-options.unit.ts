// Copyright loopback4-tenant-registry contributors. MIT License.

import {Entity, model, property} from '@loopback/repository';
import {expect} from '@loopback/testlab';
import {tenantIdentifier} from '../../src';
import {resolveOptions} from '../../src/options/resolve-options';
import {firstUseTimeout} from '../../src/schemas/first-use-migration';
import {modelsChecksum} from '../../src/schemas/schema-stamp';
import {tenantLockKeys} from '../../src/schemas/tenant-lock';

describe('schemas options (unit)', () => {
  it('defaults to half the DataSource slots, autoupdate of no models, no drop', () => {
    const {schemas} = resolveOptions({dataSources: {maxOpen: 7}});
    expect(schemas).to.containDeep({
      models: [],
      version: '',
      concurrency: 3,
      lockTimeout: 30000,
      allowDrop: false,
      migrateOnFirstUse: false,
    });
    expect(schemas.schemaName('Acme')).to.equal(
      tenantIdentifier('tenant', 'Acme'),
    );
  });

  it('migrates half of maxOpen at a time, at least 1 and at most 4', () => {
    const oneSlot = resolveOptions({dataSources: {maxOpen: 1}});
    expect(oneSlot.schemas.concurrency).to.equal(1);
    const six = resolveOptions({dataSources: {maxOpen: 6}});
    expect(six.schemas.concurrency).to.equal(3);
    const forty = resolveOptions({dataSources: {maxOpen: 40}});
    expect(forty.schemas.concurrency).to.equal(4);
    expect(resolveOptions().schemas.concurrency).to.equal(4);
  });

  it('waits 10 s on first use by default, or the given timeout', () => {
    expect(firstUseTimeout(false)).to.be.undefined();
    expect(firstUseTimeout(true)).to.equal(10000);
    expect(firstUseTimeout({})).to.equal(10000);
    const given = {schemas: {migrateOnFirstUse: {timeout: 250}}};
    const {migrateOnFirstUse} = resolveOptions(given).schemas;
    expect(firstUseTimeout(migrateOnFirstUse)).to.equal(250);
  });

  const refused: [string, object, RegExp][] = [
    [
      'a first-use timeout of 0',
      {schemas: {migrateOnFirstUse: {timeout: 0}}},
      /`schemas.migrateOnFirstUse`: expected true, false or \{timeout: ms\}/,
    ],
    [
      'a first-use option with an unknown key',
      {schemas: {migrateOnFirstUse: {timout: 5}}},
      /`schemas.migrateOnFirstUse`: expected true, false or \{timeout: ms\}/,
    ],
    [
      'a concurrency above maxOpen',
      {dataSources: {maxOpen: 4}, schemas: {concurrency: 5}},
      /`schemas.concurrency`: expected at most dataSources.maxOpen \(4\)/,
    ],
    [
      'a concurrency of 0',
      {schemas: {concurrency: 0}},
      /`schemas.concurrency`: expected a positive integer, got 0/,
    ],
    [
      'a negative lockTimeout',
      {schemas: {lockTimeout: -1}},
      /`schemas.lockTimeout`: expected a number of milliseconds of at least 0/,
    ],
    [
      'models that are not classes',
      {schemas: {models: ['Order']}},
      /`schemas.models`: expected an array of model classes/,
    ],
    [
      'a schemaName that is not a function',
      {schemas: {schemaName: 'tenant'}},
      /`schemas.schemaName`: expected a function, got "tenant"/,
    ],
    [
      'a misspelled option',
      {schemas: {alowDrop: true}},
      /`schemas.alowDrop`: expected a known option \(did you mean `schemas.allowDrop`\?\)/,
    ],
  ];
  for (const [what, options, message] of refused) {
    it(`refuses ${what} with INVALID_OPTION`, () => {
      expect(() => resolveOptions(options)).to.throw(message);
      expect(() => resolveOptions(options)).to.throw({code: 'INVALID_OPTION'});
    });
  }
});

describe('modelsChecksum() (unit)', () => {
  it('changes with a new property and not with the order of the definitions keys', () => {
    @model({name: 'Order'})
    class Order extends Entity {
      @property({id: true}) id?: number;
      @property({type: 'string', required: true}) customer?: string;
    }
    @model({name: 'Order'})
    class SameOrder extends Entity {
      @property({id: true}) id?: number;
      @property({required: true, type: 'string'}) customer?: string;
    }
    @model({name: 'Order'})
    class OrderWithNote extends Entity {
      @property({id: true}) id?: number;
      @property({type: 'string', required: true}) customer?: string;
      @property() note?: string;
    }

    expect(modelsChecksum([SameOrder])).to.equal(modelsChecksum([Order]));
    expect(modelsChecksum([OrderWithNote])).to.not.equal(
      modelsChecksum([Order]),
    );
    expect(modelsChecksum([])).to.not.equal(modelsChecksum([Order]));
  });
});

describe('tenantLockKeys() (unit)', () => {
  it('is the package namespace and a stable 32-bit integer per tenant id', () => {
    const [namespace, key] = tenantLockKeys('acme');
    expect(tenantLockKeys('acme')).to.deepEqual([namespace, key]);
    expect(tenantLockKeys('acme2')[0]).to.equal(namespace);
    expect(tenantLockKeys('acme2')[1]).to.not.equal(key);
    for (const int4 of [namespace, key]) {
      expect(Number.isInteger(int4)).to.be.true();
      expect(int4).to.be.within(-(2 ** 31), 2 ** 31 - 1);
    }
  });
});
