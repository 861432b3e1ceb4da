/** R2 access shared by the readers (`read.ts`, `keys.ts`): the calls they make, and how a failure is reported. */

/**
 * A share's objects are missing, unreadable or R2 failed: the read cannot be answered now, and may be on a retry
 * (answered 503 `storage_unavailable` with `Retry-After`). Never read as an empty share.
 */
export class StorageError extends Error {}

/** What the readers need of R2: GET (whole or ranged) and HEAD. */
export type ReadBucket = Pick<R2Bucket, "get" | "head">;

/** Runs one R2 call (`what` names it for the log); a thrown error becomes a {@link StorageError}. */
export async function r2<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new StorageError(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
