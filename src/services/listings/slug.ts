import { isUuid } from '../../lib/uuid';

const MAX_BASE = 80;

// A slug shaped like an id would be read as that id (ids win in GET /v1/properties/:idOrSlug),
// so it could serve, or shadow, another listing.
const notAnId = (slug: string) => (isUuid(slug) ? `listing-${slug}` : slug);

/** A URL slug from a title: ASCII, lower case, words joined by '-'; 'listing' when nothing is left; never an id. */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_BASE)
    .replace(/-+$/g, '');
  return notAnId(slug || 'listing');
}

/** The candidates tried in order: `base`, `base-2`, `base-3`, then random suffixes; never an id. */
export function slugCandidate(base: string, attempt: number): string {
  if (attempt === 0) return notAnId(base);
  if (attempt < 5) return notAnId(`${base}-${attempt + 1}`);
  return notAnId(`${base}-${crypto.randomUUID().slice(0, 8)}`);
}
