// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {execFile} from 'node:child_process';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {promisify} from 'node:util';

const figure = {
  median: Number,
  min: Number,
  max: Number,
};

describe('npm run bench -- --quick (smoke)', () => {
  it('runs every suite and writes a JSON record of the expected shape (never latest.json)', async () => {
    const root = path.resolve(__dirname, '../..');
    const {stdout} = await promisify(execFile)(
      process.execPath,
      [path.join(root, 'bench/index.js'), '--quick'],
      {encoding: 'utf8', timeout: 280000, maxBuffer: 1 << 22},
    );
    for (const suite of [
      'registry',
      'context',
      'cleanup',
      'memory',
      'http',
      'bulk',
    ]) {
      expect(stdout).to.match(new RegExp(`### ${suite}`));
    }
    const record = JSON.parse(
      readFileSync(path.resolve(root, '../bench/results/quick.json'), 'utf8'),
    );
    expect(record.environment.node).to.equal(process.version);
    const {registry, context, cleanup, memory, http, bulk} = record.suites;
    // Every bulk path ran and was timed (no budget asserted: see bench/).
    expect(Object.keys(bulk.blocks).length).to.be.aboveOrEqual(6);
    for (const blocks of Object.values(bulk.blocks) as {turns: number}[]) {
      expect(blocks.turns).to.be.above(0);
    }
    expect(bulk.statsCpuMs.handlerMs).to.be.above(0);
    for (const f of [
      registry.hitNs,
      registry.jugglerBuildNs,
      context.insideNs,
    ]) {
      expect(Object.keys(f).sort()).to.deepEqual(Object.keys(figure).sort());
      expect(f.median).to.be.a.Number();
    }
    expect(registry.buildOverHitRatio).to.be.a.Number();
    expect(cleanup['1000'].evicted).to.equal(500);
    expect(memory.results).to.have.length(10);
    for (const result of memory.results) {
      expect(result.anonymousLoaded).to.be.a.Number();
      if (result.mode === 'bridge')
        expect(result.anonymousReleased).to.equal(0);
    }
    expect(registry.bridgedReusedDefinitionHitNs.median).to.be.a.Number();
    for (const method of ['GET', 'POST']) {
      const overhead = http.overhead[method];
      for (const pair of [
        'component/als',
        'component/plain',
        'plain-2/plain',
      ]) {
        expect(overhead.pairs[pair].throughputRatio.median).to.be.a.Number();
        expect(
          overhead.pairs[pair].extraCpuMicrosPerRequest.median,
        ).to.be.a.Number();
      }
      for (const side of ['plain', 'plain-2', 'als', 'component']) {
        expect(overhead.sides[side].errors).to.equal(0);
        expect(overhead.sides[side].p99Ms.median).to.be.a.Number();
      }
    }
    for (const method of ['GET', 'POST']) {
      // Interleaved service times: a non-200 answer fails the run itself.
      const service = http.service[method];
      expect(service.rounds).to.be.aboveOrEqual(1);
      for (const side of ['plain', 'plain-2', 'als', 'component']) {
        expect(service.sides[side].median.median).to.be.above(0);
      }
      for (const pair of ['component/als', 'plain-2/plain']) {
        expect(service.pairs[pair].ratio.median).to.be.above(0);
        expect(service.pairs[pair].extraMicros.median).to.be.a.Number();
      }
    }
    for (const scenario of ['leaky', 'tenant-ds']) {
      const figures = http[scenario].GET;
      expect(
        figures.pairs['component/plain'].throughputRatio.median,
      ).to.be.a.Number();
      expect(figures.heapUsed.component).to.be.above(0);
      expect(
        figures.sides.plain.errors + figures.sides.component.errors,
      ).to.equal(0);
    }
  }).timeout(300000);

  it('times the tenancy middleware of each side and build inside real requests (npm run bench:middleware)', async () => {
    const root = path.resolve(__dirname, '../..');
    // The checkout: `--builds` takes the root of a built checkout.
    const checkout = path.resolve(root, '..');
    const {stdout} = await promisify(execFile)(
      process.execPath,
      [
        path.join(root, 'bench/middleware-time.js'),
        '--rounds=2',
        '--requests=40',
        '--kinds=als,als-admit,component',
        `--builds=${checkout}`,
      ],
      {encoding: 'utf8', timeout: 60000},
    );
    // One row per side: its own time and its extra over the first side,
    // both finite (a side whose middleware was never timed would be NaN).
    const build = `component@0:${path.basename(checkout)}`;
    for (const side of ['als', 'als-admit', 'component', build]) {
      const row = stdout
        .split('\n')
        .find(line => line.startsWith(`| ${side} `));
      expect(row).to.not.be.undefined();
      const figures = row!.match(/-?\d+\.\d+/g)!.map(Number);
      expect(figures).to.have.length(6);
      expect(figures[0]).to.be.above(0);
    }
  }).timeout(90000);
});
