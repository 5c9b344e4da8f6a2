import { dictionary } from '@zxcvbn-ts/language-common';
import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import {
  canEverBeAccepted,
  charLength,
  commonPasswordCount,
  isCommonPassword,
  passwordProblems,
  utf8Length,
} from '../../src/services/auth/password-policy';
import { hashCost, verifyPassword } from '../../src/services/auth/passwords';

describe('password policy', () => {
  it('refuses 11 characters and accepts 12', () => {
    expect(passwordProblems('abcdefghijk')).toEqual(['must be at least 12 characters']);
    expect(passwordProblems('abcdefghijkm')).toEqual([]);
  });

  it('refuses 65 characters and accepts 64 ASCII characters', () => {
    expect(passwordProblems('a'.repeat(65))).toContain('must be at most 64 characters');
    expect(passwordProblems(`${'a'.repeat(62)}z9`)).toEqual([]);
  });

  it('refuses 73 UTF-8 bytes even under 64 characters, never cutting it', () => {
    const password = `${'é'.repeat(36)}a`; // 37 characters, 73 bytes
    expect(charLength(password)).toBe(37);
    expect(utf8Length(password)).toBe(73);
    expect(passwordProblems(password)).toEqual(['must be at most 72 bytes in UTF-8']);
  });

  it('accepts a 70-byte Unicode password and counts an emoji as one character', () => {
    const password = `${'ü'.repeat(34)}ab`;
    expect(utf8Length(password)).toBe(70);
    expect(passwordProblems(password)).toEqual([]);
    expect(charLength('🔑')).toBe(1);
    // 11 emoji are 11 characters (44 bytes): too short, whatever .length says.
    expect(passwordProblems('🔑'.repeat(11))).toEqual(['must be at least 12 characters']);
  });

  it('refuses common passwords case-insensitively', () => {
    for (const p of ['password1234', 'Password1234', '123qweasdzxc', '1QAZ2WSX3EDC', 'qazwsxedcrfv']) {
      expect(isCommonPassword(p), p).toBe(true);
      expect(passwordProblems(p), p).toEqual(['is too common; choose another']);
    }
    expect(isCommonPassword('violet anchor drifts slowly')).toBe(false);
  });

  it('bundles exactly the common passwords that the length rules could ever let through', () => {
    const source = new Set(
      (dictionary['passwords-common'] as unknown[]).map((entry) => String(entry).normalize('NFC').toLowerCase()),
    );
    expect(source.size).toBeGreaterThanOrEqual(10_000);
    const reachable = [...source].filter(canEverBeAccepted);
    expect(commonPasswordCount()).toBe(reachable.length);
    for (const word of reachable) expect(isCommonPassword(word), word).toBe(true);
    // Entries too short to be a password are not bundled: no password of the policy can equal them.
    expect(isCommonPassword('123456')).toBe(false);
    expect(passwordProblems('123456')).toEqual(['must be at least 12 characters']);
  });

  it('counts characters in composed form, so a decomposed short password stays short', () => {
    const decomposed = 'cafe\u0301 au lait'; // 'café au lait' (12 composed) with a combining accent: 13 code points
    expect(charLength(decomposed)).toBe(13);
    expect(passwordProblems(decomposed)).toEqual([]);
    const elevenComposed = 'e\u0301'.repeat(11); // 22 code points, 11 characters once composed
    expect(passwordProblems(elevenComposed)).toEqual(['must be at least 12 characters']);
  });

  it('has no composition rules', () => {
    expect(passwordProblems('all lower case words here')).toEqual([]);
    expect(passwordProblems('999999999999999999999999999991')).toEqual([]);
  });
});

describe('password verification', () => {
  it('verifies against the stored hash and never matches without one', async () => {
    const hash = bcrypt.hashSync('the right passphrase', 4);
    expect(await verifyPassword('the right passphrase', hash, 4)).toBe(true);
    expect(await verifyPassword('the wrong passphrase', hash, 4)).toBe(false);
    expect(await verifyPassword('the right passphrase', null, 4)).toBe(false);
  });

  it('refuses input past 72 bytes even when its first 72 bytes are the password', async () => {
    const password = `${'é'.repeat(30)}0123456789ab`; // exactly 72 bytes
    const hash = bcrypt.hashSync(password, 4);
    expect(await verifyPassword(password, hash, 4)).toBe(true);
    expect(bcrypt.compareSync(`${password}tail`, hash)).toBe(true); // what bcrypt alone would do
    expect(await verifyPassword(`${password}tail`, hash, 4)).toBe(false);
  });

  it('reads the cost of a stored hash', () => {
    expect(hashCost('$2b$10$1nLNdIKK1c4n07lBgKqPQuN5DIGIQ1bT5nFdP9uyXCvPwWrUa2yi6')).toBe(10);
    expect(hashCost(bcrypt.hashSync('x', 5))).toBe(5);
  });
});
