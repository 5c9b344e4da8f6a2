import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { api, json } from '../helpers/api';
import { callApp } from '../helpers/app-call';
import { testDb } from '../helpers/db';
import { eventually, sinkRequests } from '../helpers/email-sink';
import { createTestProperty, uniqueIp } from '../helpers/listings';
import { createTestUser, uniqueEmail } from '../helpers/users';

const MESSAGE = 'Click https://evil.example/verify now or your account will be closed.';
const octet = () => Math.floor(Math.random() * 254) + 1;
/** A /24 of its own: addresses in it have separate rate-limit budgets but one network. */
const randomNetwork = () => `100.${64 + Math.floor(Math.random() * 64)}.${octet()}`;

async function count(query: ReturnType<typeof sql>): Promise<number> {
  const { rows } = await testDb().execute<{ n: number | string }>(query);
  return Number(rows[0]?.n ?? 0);
}

const acksTo = (email: string) =>
  count(sql`select count(*) as n from notification_queue
    where kind = 'inquiry_acknowledgement' and lower(recipient) like ${`%${email.split('@')[0]?.split('+')[0]}%`}`);

describe('POST /v1/inquiries acknowledgement', () => {
  it('POST /v1/inquiries acknowledges with no text the sender chose: no name, no message, only the listing title', async () => {
    const listing = await createTestProperty({ title: 'Quiet cottage by the river' });
    const email = uniqueEmail('victim');
    const name = 'URGENT: verify your bank at https://evil.example';
    const res = await api('/v1/inquiries', {
      json: { propertyId: listing.id, name, email, message: MESSAGE },
      ip: uniqueIp(),
    });
    expect(res.status).toBe(201);
    const { id } = await json<{ id: string }>(res);
    const { rows } = await testDb().execute<{ payload: Record<string, unknown> }>(
      sql`select payload from notification_queue where idempotency_key = ${`inquiry:${id}:ack`}`,
    );
    expect(rows[0]?.payload).toEqual({ propertyTitle: 'Quiet cottage by the river' });

    const ack = await eventually(async () => (await sinkRequests(email)).find((r) => !r.failed));
    const sent = `${ack.body?.subject}\n${ack.body?.text}\n${ack.body?.html}`;
    expect(sent).toContain('Quiet cottage by the river');
    for (const chosen of ['URGENT', 'evil.example', 'verify', 'bank']) expect(sent).not.toContain(chosen);
  });

  it('POST /v1/inquiries acknowledges one mailbox at most 3 times a day, however its address is spelt', async () => {
    const listing = await createTestProperty();
    const local = `mailbox-${crypto.randomUUID().slice(0, 8)}`;
    const spellings = [
      `${local}@example.com`,
      `${local.toUpperCase()}@EXAMPLE.com`,
      `${local}+a@example.com`,
      `${local}+b@example.com`,
      `${local}@example.com`,
    ];
    for (const email of spellings) {
      const res = await api('/v1/inquiries', {
        json: { propertyId: listing.id, name: 'Ada', email, message: 'Is it still available?' },
        ip: `${randomNetwork()}.${octet()}`,
      });
      expect(res.status).toBe(201);
    }
    expect(await count(sql`select count(*) as n from inquiries where email ilike ${`${local}%`}`)).toBe(5);
    expect(await acksTo(`${local}@example.com`)).toBe(3);
  });

  it('POST /v1/inquiries acknowledges at most 20 inquiries a day from one network', async () => {
    const listing = await createTestProperty();
    const network = randomNetwork();
    const emails: string[] = [];
    for (let i = 1; i <= 23; i += 1) {
      const email = uniqueEmail(`net${i}`);
      emails.push(email);
      const res = await api('/v1/inquiries', {
        json: { propertyId: listing.id, name: 'Ada', email, message: 'Is it still available?' },
        ip: `${network}.${i}`,
      });
      expect(res.status).toBe(201);
    }
    const acks = await count(sql`select count(*) as n from notification_queue
      where kind = 'inquiry_acknowledgement' and recipient in ${sql.raw(`(${emails.map((e) => `'${e}'`).join(', ')})`)}`);
    expect(acks).toBe(20);
    // Every inquiry still reached the agency.
    expect(await count(sql`select count(*) as n from inquiries where ip_address = ${`${network}.0/24`}`)).toBe(23);
  });

  it('POST /v1/inquiries without a listing tells at most 5 admins', async () => {
    for (let i = 0; i < 6; i += 1) await createTestUser({ role: 'admin' });
    const res = await api('/v1/inquiries', {
      json: { name: 'Ada', email: uniqueEmail('general'), message: 'Do you have anything by the sea?' },
      ip: uniqueIp(),
    });
    const { id } = await json<{ id: string }>(res);
    const received = await count(sql`select count(*) as n from notification_queue
      where idempotency_key like ${`inquiry:${id}:received:%`}`);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThanOrEqual(5);
  });

  it('POST /v1/inquiries without a listing goes to INQUIRY_INBOX alone when it is set', async () => {
    await createTestUser({ role: 'admin' });
    const inbox = uniqueEmail('inbox');
    const { response } = await callApp(createApp(), '/v1/inquiries', {
      json: { name: 'Ada', email: uniqueEmail('general'), message: 'Do you have anything by the sea?' },
      ip: uniqueIp(),
      vars: { INQUIRY_INBOX: inbox },
    });
    expect(response.status).toBe(201);
    const { id } = await json<{ id: string }>(response);
    const { rows } = await testDb().execute<{ recipient: string; idempotency_key: string }>(sql`
      select recipient, idempotency_key from notification_queue where idempotency_key like ${`inquiry:${id}:received:%`}`);
    expect(rows).toEqual([{ recipient: inbox, idempotency_key: `inquiry:${id}:received:inbox` }]);
  });
});
