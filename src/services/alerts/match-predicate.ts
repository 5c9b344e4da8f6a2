import { type SQL, sql } from 'drizzle-orm';
import { properties, savedSearches as s } from '../../db/schema';
import { PUBLIC_STATUS } from '../listings/columns';
import { DEFAULT_RADIUS_KM, distanceSql } from '../listings/filters';

/**
 * "The listing in `properties` is a result of the saved search in `saved_searches`": the
 * conditions of filters.ts filterConditions(filters, 'public'), each read from the search's
 * typed columns instead of a request's values, and true when that filter is not set. A test
 * (tests/worker/listing-alerts-matching.test.ts) holds it equal to search for random filters.
 * The near box of filterConditions is only an index prefilter for the exact distance, so it
 * has no counterpart here.
 */
export function savedSearchMatchesListing(): SQL {
  const p = properties;
  return sql.join(
    [
      PUBLIC_STATUS,
      // q_query is websearch_to_tsquery('english', q), as textMatch builds it.
      sql`(${s.qQuery} is null or ${p.search} @@ ${s.qQuery})`,
      sql`(${s.city} is null or lower(${p.city}) = lower(${s.city}))`,
      sql`(${s.propertyType} is null or ${p.propertyType} = ${s.propertyType})`,
      sql`(${s.listingType} is null or ${p.listingType} = ${s.listingType})`,
      sql`(${s.minPrice} is null or ${p.price} >= ${s.minPrice})`,
      sql`(${s.maxPrice} is null or ${p.price} <= ${s.maxPrice})`,
      sql`(${s.minBedrooms} is null or ${p.bedrooms} >= ${s.minBedrooms})`,
      sql`(${s.minBathrooms} is null or ${p.bathrooms} >= ${s.minBathrooms})`,
      sql`(${s.minArea} is null or ${p.areaSqm} >= ${s.minArea})`,
      sql`(${s.maxArea} is null or ${p.areaSqm} <= ${s.maxArea})`,
      sql`(${s.bboxMinLat} is null or (${p.latitude} between ${s.bboxMinLat} and ${s.bboxMaxLat}
        and ${p.longitude} between ${s.bboxMinLng} and ${s.bboxMaxLng}))`,
      sql`(${s.nearLat} is null or ${distanceSql({ lat: s.nearLat, lng: s.nearLng })}
        <= coalesce(${s.radiusKm}, ${DEFAULT_RADIUS_KM}::float8))`,
    ],
    sql` and `,
  );
}
