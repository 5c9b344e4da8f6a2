import { COMMON_PASSWORDS_PACKED } from '../../data/common-passwords';

export const PASSWORD_MIN_CHARS = 12;
export const PASSWORD_MAX_CHARS = 64;
/** bcrypt only reads the first 72 bytes; longer input is refused rather than silently cut. */
export const PASSWORD_MAX_BYTES = 72;

let commonPasswords: Set<string> | undefined;

/** Built on first use so that routes that never check a password never pay for the Set. */
function commonPasswordSet(): Set<string> {
  commonPasswords ??= new Set(COMMON_PASSWORDS_PACKED.split('\n'));
  return commonPasswords;
}

export function commonPasswordCount(): number {
  return commonPasswordSet().size;
}

export function isCommonPassword(password: string): boolean {
  return commonPasswordSet().has(password.normalize('NFC').toLowerCase());
}

export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** Characters as people count them: code points, so an emoji is one, not two UTF-16 units. */
export function charLength(text: string): number {
  return [...text].length;
}

function lengthProblems(password: string): string[] {
  const problems: string[] = [];
  // Counted as composed (NFC), the form the common-password list is checked in, so a decomposed
  // spelling of a short common password cannot pass the length rule and miss the list.
  const chars = charLength(password.normalize('NFC'));
  if (chars < PASSWORD_MIN_CHARS) problems.push(`must be at least ${PASSWORD_MIN_CHARS} characters`);
  if (chars > PASSWORD_MAX_CHARS) problems.push(`must be at most ${PASSWORD_MAX_CHARS} characters`);
  if (utf8Length(password) > PASSWORD_MAX_BYTES) problems.push(`must be at most ${PASSWORD_MAX_BYTES} bytes in UTF-8`);
  return problems;
}

/** Whether some password of this text could pass the length rules (the bundled list keeps only those). */
export function canEverBeAccepted(lowerCased: string): boolean {
  return lengthProblems(lowerCased).length === 0;
}

/**
 * Problems with a new password, empty when it is acceptable. Length and the common-password
 * list only: composition rules make passwords weaker in practice (NIST SP 800-63B).
 */
export function passwordProblems(password: string): string[] {
  const problems = lengthProblems(password);
  if (problems.length === 0 && isCommonPassword(password)) problems.push('is too common; choose another');
  return problems;
}
