/**
 * The dependency direction of ../shared/STYLE.md, enforced on the compiled tree (dist/src):
 * TypeScript 7 has no JavaScript API for dependency-cruiser to parse .ts with, and the compiled
 * imports are the same edges.
 */
const S = '^dist/src/';
const layer = (name) => `${S}${name}/`;
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    { name: 'leaves-are-leaves', severity: 'error',
      from: { path: S + '(common|oci)/' }, to: { path: S + '', pathNot: S + '(common|oci)/' } },
    { name: 'low-layers-import-only-leaves', severity: 'error',
      from: { path: S + '(content|snapshot|registry|network|volume)/' },
      to: { path: S + '', pathNot: [S + '(common|oci)/', S + '$1/'] } },
    { name: 'image-imports-content-snapshot-registry', severity: 'error',
      from: { path: layer('image') }, to: { path: S + '(runtime|network|volume|container|build|api|client|cli|daemon)/' } },
    { name: 'runtime-imports-oci-only', severity: 'error',
      from: { path: layer('runtime') }, to: { path: S + '(content|snapshot|registry|image|network|volume|container|build|api|client|cli|daemon)/' } },
    { name: 'container-below-build-api-daemon', severity: 'error',
      from: { path: layer('container') }, to: { path: S + '(build|api|client|cli|daemon)/' } },
    { name: 'build-below-api-daemon', severity: 'error',
      from: { path: layer('build') }, to: { path: S + '(api|client|cli|daemon)/' } },
    { name: 'api-declares-its-backends', severity: 'error',
      from: { path: layer('api') }, to: { path: S + '', pathNot: S + '(api|common)/' } },
    { name: 'client-speaks-wire-types-only', severity: 'error',
      from: { path: layer('client') }, to: { path: S + '', pathNot: S + '(client|common|api/types)/' } },
    { name: 'cli-uses-client-only', severity: 'error',
      from: { path: layer('cli') }, to: { path: S + '', pathNot: S + '(cli|client|common|api/types)/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['\\.test\\.js$', '\\.map$'] },
  },
};
