// esbuild bundles .css imports as text (see scripts/build.mjs); index.ts injects it.
declare module "*.css" {
  const css: string;
  export default css;
}
