import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../db/client';
import type { InquiryStatus } from '../../db/enums';
import { mailbox } from '../../db/mailbox';
import { notFound } from '../../lib/errors';
import { IDEMPOTENCY_KEY_TTL_HOURS, requestHash, scopedIdempotencyKey } from './request-hash';

export interface NewInquiry {
  propertyId?: string;
  name: string;
  email: string;
  phone?: string;
  message: string;
}

export interface InquiryRequestMeta {
  idempotencyKey?: string;
  /** The signed-in sender (their access token), or null: the inquiry is then anonymous for good. */
  userId: string | null;
  /** Already truncated. */
  ipAddress: string | null;
  userAgent: string | null;
}

/** What one inquiry may make us send (see INQUIRY_* in env.ts). */
export interface InquiryMailPolicy {
  /** Acknowledgements one mailbox gets in 24 hours. */
  ackMaxPerRecipient: number;
  /** Acknowledged inquiries from one stored network (/24 or /48) in 24 hours. */
  ackMaxPerNetwork: number;
  /** Admins told of an inquiry that has no active agent, when there is no inbox. */
  maxAdminRecipients: number;
  /** The one address told of such an inquiry instead of admins. */
  inbox?: string;
}

export type CreateInquiryResult =
  | { created: true; id: string; status: 'new'; notificationIds: string[] }
  | { created: false; id: string; status: InquiryStatus };

/**
 * Stores an inquiry, its first history row, its analytics event and its emails in ONE
 * batch (one transaction, one round trip). The listing lookup happens inside the statements:
 * the inquiry is only inserted for a listing visitors can see (drafts count as unknown), and
 * the emails' recipients and listing details are read by the insert that queues them. With an
 * Idempotency-Key the inquiry insert does nothing on a conflict, and every later statement only
 * writes if THIS request's row exists, so 20 concurrent retries leave one inquiry and one set
 * of emails.
 *
 * The address typed in the form is not verified, so the acknowledgement sent to it carries no
 * text the sender chose (only the listing's title, which is ours), and it is bounded per mailbox
 * and per sending network by counting in the same transaction. An advisory lock per mailbox and
 * per network, taken in key order (no deadlock), makes concurrent inquiries count one after the
 * other, so the bound is exact. The staff who hear about it: the listing's agent if an active
 * admin, else the configured inbox, else at most `maxAdminRecipients` active admins.
 */
export async function createInquiry(
  db: Database,
  input: NewInquiry,
  meta: InquiryRequestMeta,
  policy: InquiryMailPolicy,
): Promise<CreateInquiryResult> {
  const propertyId = input.propertyId ?? null;
  const phone = input.phone ?? null;
  // The sender is part of the request: a key replayed by someone else (or anonymously) never
  // returns this inquiry. An anonymous request hashes as it always did.
  const hash = await requestHash({
    propertyId,
    name: input.name,
    email: input.email,
    phone,
    message: input.message,
    ...(meta.userId ? { userId: meta.userId } : {}),
  });
  const key = meta.idempotencyKey ? await scopedIdempotencyKey(meta.idempotencyKey, hash) : null;
  const ttl = `${IDEMPOTENCY_KEY_TTL_HOURS} hours`;
  const id = uuidv7();
  const inbox = policy.inbox ?? null;
  const mine = sql`exists (select 1 from inquiries where id = ${id})`;
  // The visitor's own words go to the listing's staff only.
  const details = JSON.stringify({
    inquiryId: id,
    name: input.name,
    email: input.email,
    phone,
    message: input.message,
  });

  const statements = [
    // An expired key is forgotten first (the nightly retention forgets the rest), so it is reused.
    db.execute(sql`
      update inquiries set idempotency_key = null
      where ${key}::text is not null and idempotency_key = ${key}
        and created_at <= now() - ${ttl}::interval`),
    db.execute(sql`
      insert into inquiries (id, property_id, user_id, name, email, phone, message, idempotency_key, ip_address, user_agent)
      select ${id}, ${propertyId}, ${meta.userId}, ${input.name}, ${input.email}, ${phone}, ${input.message}, ${key},
        ${meta.ipAddress}, ${meta.userAgent}
      where ${propertyId}::uuid is null
        or exists (select 1 from properties p where p.id = ${propertyId} and p.status <> 'draft')
      on conflict (idempotency_key) do nothing`),
    db.execute(sql`
      insert into inquiry_events (id, inquiry_id, type, to_status)
      select ${uuidv7()}, ${id}, 'created', 'new' where ${mine}`),
    db.execute(sql`
      insert into analytics_events (id, type, property_id, ip_address, metadata)
      select ${uuidv7()}, 'inquiry_submitted', ${propertyId}, ${meta.ipAddress}, ${JSON.stringify({ inquiryId: id })}::jsonb
      where ${mine}`),
    db.execute(sql`
      select pg_advisory_xact_lock(k.key)
      from (select distinct hashtextextended(name, 0) as key
        from unnest(array[${`inquiry-ack:mailbox:`}::text || ${mailbox(input.email)},
                          ${`inquiry-ack:network:`}::text || ${meta.ipAddress}::text]) as n(name)
        where name is not null) k
      order by k.key`),
    db.execute<{ id: string }>(sql`
      with listing as (
        select p.title, p.slug, a.id as agent_id, a.email as agent_email
        from properties p
        left join users a on a.id = p.created_by and a.is_active and a.role in ('admin', 'super_admin')
        where p.id = ${propertyId}
      ),
      recipients as (
        select agent_id::text as key, agent_email as email from listing where agent_id is not null
        union all
        select 'inbox', ${inbox}::text
        where ${inbox}::text is not null and not exists (select 1 from listing where agent_id is not null)
        union all
        (select u.id::text, u.email from users u
          where u.is_active and u.role in ('admin', 'super_admin') and ${inbox}::text is null
            and not exists (select 1 from listing where agent_id is not null)
          order by u.created_at, u.id
          limit ${policy.maxAdminRecipients})
      ),
      mail (kind, recipient, payload, idempotency_key) as (
        select 'inquiry_received', r.email,
          ${details}::jsonb || jsonb_build_object(
            'propertyTitle', (select title from listing), 'propertySlug', (select slug from listing)),
          'inquiry:' || ${id} || ':received:' || r.key
        from recipients r
        union all
        select 'inquiry_acknowledgement', ${input.email},
          jsonb_build_object('propertyTitle', (select title from listing)),
          'inquiry:' || ${id} || ':ack'
        where (select count(*) from notification_queue q
            where q.kind = 'inquiry_acknowledgement' and ${mailbox(sql`q.recipient`)} = ${mailbox(input.email)}
              and q.created_at > now() - interval '24 hours') < ${policy.ackMaxPerRecipient}
          -- This inquiry is already stored (an earlier statement), hence <=.
          and (${meta.ipAddress}::text is null or (select count(*) from inquiries i
            where i.ip_address = ${meta.ipAddress} and i.created_at > now() - interval '24 hours')
              <= ${policy.ackMaxPerNetwork})
      )
      insert into notification_queue (id, kind, recipient, payload, idempotency_key)
      select gen_random_uuid(), kind, recipient, payload, idempotency_key from mail
      where ${mine}
      on conflict (idempotency_key) do nothing
      returning id`),
    db.execute<{ id: string; status: InquiryStatus }>(sql`
      select id, status from inquiries
      where id = ${id} or (${key}::text is not null and idempotency_key = ${key})
      order by (id = ${id}) desc
      limit 1`),
  ] as const;
  const results = await db.batch(statements);
  const stored = results[6].rows[0];

  if (stored?.id === id) {
    return { created: true, id, status: 'new', notificationIds: results[5].rows.map((r) => r.id) };
  }
  if (!stored) {
    if (propertyId) throw notFound('PROPERTY_NOT_FOUND', 'No published listing has this id.');
    throw new Error('inquiry neither inserted nor found by its idempotency key');
  }
  return { created: false, id: stored.id, status: stored.status };
}
