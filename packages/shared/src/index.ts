/** The shareroom wire contract, shared by the sessions worker, the web worker and the page. */
export * from "./api.ts";
export * from "./errors.ts";
export * from "./items.ts";
export * from "./limits.ts";
export * from "./live.ts";
export * from "./patterns.ts";
