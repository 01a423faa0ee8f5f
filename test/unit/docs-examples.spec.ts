import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Every code sample a reader sees compiles: each ```ts block of README.md and docs/*.md, and each
 * ```ts block in a JSDoc comment of lib/, must be an exact excerpt of a file under docs/examples/,
 * which `tsc -p tsconfig.json` type-checks (and ESLint lints) with the package's own entries mapped to
 * lib/. "Exact" allows one thing only: the whole excerpt indented by the same number of spaces (a
 * sample taken from inside a function). There is no way to exempt a block: a sample that is not
 * TypeScript goes in a ```bash, ```json or plain ``` fence.
 *
 * Also: every relative link of README.md and docs/*.md points at a file that exists.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function filesUnder(dir: string, accept: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path, accept);
    return accept(entry.name) ? [path] : [];
  });
}

interface Sample {
  where: string;
  code: string;
}

/** The ```ts / ```typescript fences of a Markdown text (or of a JSDoc comment with its ` * ` prefixes removed). */
function fencedTs(text: string, file: string, lineOffset = 0): Sample[] {
  const samples: Sample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(ts|typescript)\s*$/.exec(lines[i]);
    if (!open) continue;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j])) body.push(lines[j++]);
    if (j === lines.length) throw new Error(`${file}:${i + 1 + lineOffset}: unclosed code fence`);
    const indent = open[1].length;
    samples.push({
      where: `${file}:${i + 1 + lineOffset}`,
      code: body.map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join('\n'),
    });
    i = j;
  }
  return samples;
}

/** The ```ts samples inside the JSDoc comments of a TypeScript file. */
function jsdocSamples(source: string, file: string): Sample[] {
  const samples: Sample[] = [];
  const comment = /\/\*\*[\s\S]*?\*\//g;
  for (const match of source.matchAll(comment)) {
    const startLine = source.slice(0, match.index).split('\n').length - 1;
    const text = match[0]
      .split('\n')
      .map((line) =>
        line
          .replace(/^\s*\/\*\*\s?/, '')
          .replace(/\s*\*\/$/, '')
          .replace(/^\s*\* ?/, ''),
      )
      .join('\n');
    samples.push(...fencedTs(text, file, startLine));
  }
  return samples;
}

const markdown = [join(ROOT, 'README.md'), ...filesUnder(join(ROOT, 'docs'), (n) => n.endsWith('.md'))];
const libFiles = filesUnder(join(ROOT, 'lib'), (n) => n.endsWith('.ts'));
const examples = filesUnder(join(ROOT, 'docs/examples'), (n) => n.endsWith('.ts')).map((path) => ({
  path,
  text: readFileSync(path, 'utf8'),
}));

const samples: Sample[] = [
  ...markdown.flatMap((path) => fencedTs(readFileSync(path, 'utf8'), relative(ROOT, path))),
  ...libFiles.flatMap((path) => jsdocSamples(readFileSync(path, 'utf8'), relative(ROOT, path))),
];

/** Where `code` occurs in an example, as it is or uniformly indented. */
function foundIn(code: string): string | undefined {
  const lines = code
    .replace(/\s+$/, '')
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''));
  for (let indent = 0; indent <= 16; indent++) {
    const pad = ' '.repeat(indent);
    const needle = lines.map((l) => (l === '' ? '' : pad + l)).join('\n');
    const hit = examples.find((e) =>
      e.text
        .split('\n')
        .map((l) => l.replace(/\s+$/, ''))
        .join('\n')
        .includes(needle),
    );
    if (hit) return relative(ROOT, hit.path);
  }
  return undefined;
}

it('tsconfig.json type-checks docs/examples with the package entries mapped to lib/', () => {
  const tsconfig = readFileSync(join(ROOT, 'tsconfig.json'), 'utf8');
  expect(tsconfig).toContain('"docs/examples"');
  for (const entry of ['"nest-gatekeeper"', '"nest-gatekeeper/redis"', '"nest-gatekeeper/testing"', '"nest-gatekeeper/typeorm"']) {
    expect(tsconfig).toContain(entry);
  }
});

it('finds the samples (README.md, docs/*.md and the JSDoc of lib/)', () => {
  expect(samples.filter((s) => s.where.startsWith('README.md')).length).toBeGreaterThanOrEqual(3);
  expect(samples.filter((s) => s.where.startsWith('lib/')).length).toBeGreaterThanOrEqual(3);
});

it('every ```ts sample is an exact excerpt of a type-checked file under docs/examples/', () => {
  const missing = samples.filter((s) => foundIn(s.code) === undefined);
  if (missing.length > 0) {
    const list = missing.map((s) => `--- ${s.where}\n${s.code}`).join('\n');
    throw new Error(`${missing.length} sample(s) are not an exact excerpt of any docs/examples/**/*.ts file:\n${list}`);
  }
});

it('every relative link of README.md and docs/*.md points at an existing file', () => {
  const broken: string[] = [];
  for (const path of markdown) {
    const text = readFileSync(path, 'utf8');
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1].split('#')[0];
      if (target === '' || /^[a-z]+:/i.test(target)) continue;
      if (!existsSync(resolve(dirname(path), target))) broken.push(`${relative(ROOT, path)}: ${match[1]}`);
    }
  }
  expect(broken).toEqual([]);
});
