/**
 * Every `code` a problem response can carry: the one closed list. Each has its HTTP status, a
 * title (the problem type's summary, RFC 9457) and an explanation served at `/problems/{code}`,
 * which is also the problem's `type`. ApiError takes its status from here, and tsc refuses a
 * code that is not listed.
 */
export const PROBLEM_CODES = {
  MALFORMED_REQUEST: {
    status: 400,
    title: 'Malformed request',
    description: 'The body is not well-formed JSON (or the request could not be read at all). Fix the syntax.',
  },
  MALFORMED_MULTIPART: {
    status: 400,
    title: 'Malformed multipart body',
    description: 'A multipart/form-data upload could not be parsed (bad boundary, truncated part).',
  },
  INVALID_RESET_TOKEN: {
    status: 400,
    title: 'Invalid password reset token',
    description:
      'The reset token is unknown, expired, already used, made invalid by a later reset, or was sent to an address the account no longer has. Ask for a new email.',
  },
  INVALID_VERIFICATION_TOKEN: {
    status: 400,
    title: 'Invalid verification token',
    description:
      'The verification token is unknown, expired, already used, or was sent to an address the account no longer has. Ask for a new email.',
  },
  UNAUTHORIZED: {
    status: 401,
    title: 'Authentication required',
    description: 'The route needs `Authorization: Bearer <accessToken>` and the request carries none.',
  },
  INVALID_TOKEN: {
    status: 401,
    title: 'Invalid access token',
    description:
      'The access token is malformed, expired, signed with an unknown key or for another audience. Refresh it.',
  },
  SESSION_ENDED: {
    status: 401,
    title: 'Session ended',
    description: 'The session of this token was ended (logout, password change, an admin) or the account disabled.',
  },
  INVALID_CREDENTIALS: {
    status: 401,
    title: 'Invalid credentials',
    description:
      'The email and password do not sign in. Unknown email, wrong password, locked and disabled accounts all get this same answer.',
  },
  INVALID_UNSUBSCRIBE_TOKEN: {
    status: 400,
    title: 'Invalid unsubscribe token',
    description:
      'The token is not an unsubscribe token this API issued (altered, truncated, or another kind of token). Use the link of the alert email as it came.',
  },
  INVALID_REFRESH_TOKEN: {
    status: 401,
    title: 'Invalid refresh token',
    description: 'The refresh token is unknown, expired, revoked or was already used. Sign in again.',
  },
  FORBIDDEN: {
    status: 403,
    title: 'Forbidden',
    description: 'The caller is signed in but its role does not allow this action.',
  },
  PASSWORD_CHANGE_REQUIRED: {
    status: 403,
    title: 'Password change required',
    description: 'The account must change its password (POST /v1/me/password) before using any other route.',
  },
  NOT_FOUND: { status: 404, title: 'Not found', description: 'No resource or route has this path.' },
  USER_NOT_FOUND: { status: 404, title: 'User not found', description: 'No user has this id.' },
  PROPERTY_NOT_FOUND: {
    status: 404,
    title: 'Listing not found',
    description:
      'No listing has this id or slug (public routes: drafts and unpublished listings are not found either).',
  },
  IMAGE_NOT_FOUND: {
    status: 404,
    title: 'Photo not found',
    description: 'No photo has this id, or it belongs to a listing that is not public.',
  },
  INQUIRY_NOT_FOUND: { status: 404, title: 'Inquiry not found', description: 'No inquiry has this id.' },
  SESSION_NOT_FOUND: {
    status: 404,
    title: 'Session not found',
    description: 'No live session of the caller has this id.',
  },
  SAVED_SEARCH_NOT_FOUND: {
    status: 404,
    title: 'Saved search not found',
    description: 'No saved search of the caller has this id (another user’s saved searches are not found either).',
  },
  JOB_NOT_FOUND: { status: 404, title: 'Job not found', description: 'No scheduled job has this name.' },
  METHOD_NOT_ALLOWED: {
    status: 405,
    title: 'Method not allowed',
    description: 'The path exists but not with this method; the `Allow` header lists the methods it takes.',
  },
  CONFLICT: {
    status: 409,
    title: 'Conflict',
    description: 'The change conflicts with an existing resource (a uniqueness rule of the database).',
  },
  REFERENCE_CONFLICT: {
    status: 409,
    title: 'Reference conflict',
    description: 'A resource the change refers to does not exist, or one being removed is still referred to.',
  },
  EMAIL_TAKEN: { status: 409, title: 'Email taken', description: 'An account with this email already exists.' },
  LAST_SUPER_ADMIN: {
    status: 409,
    title: 'Last super admin',
    description: 'The change would leave no active super admin.',
  },
  TOO_MANY_IMAGES: {
    status: 409,
    title: 'Too many photos',
    description: 'The listing already has the most photos it may have; delete one first.',
  },
  IMAGES_CHANGED: {
    status: 409,
    title: 'Photos changed',
    description: 'The listing’s photos changed while they were being reordered; read them again and retry.',
  },
  SAVED_SEARCH_LIMIT: {
    status: 409,
    title: 'Too many saved searches',
    description: 'The user already keeps the most saved searches allowed (25); delete one first.',
  },
  INVALID_TRANSITION: {
    status: 409,
    title: 'Invalid status transition',
    description:
      'The resource cannot move from its current status to the one asked for; the detail lists the allowed ones.',
  },
  CONCURRENT_UPDATE: {
    status: 409,
    title: 'Concurrent update',
    description: 'The resource kept changing while this update was applied; retry.',
  },
  SLUG_TAKEN: {
    status: 409,
    title: 'Slug taken',
    description: 'No free URL slug could be made from this title; change the title.',
  },
  FAVORITES_LIMIT_REACHED: {
    status: 409,
    title: 'Too many favourites',
    description: 'The account already keeps the most favourites it may (500); remove one first.',
  },
  PRECONDITION_FAILED: {
    status: 412,
    title: 'Precondition failed',
    description:
      'The `If-Match` ETag is stale: the resource changed since it was read. Read it again, then re-apply the edit.',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    title: 'Payload too large',
    description:
      'The body is larger than the route accepts (MAX_JSON_BODY_BYTES for JSON, IMAGE_MAX_BYTES for photos).',
  },
  IMAGE_TOO_MANY_PIXELS: {
    status: 413,
    title: 'Image too large',
    description: 'The photo has more pixels (or decodes to more bytes) than the API processes.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'Unsupported media type',
    description: 'The body’s Content-Type is not one the route takes.',
  },
  UNSUPPORTED_IMAGE: {
    status: 415,
    title: 'Unsupported image',
    description:
      'The bytes are not a JPEG, PNG, WebP or AVIF image (the type is read from the bytes), or there are none.',
  },
  VALIDATION_FAILED: {
    status: 422,
    title: 'Validation failed',
    description: 'A parameter, header or body field breaks a rule of the document; `errors` names each one.',
  },
  INVALID_CURRENT_PASSWORD: {
    status: 422,
    title: 'Invalid current password',
    description: 'currentPassword is not the account’s password (it counts towards the lockout).',
  },
  PASSWORD_UNCHANGED: {
    status: 422,
    title: 'Password unchanged',
    description: 'The new password is the current one.',
  },
  INVALID_IMAGE_ORDER: {
    status: 422,
    title: 'Invalid photo order',
    description: 'imageIds must name every photo of the listing exactly once.',
  },
  INVALID_ASSIGNEE: {
    status: 422,
    title: 'Invalid assignee',
    description: 'Inquiries can only be assigned to an active admin or super admin.',
  },
  INVALID_CURSOR: {
    status: 422,
    title: 'Invalid cursor',
    description:
      'The cursor was not issued for this list and these filters, or was altered. Start from the first page.',
  },
  IMAGE_PROCESSING_FAILED: {
    status: 422,
    title: 'Image processing failed',
    description: 'The photo could not be decoded, or its metadata could not be removed; nothing was stored.',
  },
  RATE_LIMITED: {
    status: 429,
    title: 'Too many requests',
    description: 'This client sent too many requests (or wrong passwords); wait the seconds in `Retry-After`.',
  },
  INTERNAL_ERROR: {
    status: 500,
    title: 'Internal error',
    description: 'A bug: the error is logged with the request id. Nothing a client sends should cause it.',
  },
  DB_UNAVAILABLE: {
    status: 503,
    title: 'Database unavailable',
    description: 'The database did not answer in time; retry after the seconds in `Retry-After`.',
  },
  DB_BUSY: {
    status: 503,
    title: 'Database busy',
    description: 'The database was busy with a conflicting change; retry after the seconds in `Retry-After`.',
  },
  IMAGE_PROCESSING_UNAVAILABLE: {
    status: 503,
    title: 'Image processing unavailable',
    description: 'The image service did not answer; retry after the seconds in `Retry-After`.',
  },
} as const satisfies Record<string, { status: number; title: string; description: string }>;

export type ProblemCode = keyof typeof PROBLEM_CODES;

/** The codes whose status is `S`: notFound() takes only 404 codes, and so on. */
export type ProblemCodeOf<S extends number> = {
  [K in ProblemCode]: (typeof PROBLEM_CODES)[K]['status'] extends S ? K : never;
}[ProblemCode];

export const ALL_PROBLEM_CODES = Object.keys(PROBLEM_CODES) as [ProblemCode, ...ProblemCode[]];

export const isProblemCode = (value: string): value is ProblemCode => Object.hasOwn(PROBLEM_CODES, value);

/** The page that explains a code: the problem's `type`, on the API's own origin. */
export const problemTypePath = (code: ProblemCode) => `/problems/${code}`;
