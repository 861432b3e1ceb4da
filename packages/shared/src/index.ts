/** The shareroom wire contract, shared by the sessions worker, the web worker and the page. */
export * from "./api";
export * from "./errors";
export * from "./items";
export * from "./limits";
export * from "./live";
export * from "./patterns";
