/**
 * Jest runs in ESM mode (Nest 12 is ESM-only) with @swc/jest compiling TypeScript,
 * keeping legacy decorators and their metadata (Nest's DI depends on it).
 * @type {import('jest').Config}
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

/**
 * ESM-only packages that a CommonJS dependency `require()`s: Node 20.19+ loads them natively
 * (require(esm)), Jest's module runtime does not before Node 24.9, so they are compiled to CommonJS
 * for the tests. (`@fastify/static`, which Swagger UI needs on Fastify, requires content-disposition 3.)
 */
const REQUIRED_ESM = ['content-disposition'];
const toCommonJs = ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }];

const base = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': swc,
    [`/node_modules/(${REQUIRED_ESM.join('|')})/.+\\.js$`]: toCommonJs,
  },
  // Every other file under node_modules as it is (also those packages nested in another's node_modules).
  transformIgnorePatterns: [`^(?!.*/node_modules/(${REQUIRED_ESM.join('|')})/).*/node_modules/`],
  moduleNameMapper: {
    '^nest-gatekeeper$': '<rootDir>/lib/index.ts',
    '^nest-gatekeeper/testing$': '<rootDir>/lib/testing/index.ts',
    '^nest-gatekeeper/redis$': '<rootDir>/lib/stores/redis/index.ts',
    '^nest-gatekeeper/resource-server$': '<rootDir>/lib/resource-server/index.ts',
    '^nest-gatekeeper/typeorm$': '<rootDir>/lib/stores/typeorm/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};

/**
 * Two projects: every test on Express (the default platform), and every HTTP test again on Fastify
 * (TEST_HTTP_ADAPTER=fastify, set by test/fixtures/fastify-platform.ts): the module's e2e specs (the
 * resource server's included), the sample app's (in-process and as processes, HTTP_ADAPTER=fastify)
 * and the browser demo. Left out of the Fastify run: the README quick start (it runs the Express and
 * the Fastify main.ts itself) and the sample-app specs about the database and the key files rather
 * than HTTP (seeding, migrations, replicas starting together, JWKS files), which would only repeat
 * the same work.
 */
export default {
  // A global option: jest-circus reads the timeout from the global config only, never a project's.
  testTimeout: 30000,
  projects: [
    { ...base, displayName: 'express', testMatch: ['<rootDir>/test/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'] },
    {
      ...base,
      displayName: 'fastify',
      testMatch: [
        '<rootDir>/test/e2e/**/*.e2e-spec.ts',
        '<rootDir>/test/sample-app/**/*.e2e-spec.ts',
        '<rootDir>/test/browser/**/*.e2e-spec.ts',
      ],
      testPathIgnorePatterns: ['/test/e2e/docs-quick-start', '/test/sample-app/(database|seed|replicas-start-together|signing-keys)\\.'],
      setupFiles: ['<rootDir>/test/fixtures/fastify-platform.ts'],
    },
  ],
};
