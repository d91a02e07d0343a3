// Copyright loopback4-tenant-registry contributors. MIT License.

/** A duration or an instant, in milliseconds. */
export type Milliseconds = number;

/** A source of time in milliseconds; inject one to test idle logic. */
export interface Clock {
  now(): Milliseconds;
}
