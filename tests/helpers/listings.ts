import { v7 as uuidv7 } from 'uuid';
import { properties } from '../../src/db/schema';
import { testDb } from './db';

let counter = 0;

/** Inserts a listing directly (the listings routes are another area's) and returns its id. */
export async function createTestProperty(
  options: {
    status?: 'draft' | 'active' | 'pending' | 'off_market' | 'sold' | 'rented';
    createdBy?: string | null;
    title?: string;
  } = {},
): Promise<{ id: string; slug: string; title: string }> {
  counter += 1;
  const id = uuidv7();
  const slug = `test-listing-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
  const title = options.title ?? `Test listing ${counter}`;
  await testDb()
    .insert(properties)
    .values({
      id,
      slug,
      title,
      propertyType: 'house',
      listingType: 'sale',
      status: options.status ?? 'active',
      price: 50_000_000,
      addressLine1: '1 Test Street',
      city: 'Testville',
      country: 'US',
      createdBy: options.createdBy ?? null,
    });
  return { id, slug, title };
}

/** A CF-Connecting-IP no other test uses, so per-IP rate limits never interfere. */
export function uniqueIp(): string {
  const octet = () => Math.floor(Math.random() * 254) + 1;
  return `10.${octet()}.${octet()}.${octet()}`;
}
