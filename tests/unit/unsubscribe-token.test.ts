import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/lib/cursor';
import { createUnsubscribeToken, readUnsubscribeToken } from '../../src/services/saved-searches/unsubscribe-token';

const SECRET = 'unsubscribe-test-secret-of-at-least-32-chars';
const ID = '0190a8b2-0000-7000-8000-000000000001';

describe('unsubscribe token', () => {
  it('reads back the saved search it was made for', async () => {
    expect(await readUnsubscribeToken(SECRET, await createUnsubscribeToken(SECRET, ID))).toEqual([ID]);
  });

  it('reads back every search of a digest, each once', async () => {
    const other = '0190a8b2-0000-7000-8000-000000000002';
    const token = await createUnsubscribeToken(SECRET, [ID, other, ID]);
    expect(await readUnsubscribeToken(SECRET, token)).toEqual([ID, other]);
  });

  it('refuses a signed token that names no search', async () => {
    expect(await readUnsubscribeToken(SECRET, await createUnsubscribeToken(SECRET, []))).toBeNull();
  });

  it('refuses a token signed with another secret', async () => {
    const token = await createUnsubscribeToken(`${SECRET}-other`, ID);
    expect(await readUnsubscribeToken(SECRET, token)).toBeNull();
  });

  it('refuses a cursor with the same payload (another scope)', async () => {
    const cursor = await encodeCursor(SECRET, { s: ID });
    expect(await readUnsubscribeToken(SECRET, cursor)).toBeNull();
  });

  it('refuses an altered token and garbage', async () => {
    const token = await createUnsubscribeToken(SECRET, ID);
    const [body, mac] = token.split('.') as [string, string];
    const altered = `${body.slice(0, -2)}${body.endsWith('AA') ? 'BB' : 'AA'}.${mac}`;
    expect(await readUnsubscribeToken(SECRET, altered)).toBeNull();
    expect(await readUnsubscribeToken(SECRET, 'not-a-token')).toBeNull();
    expect(await readUnsubscribeToken(SECRET, '')).toBeNull();
  });
});
