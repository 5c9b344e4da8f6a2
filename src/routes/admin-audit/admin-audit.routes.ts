import { requireRole } from '../../middleware/auth';
import { defineRoute, jsonContent } from '../shared/openapi';
import { AuditListQuerySchema, AuditListSchema } from './admin-audit.schemas';

export const listAuditRoute = defineRoute(
  {
    operationId: 'listAuditEntries',
    method: 'get',
    path: '/v1/admin/audit',
    tags: ['Audit'],
    summary: 'The audit log, newest first',
    description:
      'Every admin and super-admin write and every security event (lockout, refresh-token reuse, password change), kept RETENTION_AUDIT_DAYS (400) days. Filters by actor, target, action and time; keyset pagination with `limit` and `cursor`.',
    security: [{ adminBearerAuth: [] }],
    middleware: [requireRole('super_admin')] as const,
    request: { query: AuditListQuerySchema },
    responses: {
      200: jsonContent(AuditListSchema, 'A page of audit entries'),
    },
  },
  ['INVALID_CURSOR'],
);
