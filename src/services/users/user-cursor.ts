import { ApiError } from '../../lib/errors';

/**
 * Opaque keyset cursor for the user list: the last id, base64url-encoded. No MAC is needed:
 * only super admins list users, they may see every row, and a forged cursor can only move
 * the starting point.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeUserCursor(lastId: string): string {
  return btoa(`u:${lastId}`).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export function decodeUserCursor(cursor: string): string {
  let text = '';
  try {
    text = /^[A-Za-z0-9_-]{1,100}$/.test(cursor) ? atob(cursor.replaceAll('-', '+').replaceAll('_', '/')) : '';
  } catch {
    text = '';
  }
  const id = text.startsWith('u:') ? text.slice(2) : '';
  if (!UUID.test(id)) {
    throw new ApiError({
      status: 422,
      code: 'INVALID_CURSOR',
      detail: 'The cursor is invalid.',
      errors: [{ path: 'cursor', message: 'invalid cursor' }],
    });
  }
  return id;
}
