/** The dependency direction of ../shared/STYLE.md, enforced. */
const layer = (name) => `^src/${name}/`;
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    { name: 'leaves-are-leaves', severity: 'error',
      from: { path: '^src/(common|oci)/' }, to: { path: '^src/', pathNot: '^src/(common|oci)/' } },
    { name: 'low-layers-import-only-leaves', severity: 'error',
      from: { path: '^src/(content|snapshot|registry|network|volume)/' },
      to: { path: '^src/', pathNot: ['^src/(common|oci)/', '^src/$1/'] } },
    { name: 'image-imports-content-snapshot-registry', severity: 'error',
      from: { path: layer('image') }, to: { path: '^src/(runtime|network|volume|container|build|api|client|cli|daemon)/' } },
    { name: 'runtime-imports-oci-only', severity: 'error',
      from: { path: layer('runtime') }, to: { path: '^src/(content|snapshot|registry|image|network|volume|container|build|api|client|cli|daemon)/' } },
    { name: 'container-below-build-api-daemon', severity: 'error',
      from: { path: layer('container') }, to: { path: '^src/(build|api|client|cli|daemon)/' } },
    { name: 'build-below-api-daemon', severity: 'error',
      from: { path: layer('build') }, to: { path: '^src/(api|client|cli|daemon)/' } },
    { name: 'api-declares-its-backends', severity: 'error',
      from: { path: layer('api') }, to: { path: '^src/', pathNot: '^src/(api|common)/' } },
    { name: 'client-speaks-wire-types-only', severity: 'error',
      from: { path: layer('client') }, to: { path: '^src/', pathNot: '^src/(client|common|api/types)/' } },
    { name: 'cli-uses-client-only', severity: 'error',
      from: { path: layer('cli') }, to: { path: '^src/', pathNot: '^src/(cli|client|common|api/types)/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.test\\.ts$' },
  },
};
