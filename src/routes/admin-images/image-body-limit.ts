import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { type AppEnv, getConfig } from '../../env';
import { ApiError } from '../../lib/errors';

// Room for the multipart boundary and part headers around a file of the maximum size.
const MULTIPART_OVERHEAD = 64 * 1024;

export const tooLarge = (max: number) =>
  new ApiError({
    code: 'PAYLOAD_TOO_LARGE',
    detail: `Images may be at most ${max} bytes.`,
  });

/** The upload route's own limit (the global JSON limit skips paths ending in /images). */
export const imageBodyLimit = createMiddleware<AppEnv>(async (c, next) => {
  const max = getConfig(c.env).IMAGE_MAX_BYTES;
  return bodyLimit({
    maxSize: max + MULTIPART_OVERHEAD,
    onError: () => {
      throw tooLarge(max);
    },
  })(c, next);
});
