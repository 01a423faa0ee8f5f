import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT } from '../fixtures/built-package.js';

/**
 * SLOW (one to three minutes): the package as a newcomer gets it. `npm pack` (which runs the
 * `prepare` build) writes the tarball; two throw-away Nest 12 apps, one CommonJS and one ESM, install
 * it with `npm install --prefer-offline` (the versions are the project's own devDependencies, so the
 * npm cache that `npm ci` filled serves them; the registry is asked only for what the cache lacks),
 * compile with `skipLibCheck: false` and without typeorm or ioredis installed, start, and register,
 * log in and call a guarded route over HTTP: the README's quick start, checked. TypeScript is the
 * project's own (not installed into the apps).
 */

const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  main: string;
  types: string;
  exports: Record<string, string | Record<string, string>>;
  devDependencies: Record<string, string>;
};
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const JWT_SECRET = 'newcomer-app-secret-that-is-long-enough-0123456789';

/** The environment of the child npm: the caller's, without what `npm test` adds about this project. */
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(npm_package_|npm_lifecycle_|npm_config_local_prefix$|INIT_CWD$)/i.test(key)),
  );
}

/** Runs a command to completion; rejects with its output when it fails. */
function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) failed (${signal ?? `exit code ${code}`}):\n${stdout}\n${stderr}`));
    });
  });
}

/** The files of a directory, recursively, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

/** The README's quick start: AuthModule with the memory user store, and one route of the app's own. */
const MAIN_TS = `import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthModule, CurrentUser, MemoryUserStore, type AuthPrincipal } from 'nest-gatekeeper';

@Controller()
class HelloController {
  @Get('hello')
  hello(@CurrentUser() user: AuthPrincipal): { hello: string } {
    return { hello: user.id };
  }
}

@Module({
  imports: [AuthModule.forRoot({ jwt: { secret: process.env['JWT_SECRET'] ?? '' }, userStore: new MemoryUserStore() })],
  controllers: [HelloController],
})
class AppModule {}

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  console.log(\`listening on \${await app.getUrl()}\`);
}

bootstrap().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
`;

type AppType = 'commonjs' | 'module';

/** Writes a throw-away app that depends on the tarball and the peers the README lists. */
function writeApp(dir: string, type: AppType, tarball: string): void {
  mkdirSync(join(dir, 'src'), { recursive: true });
  const peers = [
    '@nestjs/common',
    '@nestjs/core',
    '@nestjs/platform-express',
    '@nestjs/swagger',
    'class-transformer',
    'class-validator',
    'reflect-metadata',
    'rxjs',
  ];
  const pkg = {
    name: `newcomer-${type}`,
    private: true,
    type,
    dependencies: {
      [PACKAGE.name]: `file:${tarball}`,
      ...Object.fromEntries(peers.map((name) => [name, PACKAGE.devDependencies[name]])),
    },
    devDependencies: { '@types/node': PACKAGE.devDependencies['@types/node'] },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const compilerOptions = {
    module: 'nodenext', // with "type": "commonjs" this emits require(): Node >= 20.19 requires the ESM package
    moduleResolution: 'nodenext',
    target: 'es2022',
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    skipLibCheck: false, // the package's declarations are checked too: they must not need typeorm
    types: ['node'],
    rootDir: 'src',
    outDir: 'dist',
  };
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify({ compilerOptions, include: ['src'] }, null, 2)}\n`);
  writeFileSync(join(dir, 'src', 'main.ts'), MAIN_TS);
}

/** Starts the compiled app and resolves its base URL once it listens. */
function startApp(dir: string): Promise<{ base: string; child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [join('dist', 'main.js')], {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', JWT_SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the app did not listen within 90 s:\n${output}`));
    }, 90_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ base: match[1], child, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the app exited (${code}) before listening:\n${output}`));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { headers });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('the packed tarball, installed into fresh Nest 12 apps (slow: npm pack, npm install, tsc)', () => {
  let work: string;
  let tarball: string;
  let files: string[];
  const apps: Record<AppType, string> = { commonjs: '', module: '' };
  /** Each app's `tsc` run, started once both are installed (they compile side by side). */
  const compiled: Partial<Record<AppType, Promise<string>>> = {};

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'nest-gatekeeper-newcomer-'));
    const packed = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', work], ROOT)) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = join(work, packed[0]?.filename ?? '');
    files = (packed[0]?.files ?? []).map((file) => file.path);
    for (const type of ['commonjs', 'module'] as const) {
      apps[type] = join(work, type);
      writeApp(apps[type], type, tarball);
    }
    // Both apps install, and then compile, side by side.
    await Promise.all(Object.values(apps).map((dir) => run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], dir)));
    for (const type of ['commonjs', 'module'] as const) {
      const compiling = run(process.execPath, [TSC, '-p', 'tsconfig.json'], apps[type]);
      compiling.catch(() => undefined); // awaited (and reported) by the compile test
      compiled[type] = compiling;
    }
  }, 900_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds the build and the package files only: no source, test, sample or script file', () => {
    expect(existsSync(tarball)).toBe(true);
    expect(files.filter((path) => !path.startsWith('dist/')).sort()).toEqual(['LICENSE', 'README.md', 'package.json']);
    expect(files.filter((path) => /\.ts$/.test(path) && !path.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((path) => path.endsWith('.d.ts.map'))).toEqual([]);
    expect(files).toContain('dist/index.js');
  });

  it('has every target of package.json main, types and exports, with types first in each entry', () => {
    const targets = [PACKAGE.main, PACKAGE.types];
    for (const [subpath, target] of Object.entries(PACKAGE.exports)) {
      if (typeof target === 'string') {
        targets.push(target);
        continue;
      }
      expect({ subpath, first: Object.keys(target)[0] }).toEqual({ subpath, first: 'types' });
      targets.push(...Object.values(target));
    }
    for (const target of targets) expect(files).toContain(target.replace(/^\.\//, ''));
  });

  it('ships source maps that resolve: every .js.map carries the sources it names', () => {
    const dist = join(apps.module, 'node_modules', PACKAGE.name, 'dist');
    const maps = filesUnder(dist).filter((path) => path.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(50);
    const unresolved = maps.filter((path) => {
      const map = JSON.parse(readFileSync(join(dist, path), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
      return map.sources.length === 0 || map.sources.some((_, i) => typeof map.sourcesContent?.[i] !== 'string');
    });
    expect(unresolved).toEqual([]);
  });

  describe.each(['commonjs', 'module'] as const)('a %s app', (type) => {
    it('has neither typeorm nor ioredis installed, and compiles with skipLibCheck: false', async () => {
      expect(existsSync(join(apps[type], 'node_modules', 'typeorm'))).toBe(false);
      expect(existsSync(join(apps[type], 'node_modules', 'ioredis'))).toBe(false);
      await compiled[type];
      expect(readFileSync(join(apps[type], 'dist', 'main.js'), 'utf8')).toMatch(
        type === 'commonjs' ? /require\("nest-gatekeeper"\)/ : /from 'nest-gatekeeper'/,
      );
    }, 300_000);

    it('starts, and a user registers, logs in and calls a guarded route over HTTP', async () => {
      const app = await startApp(apps[type]);
      try {
        const credentials = { username: 'newcomer', email: 'newcomer@example.com', password: 'a-long-enough-password' };
        expect((await post(`${app.base}/auth/register`, credentials)).status).toBe(201);
        const login = await post(`${app.base}/auth/login`, { username: credentials.username, password: credentials.password });
        expect(login).toMatchObject({ status: 200, json: { tokenType: 'Bearer', accessToken: expect.any(String) } });
        const bearer = { authorization: `Bearer ${String(login.json['accessToken'])}` };
        expect(await get(`${app.base}/auth/me`, bearer)).toMatchObject({ status: 200, json: { username: 'newcomer' } });
        const me = await get(`${app.base}/hello`, bearer);
        expect(me).toMatchObject({ status: 200, json: { hello: expect.any(String) } });
        expect(await get(`${app.base}/hello`)).toMatchObject({ status: 401, json: { code: 'UNAUTHENTICATED' } });
      } catch (error) {
        throw new Error(`${String(error)}\napp output:\n${app.output()}`);
      } finally {
        await stop(app.child);
      }
    }, 120_000);
  });
});
