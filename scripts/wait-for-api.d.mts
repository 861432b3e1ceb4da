/** Types for `wait-for-api.mjs` (see its docstrings). */
export const API_WORKER: string;
export function apiNotReady(registryPath: string, healthUrl: string, name?: string): Promise<string | null>;
export function waitForApi(
  registryPath: string,
  healthUrl: string,
  options?: { deadlineMs?: number; alive?: () => boolean },
): Promise<void>;
export function apiOrigin(): string;
export function devRegistryPath(): Promise<string>;
