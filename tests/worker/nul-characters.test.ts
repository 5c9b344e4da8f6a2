import { describe, expect, it } from 'vitest';
import { api, expectProblem, json } from '../helpers/api';
import { createTestProperty, uniqueIp } from '../helpers/listings';
import { createTestUser, uniqueEmail } from '../helpers/users';

const NUL = '\u0000';

async function expectNulRejected(response: Response, path: string) {
  const problem = await expectProblem(response, 422, 'VALIDATION_FAILED');
  expect(problem.errors).toContainEqual({ path, message: expect.stringMatching(/NUL/) });
}

const listingBody = (overrides: Record<string, unknown> = {}) => ({
  title: 'A tidy flat',
  propertyType: 'apartment',
  listingType: 'rent',
  price: 150_000,
  address: { line1: '1 Main St', city: 'Austin', country: 'US' },
  ...overrides,
});

describe('NUL characters in text', () => {
  it('POST /v1/auth/register with NUL in the name is a 422 naming the field', async () => {
    const res = await api('/v1/auth/register', {
      ip: uniqueIp(),
      json: { email: uniqueEmail('nul'), password: 'a long enough passphrase 42', name: `Ada${NUL}` },
    });
    await expectNulRejected(res, 'name');
  });

  it('POST /v1/admin/properties with NUL in the description or a nested field is a 422 naming it', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const inDescription = await api('/v1/admin/properties', {
      token: admin.token,
      json: listingBody({ description: `Sunny${NUL}` }),
    });
    await expectNulRejected(inDescription, 'description');
    const nested = await api('/v1/admin/properties', {
      token: admin.token,
      json: listingBody({
        address: { line1: `1 Main${NUL} St`, city: 'Austin', country: 'US' },
        features: ['ok', NUL],
      }),
    });
    const problem = await expectProblem(nested, 422, 'VALIDATION_FAILED');
    expect(problem.errors?.map((e) => e.path).sort()).toEqual(['address.line1', 'features.1']);
  });

  it('PATCH /v1/admin/inquiries/:id with NUL in the note is a 422 naming the field', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const listing = await createTestProperty();
    const created = await api('/v1/inquiries', {
      ip: uniqueIp(),
      json: { propertyId: listing.id, name: 'Ada', email: uniqueEmail('nul'), message: 'Is it still available?' },
    });
    const { id } = await json<{ id: string }>(created);
    const res = await api(`/v1/admin/inquiries/${id}`, {
      method: 'PATCH',
      token: admin.token,
      json: { note: `x${NUL}` },
    });
    await expectNulRejected(res, 'note');
  });

  it('POST /v1/inquiries with NUL in the honeypot is a 422, not a believable answer', async () => {
    const res = await api('/v1/inquiries', {
      ip: uniqueIp(),
      json: { name: 'Ada', email: uniqueEmail('nul'), message: 'Is it still available?', website: NUL },
    });
    await expectNulRejected(res, 'website');
  });

  it('POST /v1/events with NUL in a metadata key or value is a 422 naming it', async () => {
    const res = await api('/v1/events', {
      ip: uniqueIp(),
      json: { events: [{ type: 'search', metadata: { q: `garden${NUL}` } }] },
    });
    await expectNulRejected(res, 'events.0.metadata.q');
  });

  it('GET /v1/properties with NUL in the query is a 422 naming the parameter', async () => {
    await expectNulRejected(await api(`/v1/properties?q=garden%00&city=x`, { ip: uniqueIp() }), 'q');
  });

  it('GET /v1/admin/inquiries with NUL in a filter is a 422 naming the parameter', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const res = await api('/v1/admin/inquiries?status=new%00', { token: admin.token });
    await expectProblem(res, 422, 'VALIDATION_FAILED');
  });
});
