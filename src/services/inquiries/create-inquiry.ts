import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../db/client';
import { inquiries } from '../../db/schema';
import { ApiError, notFound } from '../../lib/errors';
import type { NotificationInput } from '../notifications/enqueue';
import { requestHash } from './request-hash';

export interface NewInquiry {
  propertyId?: string;
  name: string;
  email: string;
  phone?: string;
  message: string;
}

export interface InquiryRequestMeta {
  idempotencyKey?: string;
  /** Already truncated. */
  ipAddress: string | null;
  userAgent: string | null;
}

export type CreateInquiryResult =
  | { created: true; id: string; status: 'new'; notificationIds: string[] }
  | { created: false; id: string; status: string };

interface Recipient {
  id: string;
  email: string;
}

interface Listing {
  id: string;
  title: string;
  slug: string;
  agent: Recipient | null;
}

/**
 * The listing (drafts are invisible to visitors, so they count as unknown), its agent if
 * that is an active admin, and the active admins who hear about an inquiry otherwise.
 * One batch: one round trip.
 */
async function loadContext(db: Database, propertyId: string | undefined) {
  const admins = db.execute<{ id: string; email: string }>(sql`
    select id, email from users
    where is_active and role in ('admin', 'super_admin')
    order by created_at, id
    limit 500`);
  const listingQuery = db.execute<{
    id: string;
    title: string;
    slug: string;
    agent_id: string | null;
    agent_email: string | null;
  }>(sql`
    select p.id, p.title, p.slug, a.id as agent_id, a.email as agent_email
    from properties p
    left join users a on a.id = p.created_by and a.is_active and a.role in ('admin', 'super_admin')
    where p.id = ${propertyId ?? null} and p.status <> 'draft'`);
  const [adminRows, listingRows] = await db.batch([admins, listingQuery]);
  const row = listingRows.rows[0];
  const listing: Listing | null = row
    ? {
        id: row.id,
        title: row.title,
        slug: row.slug,
        agent: row.agent_id && row.agent_email ? { id: row.agent_id, email: row.agent_email } : null,
      }
    : null;
  return { admins: adminRows.rows, listing };
}

/**
 * Stores an inquiry, its first history row, its analytics event and its emails in ONE
 * batch (one transaction). With an Idempotency-Key the inquiry insert does nothing on a
 * conflict, and every later statement only writes if THIS request's row exists, so 20
 * concurrent retries leave one inquiry and one set of emails.
 */
export async function createInquiry(
  db: Database,
  input: NewInquiry,
  meta: InquiryRequestMeta,
): Promise<CreateInquiryResult> {
  const { admins, listing } = await loadContext(db, input.propertyId);
  if (input.propertyId && !listing) throw notFound('PROPERTY_NOT_FOUND', 'No published listing has this id.');

  const hash = await requestHash({
    propertyId: input.propertyId ?? null,
    name: input.name,
    email: input.email,
    phone: input.phone ?? null,
    message: input.message,
  });
  const id = uuidv7();
  const recipients: Recipient[] = listing?.agent ? [listing.agent] : admins;
  const details = {
    inquiryId: id,
    name: input.name,
    email: input.email,
    phone: input.phone ?? null,
    message: input.message,
    propertyTitle: listing?.title ?? null,
    propertySlug: listing?.slug ?? null,
  };
  const notifications: Array<NotificationInput & { id: string }> = [
    ...recipients.map((r) => ({
      id: uuidv7(),
      kind: 'inquiry_received' as const,
      recipient: r.email,
      payload: details,
      idempotencyKey: `inquiry:${id}:received:${r.id}`,
    })),
    {
      id: uuidv7(),
      kind: 'inquiry_acknowledgement' as const,
      recipient: input.email,
      // Not the message: the acknowledgement must not relay a stranger's text to any address.
      payload: { name: input.name, propertyTitle: listing?.title ?? null },
      idempotencyKey: `inquiry:${id}:ack`,
    },
  ];
  const queueRows = notifications.map((n) => ({
    id: n.id,
    kind: n.kind,
    recipient: n.recipient,
    payload: n.payload,
    idempotency_key: n.idempotencyKey,
  }));
  const mine = sql`exists (select 1 from inquiries where id = ${id})`;

  const statements = [
    db
      .insert(inquiries)
      .values({
        id,
        propertyId: listing?.id ?? null,
        name: input.name,
        email: input.email,
        phone: input.phone ?? null,
        message: input.message,
        idempotencyKey: meta.idempotencyKey ?? null,
        requestHash: hash,
        ipAddress: meta.ipAddress,
        userAgent: meta.userAgent,
      })
      .onConflictDoNothing({ target: inquiries.idempotencyKey }),
    db.execute(sql`
      insert into inquiry_events (id, inquiry_id, type, to_status)
      select ${uuidv7()}, ${id}, 'created', 'new' where ${mine}`),
    db.execute(sql`
      insert into analytics_events (id, type, property_id, ip_address, metadata)
      select ${uuidv7()}, 'inquiry_submitted', ${listing?.id ?? null}, ${meta.ipAddress},
        ${JSON.stringify({ inquiryId: id })}::jsonb
      where ${mine}`),
    db.execute(sql`
      insert into notification_queue (id, kind, recipient, payload, idempotency_key)
      select v.id, v.kind, v.recipient, v.payload, v.idempotency_key
      from jsonb_to_recordset(${JSON.stringify(queueRows)}::jsonb)
        as v(id uuid, kind text, recipient text, payload jsonb, idempotency_key text)
      where ${mine}
      on conflict (idempotency_key) do nothing`),
    db.execute<{ id: string; status: string; request_hash: string | null }>(sql`
      select id, status, request_hash from inquiries
      where id = ${id} or (${meta.idempotencyKey ?? null}::text is not null and idempotency_key = ${meta.idempotencyKey ?? null})
      order by (id = ${id}) desc
      limit 1`),
  ] as const;
  const results = await db.batch(statements);
  const stored = results[4].rows[0];

  if (stored?.id === id) {
    return { created: true, id, status: 'new', notificationIds: notifications.map((n) => n.id) };
  }
  if (!stored) throw new Error('inquiry neither inserted nor found by its idempotency key');
  if (stored.request_hash !== hash) {
    throw new ApiError({
      status: 422,
      code: 'IDEMPOTENCY_KEY_REUSED',
      detail: 'This Idempotency-Key was already used with a different request body.',
      errors: [{ path: 'Idempotency-Key', message: 'already used with a different body' }],
    });
  }
  return { created: false, id: stored.id, status: stored.status };
}
