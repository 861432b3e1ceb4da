/**
 * Fault injection around the REAL R2 binding: a wrapper that fails chosen PUT, GET, DELETE, LIST and HEAD calls of
 * one share (matched by the `shares/<id>/` prefix of the key) — a seeded share of them, or the next N — and
 * otherwise passes every call to the binding unchanged. Installed through `src/storage/hook.ts`.
 */
import { bucketHook } from "../src/storage/hook";
import { random } from "./helpers";

/** An R2 operation the wrapper can fail. */
export type Operation = "put" | "get" | "delete" | "list" | "head";

/** What to fail for one share. */
export interface FaultPlan {
  /** Operations that may fail (default: all). */
  ops?: Operation[];
  /** Only keys containing this text (e.g. `head.json`, `/segments/`, `/blobs/`). */
  keyContains?: string;
  /** Fail each matching call with this probability, drawn from `seed`. */
  rate?: number;
  seed?: number;
  /** Fail the next `failNext` matching calls (checked before `rate`). */
  failNext?: number;
  /** A failed PUT first writes the object, then throws: the caller cannot tell whether it landed. */
  ambiguousPuts?: boolean;
  /** Instead of failing the call, abort the room (`ctx.abort()`) at it: a crash at that await. */
  abort?: boolean;
}

/** The error every injected failure throws. */
export class InjectedFault extends Error {}

interface ActivePlan extends FaultPlan {
  next: () => number;
  failed: number;
}

const plans = new Map<string, ActivePlan>();

function shareOf(key: string | undefined): string | undefined {
  return key?.match(/^shares\/([^/]+)\//)?.[1];
}

/** Whether this call fails; counts it. Aborts the room instead when the plan says so. */
function fails(op: Operation, key: string | undefined, ctx: DurableObjectState): boolean {
  const failing = decide(op, key);
  if (failing && plans.get(shareOf(key)!)?.abort) ctx.abort("injected crash");
  return failing;
}

function decide(op: Operation, key: string | undefined): boolean {
  const id = shareOf(key);
  const plan = id === undefined ? undefined : plans.get(id);
  if (!plan) return false;
  if (plan.ops && !plan.ops.includes(op)) return false;
  if (plan.keyContains && !key!.includes(plan.keyContains)) return false;
  if ((plan.failNext ?? 0) > 0) {
    plan.failNext!--;
    plan.failed++;
    return true;
  }
  if (plan.rate && plan.next() < plan.rate) {
    plan.failed++;
    return true;
  }
  return false;
}

function fault(op: Operation, key: string | undefined): never {
  throw new InjectedFault(`injected R2 fault: ${op} ${key ?? ""}`);
}

/** Wraps `bucket` so that calls on shares with a plan fail as planned. */
export function faultyBucket(bucket: R2Bucket, ctx: DurableObjectState): R2Bucket {
  const wrapped = {
    async put(key: string, value: Parameters<R2Bucket["put"]>[1], options?: R2PutOptions) {
      if (fails("put", key, ctx)) {
        if (plans.get(shareOf(key)!)?.ambiguousPuts) await bucket.put(key, value, options);
        fault("put", key);
      }
      return bucket.put(key, value, options);
    },
    async get(key: string, options?: R2GetOptions) {
      if (fails("get", key, ctx)) fault("get", key);
      return bucket.get(key, options);
    },
    async head(key: string) {
      if (fails("head", key, ctx)) fault("head", key);
      return bucket.head(key);
    },
    async delete(keys: string | string[]) {
      const first = Array.isArray(keys) ? keys[0] : keys;
      if (fails("delete", first, ctx)) fault("delete", first);
      return bucket.delete(keys);
    },
    async list(options?: R2ListOptions) {
      if (fails("list", options?.prefix, ctx)) fault("list", options?.prefix);
      return bucket.list(options);
    },
  };
  return wrapped as unknown as R2Bucket;
}

bucketHook.wrap = faultyBucket;

/** Starts failing R2 calls of share `id` as `plan` says (replacing any earlier plan for it). */
export function injectFaults(id: string, plan: FaultPlan): void {
  plans.set(id, { ...plan, next: random(plan.seed ?? 1), failed: 0 });
}

/** Stops failing calls of share `id`; returns how many were failed. */
export function healFaults(id: string): number {
  const failed = plans.get(id)?.failed ?? 0;
  plans.delete(id);
  return failed;
}
