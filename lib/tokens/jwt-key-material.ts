import type { KeyObject } from 'node:crypto';

/** A key as fast-jwt takes it: secrets as bytes, asymmetric keys as PEM. */
export function jwtKeyMaterial(key: KeyObject): string | Buffer {
  if (key.type === 'secret') return key.export();
  return key.type === 'private' ? key.export({ format: 'pem', type: 'pkcs8' }) : key.export({ format: 'pem', type: 'spki' });
}
