/** The value (0–63) of each base64url character by char code; -1 for every other character. */
const BASE64URL_VALUE = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) {
  BASE64URL_VALUE[c.charCodeAt(0)] = i;
}

/**
 * Whether the last segment of a compact JWS (its signature) is canonical unpadded base64url
 * (RFC 7515 §2, RFC 4648 §3.5): only the base64url alphabet, no `=` padding, a length that encodes
 * whole bytes, and zero spare bits in the last character. Decoders ignore the spare bits, so without
 * this check one signature has several spellings (`…A` and `…B` decode to the same bytes for a 32-byte
 * HS256 signature): the same token could be presented under a string no cache or deny-list keyed by
 * the token has seen. The header and payload need no such check: the signature covers their exact
 * text. One pass over the signature's characters (43 for HS256, 342 for RS256 with a 2048-bit key).
 */
export function hasCanonicalSignature(token: string): boolean {
  const start = token.lastIndexOf('.') + 1;
  if (start === 0) return false;
  const length = token.length - start;
  const rest = length % 4;
  if (rest === 1) return false;
  let last = 0;
  for (let i = start; i < token.length; i++) {
    const code = token.charCodeAt(i);
    last = code < 128 ? BASE64URL_VALUE[code] : -1;
    if (last < 0) return false;
  }
  // 2 characters left over carry 1 byte (4 spare bits), 3 carry 2 bytes (2 spare bits).
  if (rest === 2) return (last & 0x0f) === 0;
  if (rest === 3) return (last & 0x03) === 0;
  return true;
}
