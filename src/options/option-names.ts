// Copyright loopback4-tenant-registry contributors. MIT License.

import {ensure} from './option-checks';

/** Options that are gone: set, each fails with what to do instead. */
const REMOVED_OPTIONS: Record<string, string> = {
  'health.maxTenants': 'its new name, `health.warnAtTenants`',
  clock: 'no such option (removed: a test seam)',
  heapUsage: 'no such option (removed: a test seam)',
  'memoryPressure.maxEvictionsPerPass':
    'no such option (removed: a pass stops at the low watermark)',
};

/** The options each group has besides those its rules check. */
const OTHER_OPTIONS: Record<string, readonly string[]> = {
  '': [
    'admission',
    'dataSources',
    'memoryPressure',
    'host',
    'jwt',
    'health',
    'metrics',
    'dashboard',
    'schemas',
  ],
  jwt: ['secret', 'publicKey', 'issuer', 'audience'],
  host: ['domain', 'map'],
  memoryPressure: ['high', 'low'],
  dashboard: ['token', 'authorize'],
};

/**
 * Refuse a removed option, and an option name a group does not have (LB4's
 * `configure()` is untyped, so a misspelling would otherwise be ignored),
 * suggesting the closest one.
 *
 * @param rules - The options each group checks, by group (`''`: the top).
 */
export function checkOptionNames(
  given: object,
  rules: Record<string, object>,
): void {
  for (const [name, instead] of Object.entries(REMOVED_OPTIONS)) {
    const value = name
      .split('.')
      .reduce<unknown>((at, key) => (at as never)?.[key], given);
    ensure(value === undefined, name, instead, value);
  }
  for (const group of ['', ...OTHER_OPTIONS['']]) {
    const value = group ? (given as Record<string, unknown>)[group] : given;
    if (typeof value !== 'object' || value === null) continue;
    const known = [
      ...Object.keys(rules[group] ?? {}),
      ...(OTHER_OPTIONS[group] ?? []),
    ];
    for (const [name, option] of Object.entries(value)) {
      if (known.includes(name)) continue;
      const closest = closestName(name, known);
      const expected = closest
        ? `a known option (did you mean \`${group ? `${group}.` : ''}${closest}\`?)`
        : `one of the options of ${group || 'the component'}: ${known.join(', ')}`;
      ensure(false, group ? `${group}.${name}` : name, expected, option);
    }
  }
}

/** The known name within two edits of `name` (case aside), if any. */
function closestName(name: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length];
}
