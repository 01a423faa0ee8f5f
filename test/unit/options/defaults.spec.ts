import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import ts from 'typescript';
import { AUTH_DEFAULTS, AUTH_EXTRAS_DEFAULTS } from '../../../lib/options/defaults.js';

/**
 * The `@default` of every option in the option interfaces (the JSDoc users read) must agree with
 * the defaults object the resolver uses, so the two cannot drift.
 */

const FILE = fileURLToPath(new URL('../../../lib/options/auth-module-options.interface.ts', import.meta.url));
const source = ts.createSourceFile(FILE, readFileSync(FILE, 'utf8'), ts.ScriptTarget.Latest, true);
const interfaces = new Map<string, ts.InterfaceDeclaration>();
ts.forEachChild(source, (node) => {
  if (ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, node);
});

/** The text after `@default` in a member's JSDoc, on one line. */
function defaultTag(member: ts.Node): string | undefined {
  for (const doc of ts.getJSDocCommentsAndTags(member)) {
    if (!ts.isJSDoc(doc)) continue;
    const text = doc
      .getText(source)
      .replace(/^\/\*\*|\*\/$/g, '')
      .split('\n')
      .map((line) => line.replace(/^\s*\*\s?/, '').trim())
      .join(' ');
    const match = /@default\s+(.*)$/.exec(text);
    if (match) return match[1].trim();
  }
  return undefined;
}

/** Every documented `@default` reachable from an interface, by option path (`jwt.accessTokenTtl`). */
function documentedDefaults(name: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (members: ts.NodeArray<ts.TypeElement>, path: string): void => {
    for (const member of members) {
      if (!ts.isPropertySignature(member)) continue;
      const full = path === '' ? member.name.getText(source) : `${path}.${member.name.getText(source)}`;
      const tag = defaultTag(member);
      if (tag !== undefined) found.set(full, tag);
      const type = member.type;
      if (type !== undefined && ts.isTypeLiteralNode(type)) walk(type.members, full);
      if (type !== undefined && ts.isTypeReferenceNode(type)) {
        const target = interfaces.get(type.typeName.getText(source));
        if (target !== undefined) walk(target.members, full);
      }
    }
  };
  const root = interfaces.get(name);
  if (root === undefined) throw new Error(`no interface ${name}`);
  walk(root.members, '');
  return found;
}

/** A `@default` that is a value (`'15m'`, `10000`, `{ max: 5, window: '15m' }`, `[] (MFA off)`), or `undefined` for a description. */
function literal(text: string): { value: unknown } | undefined {
  const bare = text.replace(/\s*\([^()]*\)$/, '').trim(); // a trailing "(remark)" is prose
  try {
    const value: unknown = runInNewContext(`(${bare})`, Object.create(null));
    // Plain data of this realm (the vm's objects have their own prototypes).
    return { value: value === undefined ? undefined : JSON.parse(JSON.stringify(value)) };
  } catch {
    return undefined;
  }
}

function at(root: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (value, key) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined),
      root,
    );
}

/** The leaf paths of a defaults object (arrays are leaves). */
function leaves(value: unknown, path = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [path];
  return Object.entries(value).flatMap(([key, child]) => leaves(child, path === '' ? key : `${path}.${key}`));
}

/** Defaults documented in words because they are computed or are providers; the resolver owns them. */
const DESCRIBED = {
  AuthModuleOptions: [
    'sessionStore',
    'passwordHasher',
    'passwordHashing.concurrency',
    'passwordHashing.queue',
    'cookies.prefix',
    'mfaStore',
    'mfaEnrolmentStore',
    'mfaChallengeStore',
    'rateLimitStore',
    'accountTokenStore',
    'emailSender',
    'activityStore',
    'passkeyStore',
    'identityStore',
    'activity.types',
  ],
  AuthModuleExtras: [],
} as const;

describe.each([
  ['AuthModuleOptions', AUTH_DEFAULTS],
  ['AuthModuleExtras', AUTH_EXTRAS_DEFAULTS],
] as const)('the @default values of %s agree with the defaults object', (name, defaults) => {
  const documented = documentedDefaults(name);

  it('every documented value equals the default the resolver uses', () => {
    const mismatches: string[] = [];
    const described: string[] = [];
    for (const [path, tag] of documented) {
      const parsed = literal(tag);
      if (parsed === undefined) {
        described.push(path);
        continue;
      }
      const actual: unknown = at(defaults, path);
      const same = JSON.stringify(actual) === JSON.stringify(parsed.value) && (actual === undefined) === (parsed.value === undefined);
      if (!same) mismatches.push(`${path}: @default ${tag}, but the defaults object has ${JSON.stringify(actual)}`);
    }
    expect(mismatches).toEqual([]);
    expect(described.sort()).toEqual([...DESCRIBED[name]].sort());
    for (const path of described) expect({ path, value: at(defaults, path) }).toEqual({ path, value: undefined });
    expect(documented.size).toBeGreaterThan(name === 'AuthModuleOptions' ? 60 : 18);
  });

  it('every value of the defaults object is documented (on the option or its section)', () => {
    const undocumented = leaves(defaults).filter((path) => {
      const parts = path.split('.');
      return !parts.some((_, i) => documented.has(parts.slice(0, i + 1).join('.')));
    });
    expect(undocumented).toEqual([]);
  });

  it('is deeply frozen', () => {
    expect(Object.isFrozen(defaults)).toBe(true);
    for (const path of leaves(defaults)) {
      const parent = path.includes('.') ? at(defaults, path.slice(0, path.lastIndexOf('.'))) : defaults;
      expect({ path, frozen: Object.isFrozen(parent) }).toEqual({ path, frozen: true });
    }
  });
});

describe('the drift check itself', () => {
  it('reads a value, a value with a remark, an object and a description', () => {
    expect(literal("'15m'")).toEqual({ value: '15m' });
    expect(literal('[] (MFA off)')).toEqual({ value: [] });
    expect(literal('120 (or `refreshToken.ttl` when shorter)')).toEqual({ value: 120 });
    expect(literal("{ max: 50, window: '1h' }")).toEqual({ value: { max: 50, window: '1h' } });
    expect(literal('an in-memory store')).toBeUndefined();
    expect(literal('os.availableParallelism() (the cores this process may run on)')).toBeUndefined();
  });

  it('finds defaults written on one line and at the end of a longer comment', () => {
    const documented = documentedDefaults('AuthModuleOptions');
    expect(documented.get('jwt.issuer')).toBe("'nest-gatekeeper'");
    expect(documented.get('jwt.maxAccessTokenTtl')).toBe("'1h'");
    expect(documented.get('cookies.names.csrf')).toBe("'csrf_token'");
    expect(documented.get('rateLimit.account.lockout')).toBe("'30s'");
  });
});
