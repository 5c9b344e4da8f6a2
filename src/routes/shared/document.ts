import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../env';

export const API_TITLE = 'Gentle Space Realty API';

const TAGS = [
  { name: 'Service', description: 'Liveness and readiness probes.' },
  { name: 'Auth', description: 'Registration, sign-in and token rotation. Rate limited per client.' },
  { name: 'Me', description: 'The signed-in user: profile, password, sessions, favourites and own inquiries.' },
  {
    name: 'Saved searches',
    description:
      'A signed-in visitor’s saved searches and their email alerts; the one-click unsubscribe of alert emails.',
  },
  { name: 'Listings', description: 'Public search, facets, listing detail and photos.' },
  { name: 'Listings (admin)', description: 'Listings of every status: create, edit, status changes, history.' },
  { name: 'Photos (admin)', description: 'Uploading, ordering, editing and deleting a listing’s photos.' },
  { name: 'Inquiries', description: 'Visitors’ inquiries and their handling by staff.' },
  { name: 'Analytics', description: 'Browser events and the admin dashboard.' },
  { name: 'Users', description: 'User administration (super admin; unlocking: admin).' },
  { name: 'System', description: 'Database health and scheduled jobs (super admin).' },
  { name: 'Audit', description: 'The append-only audit trail of every admin write and security event (super admin).' },
  { name: 'Problems', description: 'What each problem `code` means: the pages problem `type` URLs point to.' },
];

const JWT_NOTE =
  'Access tokens are JWTs handled as RFC8725 (JSON Web Token Best Current Practices) asks: HS256 only, the ' +
  'algorithm fixed by the server and never taken from the token, `kid` for key rotation, `iss`, `aud` and `exp` ' +
  'always checked, 15 minutes of life. Every request also checks the session and the role in the database.';

/** The document's own parts: info, servers, tags and the two bearer schemes. */
export function registerOpenApiDocument(app: OpenAPIHono<AppEnv>, path: string) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: `An access token from /v1/auth/login, /v1/auth/register or /v1/auth/refresh. ${JWT_NOTE}`,
  });
  // Same kind of token: a separate scheme says that the admin routes need the role, not just a sign-in.
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminBearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: `An access token of a user whose role is admin or super_admin (each route says which). ${JWT_NOTE}`,
  });
  app.doc31(path, {
    openapi: '3.1.0',
    info: {
      title: API_TITLE,
      version: '1.0.0',
      description:
        'Listings, photos, inquiries and administration for Gentle Space Realty. Errors are RFC 9457 problem JSON; ' +
        'each `code` is explained at `/problems/{code}`, its `type`. Cross-origin requests are allowed only from ' +
        'the origins in CORS_ORIGINS (`Access-Control-Allow-Origin` echoes an allowed `Origin`, and is absent otherwise).',
      contact: { name: 'Gentle Space Realty API team', email: 'api@gentlespacerealty.com' },
      // OpenAPI 3.1 takes an SPDX identifier instead of a URL; the generator's types predate it.
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' } as { name: string },
    },
    servers: [
      {
        url: '/',
        description: 'This deployment (production, or a local/test one): the origin that serves this document.',
        'x-internal': false,
      },
    ],
    tags: TAGS,
  });
}
