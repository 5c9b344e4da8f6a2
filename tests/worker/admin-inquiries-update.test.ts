import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { api, expectProblem, json } from '../helpers/api';
import { testDb } from '../helpers/db';
import { eventually, sinkRequests } from '../helpers/email-sink';
import { createTestProperty, uniqueIp } from '../helpers/listings';
import { createTestUser, type TestUser, uniqueEmail } from '../helpers/users';

interface Detail {
  id: string;
  status: string;
  assignedTo: string | null;
  assignee: { id: string; name: string; email: string } | null;
  firstRespondedAt: string | null;
  createdAt: string;
  history: Array<{
    type: string;
    fromStatus: string | null;
    toStatus: string | null;
    assignedTo: string | null;
    note: string | null;
    actorId: string | null;
    actor: { id: string; name: string } | null;
    createdAt: string;
  }>;
}

async function newInquiry(): Promise<string> {
  const agent = await createTestUser({ role: 'admin' });
  const listing = await createTestProperty({ createdBy: agent.id, title: 'Patch <i>test</i> listing' });
  const res = await api('/v1/inquiries', {
    json: {
      propertyId: listing.id,
      name: 'Pat <Visitor>',
      email: uniqueEmail('patch'),
      message: 'Is it still available?',
    },
    ip: uniqueIp(),
  });
  expect(res.status).toBe(201);
  return (await json<{ id: string }>(res)).id;
}

function patch(id: string, admin: TestUser, body: unknown) {
  return api(`/v1/admin/inquiries/${id}`, { method: 'PATCH', token: admin.token, json: body });
}

describe('PATCH /v1/admin/inquiries/:id', () => {
  it('PATCH /v1/admin/inquiries/:id moves along the state machine and records who did it', async () => {
    const admin = await createTestUser({ role: 'admin', name: 'Alice Admin' });
    const id = await newInquiry();
    for (const status of ['contacted', 'qualified', 'closed']) {
      const res = await patch(id, admin, { status });
      expect(res.status).toBe(200);
      expect((await json<Detail>(res)).status).toBe(status);
    }
    const detail = await json<Detail>(await api(`/v1/admin/inquiries/${id}`, { token: admin.token }));
    expect(detail.history.map((h) => [h.type, h.fromStatus, h.toStatus])).toEqual([
      ['created', null, 'new'],
      ['status_changed', 'new', 'contacted'],
      ['status_changed', 'contacted', 'qualified'],
      ['status_changed', 'qualified', 'closed'],
    ]);
    expect(detail.history.slice(1).every((h) => h.actorId === admin.id && h.actor?.name === 'Alice Admin')).toBe(true);
    expect(detail.history[0]?.actorId).toBeNull();
  });

  it.each([
    ['new', 'qualified'],
    ['new', 'new'],
    ['contacted', 'spam'],
    ['contacted', 'new'],
    ['spam', 'contacted'],
    ['closed', 'new'],
  ])('PATCH /v1/admin/inquiries/:id from %s to %s is a 409 INVALID_TRANSITION', async (from, to) => {
    const admin = await createTestUser({ role: 'admin' });
    const id = await newInquiry();
    // Every starting state here is one step from new.
    if (from !== 'new') expect((await patch(id, admin, { status: from })).status).toBe(200);
    await expectProblem(await patch(id, admin, { status: to }), 409, 'INVALID_TRANSITION');
    const detail = await json<Detail>(await api(`/v1/admin/inquiries/${id}`, { token: admin.token }));
    expect(detail.status).toBe(from);
  });

  it('PATCH /v1/admin/inquiries/:id sets the first response time on the first move out of new only', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const id = await newInquiry();
    const untouched = await json<Detail>(await patch(id, admin, { note: 'Left a voicemail' }));
    expect(untouched.firstRespondedAt).toBeNull();
    const contacted = await json<Detail>(await patch(id, admin, { status: 'contacted' }));
    expect(contacted.firstRespondedAt).not.toBeNull();
    expect(Date.parse(contacted.firstRespondedAt as string)).toBeGreaterThanOrEqual(Date.parse(contacted.createdAt));
    const qualified = await json<Detail>(await patch(id, admin, { status: 'qualified' }));
    expect(qualified.firstRespondedAt).toBe(contacted.firstRespondedAt);
  });

  it('PATCH /v1/admin/inquiries/:id marking spam counts as the first response', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const id = await newInquiry();
    const spam = await json<Detail>(await patch(id, admin, { status: 'spam' }));
    expect(spam.status).toBe('spam');
    expect(spam.firstRespondedAt).not.toBeNull();
  });

  it('PATCH /v1/admin/inquiries/:id assigns to an active admin, records it and emails the assignee', async () => {
    const admin = await createTestUser({ role: 'admin', name: 'Boss <b>Admin</b>' });
    const assignee = await createTestUser({ role: 'super_admin', name: 'Sam Super' });
    const id = await newInquiry();
    const res = await patch(id, admin, { assignedTo: assignee.id, status: 'contacted', note: 'Calling back tomorrow' });
    expect(res.status).toBe(200);
    const detail = await json<Detail>(res);
    expect(detail.assignedTo).toBe(assignee.id);
    expect(detail.assignee).toEqual({ id: assignee.id, name: 'Sam Super', email: assignee.email });
    const changes = detail.history.slice(1);
    expect(changes.map((h) => h.type)).toEqual(['status_changed', 'assigned', 'note']);
    expect(changes[1]?.assignedTo).toBe(assignee.id);
    expect(changes[2]?.note).toBe('Calling back tomorrow');
    expect(new Set(changes.map((h) => h.createdAt)).size).toBe(1);

    const email = await eventually(async () => (await sinkRequests(assignee.email)).find((r) => !r.failed));
    expect(email.body?.subject).toBe('Inquiry assigned to you: Pat <Visitor>');
    expect(email.body?.html).toContain('Boss &lt;b&gt;Admin&lt;/b&gt; assigned an inquiry to you');
    expect(email.body?.html).toContain('Pat &lt;Visitor&gt;');
    expect(email.body?.html).toContain('Patch &lt;i&gt;test&lt;/i&gt; listing');
    expect(email.body?.html).not.toMatch(/<(b|i)>|<Visitor>/);
  });

  it('PATCH /v1/admin/inquiries/:id to the same assignee changes nothing and sends nothing', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const assignee = await createTestUser({ role: 'admin' });
    const id = await newInquiry();
    await patch(id, admin, { assignedTo: assignee.id });
    const again = await json<Detail>(await patch(id, admin, { assignedTo: assignee.id }));
    expect(again.history.filter((h) => h.type === 'assigned')).toHaveLength(1);
    const { rows } = await testDb().execute<{ n: string }>(sql`
      select count(*) as n from notification_queue where recipient = ${assignee.email} and kind = 'inquiry_assigned'`);
    expect(Number(rows[0]?.n)).toBe(1);
  });

  it('PATCH /v1/admin/inquiries/:id with assignedTo null unassigns', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const id = await newInquiry();
    await patch(id, admin, { assignedTo: admin.id });
    const res = await patch(id, admin, { assignedTo: null });
    const detail = await json<Detail>(res);
    expect(detail.assignedTo).toBeNull();
    expect(detail.history.at(-1)).toMatchObject({ type: 'assigned', assignedTo: null });
  });

  it.each([
    ['a plain user', { role: 'user' as const }],
    ['a disabled admin', { role: 'admin' as const, isActive: false }],
  ])('PATCH /v1/admin/inquiries/:id assigning to %s is a 422 and changes nothing', async (_label, options) => {
    const admin = await createTestUser({ role: 'admin' });
    const target = await createTestUser(options);
    const id = await newInquiry();
    const res = await patch(id, admin, { assignedTo: target.id, status: 'contacted' });
    const problem = await expectProblem(res, 422, 'INVALID_ASSIGNEE');
    expect(problem.errors?.[0]?.path).toBe('assignedTo');
    const detail = await json<Detail>(await api(`/v1/admin/inquiries/${id}`, { token: admin.token }));
    expect(detail).toMatchObject({ status: 'new', assignedTo: null });
    expect(detail.history).toHaveLength(1);
  });

  it('PATCH /v1/admin/inquiries/:id assigning to an unknown user is a 422', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const id = await newInquiry();
    await expectProblem(await patch(id, admin, { assignedTo: uuidv7() }), 422, 'INVALID_ASSIGNEE');
  });

  it.each([
    ['an empty body', {}],
    ['an unknown field', { status: 'contacted', priority: 'high' }],
    ['an unknown status', { status: 'archived' }],
    ['an empty note', { note: '   ' }],
    ['a note over 5000 characters', { note: 'n'.repeat(5001) }],
    ['an assignee that is not a UUID', { assignedTo: 'bob' }],
  ])('PATCH /v1/admin/inquiries/:id with %s is a 422', async (_label, body) => {
    const admin = await createTestUser({ role: 'admin' });
    const id = await newInquiry();
    await expectProblem(await patch(id, admin, body), 422, 'VALIDATION_FAILED');
  });

  it('PATCH /v1/admin/inquiries/:id for an unknown inquiry is a 404', async () => {
    const admin = await createTestUser({ role: 'admin' });
    await expectProblem(await patch(uuidv7(), admin, { status: 'contacted' }), 404, 'INQUIRY_NOT_FOUND');
  });

  it('PATCH /v1/admin/inquiries/:id as a plain user is a 403 and without a token a 401', async () => {
    const user = await createTestUser({ role: 'user' });
    const id = await newInquiry();
    await expectProblem(await patch(id, user, { status: 'contacted' }), 403, 'FORBIDDEN');
    await expectProblem(
      await api(`/v1/admin/inquiries/${id}`, { method: 'PATCH', json: { status: 'contacted' } }),
      401,
    );
  });

  it('PATCH /v1/admin/inquiries/:id by two admins at once applies one transition, never both', async () => {
    const first = await createTestUser({ role: 'admin' });
    const second = await createTestUser({ role: 'admin' });
    const id = await newInquiry();
    const [a, b] = await Promise.all([
      patch(id, first, { status: 'spam' }),
      patch(id, second, { status: 'contacted' }),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 409]);
    const detail = await json<Detail>(await api(`/v1/admin/inquiries/${id}`, { token: first.token }));
    expect(detail.history.filter((h) => h.type === 'status_changed')).toHaveLength(1);
  });
});
