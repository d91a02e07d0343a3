// Copyright loopback4-tenant-registry contributors. MIT License.

import {getHeapStatistics} from 'node:v8';

/** Heap figures for the memory-pressure check, in bytes. */
export interface HeapUsage {
  /** In use (`process.memoryUsage().heapUsed`). */
  usedBytes: number;
  /** The limit (`v8.getHeapStatistics().heap_size_limit`). */
  limitBytes: number;
}

/** This process's heap use and limit. */
export function readHeapUsage(): HeapUsage {
  return {
    usedBytes: process.memoryUsage().heapUsed,
    limitBytes: getHeapStatistics().heap_size_limit,
  };
}
