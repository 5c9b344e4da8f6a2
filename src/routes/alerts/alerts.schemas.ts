import { z } from '@hono/zod-openapi';

/** Any text reaches the signature check, which tells a forged or foreign token (400). */
const TokenSchema = z.string().min(1).max(2048).openapi({
  description: 'The `token` parameter of an alert email’s unsubscribe link, as it came.',
  // NUL: refused in any input by the router's hook.
  pattern: '^[^\\u0000]*$',
});

export const UnsubscribeBodySchema = z.object({ token: TokenSchema }).strict().openapi('UnsubscribeBody');

/** RFC 8058: what a mail client POSTs to the List-Unsubscribe URL, and nothing else. */
export const OneClickFormSchema = z
  .object({ 'List-Unsubscribe': z.literal('One-Click') })
  .strict()
  .openapi('OneClickUnsubscribeForm');

export const UnsubscribeQuerySchema = z
  .object({
    token: TokenSchema.optional().openapi({
      description: 'Only with the one-click form body: the token of the `List-Unsubscribe` URL.',
    }),
  })
  .strict();
