/** `String.prototype.isWellFormed` (Node 20; typed here because the project's `lib` is ES2023). */
const wellFormed = (String.prototype as unknown as { isWellFormed: (this: string) => boolean }).isWellFormed;

/**
 * Whether `value` is well-formed UTF-16 (no lone surrogate). Strings that are not cannot be encoded
 * as UTF-8: `encodeURI` throws on them (class-validator's `IsEmail` among its callers) and databases
 * refuse or mangle them.
 */
export function isWellFormed(value: string): boolean {
  return wellFormed.call(value);
}

/** A C0 or C1 control character, or DEL (NUL among them: PostgreSQL refuses it in text). */
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

/** Whether `value` contains a C0 or C1 control character (U+0000–U+001F, U+007F–U+009F). */
export function hasControlCharacter(value: string): boolean {
  return CONTROL.test(value);
}
