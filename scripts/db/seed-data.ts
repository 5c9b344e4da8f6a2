import { en, Faker } from '@faker-js/faker';
import { LISTING_FEATURES } from './listing-features';

/** Cities the seeded listings are spread over, with a centre to scatter coordinates around. */
export const SEED_CITIES = [
  { city: 'Austin', region: 'TX', country: 'US', currency: 'USD', lat: 30.2672, lng: -97.7431 },
  { city: 'Denver', region: 'CO', country: 'US', currency: 'USD', lat: 39.7392, lng: -104.9903 },
  { city: 'Portland', region: 'OR', country: 'US', currency: 'USD', lat: 45.5152, lng: -122.6784 },
  { city: 'Toronto', region: 'ON', country: 'CA', currency: 'CAD', lat: 43.6532, lng: -79.3832 },
  { city: 'London', region: 'England', country: 'GB', currency: 'GBP', lat: 51.5072, lng: -0.1276 },
  { city: 'Berlin', region: 'Berlin', country: 'DE', currency: 'EUR', lat: 52.52, lng: 13.405 },
] as const;

const TYPES = ['house', 'apartment', 'condo', 'townhouse', 'land', 'commercial', 'office'] as const;
const STATUSES = ['active', 'active', 'active', 'active', 'pending', 'draft', 'off_market', 'sold'] as const;

export interface SeedListing {
  slug: string;
  title: string;
  description: string;
  propertyType: (typeof TYPES)[number];
  listingType: 'sale' | 'rent';
  status: (typeof STATUSES)[number];
  price: number;
  currency: string;
  bedrooms: number;
  bathrooms: number;
  areaSqm: number;
  addressLine1: string;
  city: string;
  region: string;
  postalCode: string;
  country: string;
  latitude: number;
  longitude: number;
  features: string[];
}

function slugify(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
}

/** Deterministic listings: the same seed number gives the same data on every machine. */
export function generateListings(count: number, seed = 20261125): SeedListing[] {
  const faker = new Faker({ locale: [en] });
  faker.seed(seed);
  const listings: SeedListing[] = [];
  for (let i = 0; i < count; i++) {
    const place = SEED_CITIES[i % SEED_CITIES.length] ?? SEED_CITIES[0];
    const propertyType = faker.helpers.arrayElement(TYPES);
    const listingType = propertyType === 'land' ? 'sale' : faker.helpers.arrayElement(['sale', 'rent'] as const);
    const bedrooms =
      propertyType === 'land' || propertyType === 'commercial' || propertyType === 'office'
        ? 0
        : faker.number.int({ min: 1, max: 6 });
    const street = faker.location.streetAddress();
    const adjective = faker.helpers.arrayElement([
      'Sunny',
      'Spacious',
      'Quiet',
      'Modern',
      'Charming',
      'Renovated',
      'Bright',
      'Historic',
    ]);
    const title = `${adjective} ${bedrooms > 0 ? `${bedrooms}-bedroom ` : ''}${propertyType} in ${place.city}`;
    const price =
      listingType === 'rent'
        ? faker.number.int({ min: 900, max: 6000 }) * 100
        : faker.number.int({ min: 150, max: 2500 }) * 1_000_00;
    listings.push({
      slug: `${slugify(title)}-${i + 1}`,
      title,
      description: faker.lorem.paragraphs({ min: 2, max: 4 }),
      propertyType,
      listingType,
      status: faker.helpers.arrayElement(STATUSES),
      price,
      currency: place.currency,
      bedrooms,
      bathrooms: bedrooms === 0 ? 1 : faker.number.int({ min: 2, max: Math.max(2, bedrooms * 2) }) / 2,
      areaSqm: faker.number.int({
        min: propertyType === 'land' ? 300 : 35,
        max: propertyType === 'land' ? 20000 : 450,
      }),
      addressLine1: street,
      city: place.city,
      region: place.region,
      postalCode: faker.location.zipCode(),
      country: place.country,
      latitude: Number((place.lat + faker.number.float({ min: -0.12, max: 0.12 })).toFixed(6)),
      longitude: Number((place.lng + faker.number.float({ min: -0.12, max: 0.12 })).toFixed(6)),
      features: faker.helpers.arrayElements(LISTING_FEATURES, { min: 1, max: 5 }),
    });
  }
  return listings;
}
