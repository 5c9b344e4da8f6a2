import { z } from '@hono/zod-openapi';
import { INQUIRY_STATUSES } from '../../db/enums';
import { UuidSchema } from '../../lib/uuid';

const codePoints = (value: string) => [...value].length;
// C0/C1 controls other than tab and newlines; PostgreSQL also refuses NUL in text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const SINGLE_LINE_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Separators people type inside phone numbers; anything else stays and fails the check.
const PHONE_SEPARATORS = /[\s().-]/g;
// E.164 (+, then 7 to 15 digits, the first not 0) once the separators are gone, or nothing.
const PHONE = /^(?:|[\s().-]*\+[\s().-]*[1-9](?:[\s().-]*[0-9]){6,14}[\s().-]*)$/;
const NAME_MAX = 100;
const MESSAGE_MIN = 10;
const MESSAGE_MAX = 5000;
const EMAIL_MAX = 254;

/** An inquiry's phone as stored: E.164 without separators (inquiries_phone_format). */
export const StoredPhoneSchema = z
  .string()
  .max(16)
  .regex(/^\+[1-9][0-9]{6,14}$/);
/** An inquiry's email as stored: what the body's `email` accepted. */
export const StoredEmailSchema = z.email().max(EMAIL_MAX);

export const InquiryBodySchema = z
  .object({
    propertyId: UuidSchema.nullish().openapi({ description: 'The listing asked about; omit for a general inquiry.' }),
    name: z
      .string()
      .trim()
      .refine((v) => codePoints(v) >= 1 && codePoints(v) <= NAME_MAX, `must be 1 to ${NAME_MAX} characters`)
      .refine((v) => !SINGLE_LINE_CONTROL.test(v), 'must not contain control characters')
      // JSON Schema counts code points too; the pattern is the refinement above.
      .openapi({ minLength: 1, maxLength: NAME_MAX, pattern: '^[^\\u0000-\\u001f\\u007f-\\u009f]*$' }),
    email: z
      .string()
      .trim()
      .max(EMAIL_MAX)
      .pipe(z.email('must be a valid email address'))
      // Stricter than `format: email` alone: the pattern is the one z.email() applies.
      .openapi({ format: 'email', pattern: z.regexes.email.source, maxLength: EMAIL_MAX }),
    phone: z
      .string()
      .trim()
      .max(40)
      .regex(PHONE, 'must be an E.164 phone number, e.g. +14155550123')
      .transform((v) => (v === '' ? undefined : v.replace(PHONE_SEPARATORS, '')))
      .nullish()
      .openapi({ example: '+14155550123' }),
    message: z
      .string()
      .trim()
      .refine(
        (v) => codePoints(v) >= MESSAGE_MIN && codePoints(v) <= MESSAGE_MAX,
        `must be ${MESSAGE_MIN} to ${MESSAGE_MAX} characters`,
      )
      .refine((v) => !CONTROL.test(v), 'must not contain control characters')
      .openapi({
        minLength: MESSAGE_MIN,
        maxLength: MESSAGE_MAX,
        pattern: '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$',
      }),
    website: z
      .string()
      .max(2000)
      .optional()
      .openapi({ description: 'Leave empty. A hidden form field that only bots fill in.' }),
  })
  .strict()
  .openapi('InquiryRequest');

export const IdempotencyHeadersSchema = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'must be 1 to 255 visible ASCII characters')
    .optional()
    .openapi({ description: 'Makes a retry return the first inquiry instead of creating another.' }),
});

export const InquiryCreatedSchema = z
  .object({ id: UuidSchema, status: z.enum(INQUIRY_STATUSES) })
  .openapi('InquiryCreated');
