import { type SQL, sql } from 'drizzle-orm';
import { properties, savedSearches as s } from '../../db/schema';
import { PUBLIC_STATUS } from '../listings/columns';
import { DEFAULT_RADIUS_KM, distanceSql, KM_PER_DEGREE_LAT } from '../listings/filters';

/** The largest radius search accepts (radiusKm in listings.schemas.ts; a CHECK holds saved searches to it). */
export const MAX_RADIUS_KM = 500;

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
      // Stored lowercased (services/saved-searches filterColumns), as search lowercases its input.
      sql`(${s.city} is null or lower(${p.city}) = ${s.city})`,
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

/**
 * The saved searches that could match the listing in `properties`, as a LATERAL row source named
 * like the table (so savedSearchMatchesListing reads its columns): nearly every search names a
 * place, so one listing change reads only the searches of its city, the circles whose centre's
 * latitude is within their radius of its own (at most MAX_RADIUS_KM), the boxes whose latitudes span it and the few searches
 * that name no place, each through its own partial index (migration 0024). The four parts are
 * disjoint (a search falls in the first that names its place), and together they hold every
 * search the listing matches (a circle's radius is at most MAX_RADIUS_KM): this changes no
 * result, it keeps one listing change from reading all the searches. Separate parts, rather
 * than one OR, so that no estimate can turn it into a scan of the whole table.
 */
// Circles up to the default radius (most of them) are found in a narrow band of latitudes, the
// rare larger ones in the band of the largest radius. Written as the partial indexes' predicates.
const SMALL_CIRCLE = sql.raw(`coalesce(radius_km, ${DEFAULT_RADIUS_KM}) <= ${DEFAULT_RADIUS_KM}`);
const LARGE_CIRCLE = sql.raw(`radius_km > ${DEFAULT_RADIUS_KM}`);

export function candidateSearches(): SQL {
  const p = properties;
  const band = MAX_RADIUS_KM / KM_PER_DEGREE_LAT + 0.01;
  const smallBand = DEFAULT_RADIUS_KM / KM_PER_DEGREE_LAT + 0.01;
  const alerting = sql`${s.frequency} <> 'off'`;
  return sql`lateral (
      select * from ${s} where ${alerting} and ${s.city} = lower(${p.city})
      union all
      select * from ${s} where ${alerting} and ${s.city} is null and ${SMALL_CIRCLE}
        and ${s.nearLat} between ${p.latitude} - ${smallBand}::float8 and ${p.latitude} + ${smallBand}::float8
      union all
      select * from ${s} where ${alerting} and ${s.city} is null and ${LARGE_CIRCLE}
        and ${s.nearLat} between ${p.latitude} - ${band}::float8 and ${p.latitude} + ${band}::float8
      union all
      select * from ${s} where ${alerting} and ${s.city} is null and ${s.nearLat} is null
        and ${s.bboxMinLat} <= ${p.latitude} and ${s.bboxMaxLat} >= ${p.latitude}
      union all
      select * from ${s} where ${alerting} and ${s.city} is null and ${s.nearLat} is null and ${s.bboxMinLat} is null
    ) as ${s}`;
}
