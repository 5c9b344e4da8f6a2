import { v7 as uuidv7 } from 'uuid';
import { properties } from '../../src/db/schema';
import { testDb } from './db';

let counter = 0;

/** Inserts an active listing directly (any column may be given) and returns the row as inserted. */
export async function createTestProperty(over: Partial<typeof properties.$inferInsert> = {}) {
  counter += 1;
  const row = {
    id: uuidv7(),
    slug: `test-listing-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    title: `Test listing ${counter}`,
    propertyType: 'house' as const,
    listingType: 'sale' as const,
    status: 'active' as const,
    price: 50_000_000,
    addressLine1: '1 Test Street',
    city: 'Testville',
    country: 'US',
    createdBy: null,
    ...over,
  };
  await testDb().insert(properties).values(row);
  return row;
}
/** A CF-Connecting-IP no other test uses, so per-IP rate limits never interfere. */
export function uniqueIp(): string {
  const octet = () => Math.floor(Math.random() * 254) + 1;
  return `10.${octet()}.${octet()}.${octet()}`;
}
