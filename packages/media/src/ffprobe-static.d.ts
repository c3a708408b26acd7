// ffprobe-static ships no types. It is CommonJS with a single `path` export.
declare module 'ffprobe-static' {
  const ffprobeStatic: { readonly path: string };
  export default ffprobeStatic;
}
