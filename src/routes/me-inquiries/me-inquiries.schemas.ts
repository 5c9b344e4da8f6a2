import { z } from '@hono/zod-openapi';
import { INQUIRY_STATUSES } from '../../db/enums';
import { UuidSchema } from '../../lib/uuid';
import { InquiryBodySchema } from '../inquiries/inquiries.schemas';
import { pageQuery, pageSchema, TimestampSchema } from '../shared/schemas';

export const MyInquiriesQuerySchema = z.object(pageQuery).strict();

export const MyInquirySchema = z
  .object({
    id: UuidSchema,
    propertyId: UuidSchema.nullable().openapi({
      description: 'The listing asked about; null for a general inquiry or once the listing was deleted.',
    }),
    status: z.enum(INQUIRY_STATUSES).openapi({ description: 'As staff have it now.' }),
    message: InquiryBodySchema.shape.message,
    createdAt: TimestampSchema,
  })
  .openapi('MyInquiry');

export const MyInquiriesPageSchema = pageSchema(MyInquirySchema).openapi('MyInquiriesPage');
