/**
 * The one seam through which tests reach the ShareRoom's R2 binding: when {@link bucketHook}`.wrap` is set, every
 * R2 call the room makes goes through the bucket it returns. Production never sets it. The fault-injection tests
 * (`test/faulty-bucket.ts`) wrap the real binding with one that fails chosen calls; nothing is mocked.
 */
export const bucketHook: { wrap: ((bucket: R2Bucket, ctx: DurableObjectState) => R2Bucket) | null } = { wrap: null };

/**
 * The bucket the room should use: `bucket` itself, or the test wrapper around it (which gets the room's `ctx`, so a
 * crash test can abort the room at one of its R2 awaits).
 */
export function roomBucket(bucket: R2Bucket, ctx: DurableObjectState): R2Bucket {
  return bucketHook.wrap ? bucketHook.wrap(bucket, ctx) : bucket;
}
