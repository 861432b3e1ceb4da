/**
 * Storage metering: what a share costs, counted where it is spent. The ShareRoom adds its R2 operations and SQLite
 * row writes to its `stats` table (shown to the operator by `GET /api/sessions/:id`); a read through the worker
 * reports its R2 GETs in the `x-shareroom-r2-reads` response header. The benchmarks read both.
 */

import type { StorageStats } from "@shareroom/shared";

export type { StorageStats };

/** A counter sink: `add("r2Puts", 1)`. */
export type Count = (name: keyof StorageStats, amount: number) => void;

const encoder = new TextEncoder();

/** Byte length of an R2 PUT value as R2 stores it. */
function sizeOf(value: string | ArrayBuffer | ArrayBufferView): number {
  return typeof value === "string" ? encoder.encode(value).byteLength : value.byteLength;
}

/** The subset of R2 the ShareRoom uses, with every call counted through `count`. */
export function meteredBucket(bucket: R2Bucket, count: Count) {
  return {
    async put(key: string, value: string | ArrayBuffer | ArrayBufferView, options?: R2PutOptions) {
      count("r2Puts", 1);
      count("r2BytesWritten", sizeOf(value));
      return bucket.put(key, value, options);
    },
    async get(key: string) {
      const object = await bucket.get(key);
      count("r2Gets", 1);
      if (object) count("r2BytesRead", object.size);
      return object;
    },
    async delete(keys: string | string[]) {
      count("r2Deletes", Array.isArray(keys) ? keys.length : 1);
      return bucket.delete(keys);
    },
    async list(options: R2ListOptions) {
      count("r2Lists", 1);
      return bucket.list(options);
    },
  };
}

/**
 * A reader that counts its GETs (whole or ranged; HEADs are not counted), for the `x-shareroom-r2-reads` header. A
 * streamed read sends the header with the count of its index pass (the head and each segment once); ranged GETs of
 * segments over the kept budget come after it (`storage/read.ts`).
 */
export function countingReader(bucket: R2Bucket) {
  const reader = {
    reads: 0,
    get: ((key: string, options?: R2GetOptions) => {
      reader.reads++;
      return bucket.get(key, options);
    }) as R2Bucket["get"],
    head: (key: string) => bucket.head(key),
  };
  return reader;
}
