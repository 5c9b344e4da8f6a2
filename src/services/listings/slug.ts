const MAX_BASE = 80;

/** A URL slug from a title: ASCII, lower case, words joined by '-'; 'listing' when nothing is left. */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_BASE)
    .replace(/-+$/g, '');
  return slug || 'listing';
}

/** The candidates tried in order: `base`, `base-2`, `base-3`, then random suffixes. */
export function slugCandidate(base: string, attempt: number): string {
  if (attempt === 0) return base;
  if (attempt < 5) return `${base}-${attempt + 1}`;
  return `${base}-${crypto.randomUUID().slice(0, 8)}`;
}
