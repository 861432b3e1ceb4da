/** A file of an npm package as base64 text, made at build time by vite.config.ts's `inlineBase64` plugin. */
declare module "*?inline-base64" {
  const base64: string;
  export default base64;
}
