import bcrypt from 'bcryptjs';
import { PASSWORD_MAX_BYTES, utf8Length } from './password-policy';

// A hash of a random secret nobody kept, at the default cost, so that even the first unknown
// email an isolate sees costs one compare (not a hash and a compare). Other costs are made once.
const dummyHashes = new Map<number, Promise<string>>([
  [10, Promise.resolve('$2b$10$1nLNdIKK1c4n07lBgKqPQuN5DIGIQ1bT5nFdP9uyXCvPwWrUa2yi6')],
]);

/**
 * A valid hash at the given cost. Login compares unknown emails against it, so they cost one
 * bcrypt compare like every other failure.
 */
function dummyHash(cost: number): Promise<string> {
  let hash = dummyHashes.get(cost);
  if (!hash) {
    const secret = crypto.getRandomValues(new Uint8Array(24)).join('-');
    hash = bcrypt.hash(secret, cost);
    dummyHashes.set(cost, hash);
  }
  return hash;
}

export function hashPassword(password: string, cost: number): Promise<string> {
  return bcrypt.hash(password, cost);
}

/**
 * Compares against the stored hash, or against the dummy hash when there is none, so that the
 * time taken does not tell whether the account exists. Input past bcrypt's 72 bytes can never
 * match (no such password can be set), but still costs one compare.
 */
export async function verifyPassword(password: string, storedHash: string | null, cost: number): Promise<boolean> {
  const tooLong = utf8Length(password) > PASSWORD_MAX_BYTES;
  const hash = storedHash && !tooLong ? storedHash : await dummyHash(cost);
  const candidate = tooLong ? '' : password;
  const matches = await bcrypt.compare(candidate, hash);
  return matches && storedHash !== null && !tooLong;
}

/** The cost a stored hash was made with ($2b$10$... → 10); NaN when unreadable. */
export function hashCost(hash: string): number {
  return Number.parseInt(hash.split('$')[2] ?? '', 10);
}
