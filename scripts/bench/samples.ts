import pg from 'pg';
import { UPLOAD_SLUG_PREFIX } from './dataset';
import { BENCH_CITIES } from './dataset-vocabulary';

/** Values the scenarios draw their requests from, read back from the loaded database. */
export interface BenchSamples {
  /** Public (active or pending) listing ids, in a fixed pseudo-random order. */
  publicIds: string[];
  /** The busiest cities, with their centres. */
  topCities: Array<{ city: string; lat: number; lng: number }>;
  uploadIds: string[];
  /** Ordinary accounts `user<k>@bench.example`, k = 1..loginUsers, that the login scenario signs in. */
  loginUsers: number;
  /** Another ordinary account, for the authenticated scenarios (its session is never disturbed). */
  tokenUser: string;
}

export async function loadSamples(url: string): Promise<BenchSamples> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const ids = await client.query<{ id: string }>(
      `select id from properties where status in ('active', 'pending') order by md5(id::text)`,
    );
    const cities = await client.query<{ city: string }>(
      `select city from properties where status in ('active', 'pending') group by city order by count(*) desc, city limit 5`,
    );
    const uploads = await client.query<{ id: string }>(`select id from properties where slug like $1 order by slug`, [
      `${UPLOAD_SLUG_PREFIX}%`,
    ]);
    const users = await client.query<{ n: number }>(
      `select count(*)::int as n from users where email like 'user%@bench.example'`,
    );
    return {
      publicIds: ids.rows.map((r) => r.id),
      topCities: cities.rows.map(({ city }) => {
        const known = BENCH_CITIES.find((c) => c.city === city);
        return { city, lat: known?.lat ?? 0, lng: known?.lng ?? 0 };
      }),
      uploadIds: uploads.rows.map((r) => r.id),
      loginUsers: Math.max(1, Math.min(1000, (users.rows[0]?.n ?? 2) - 1)),
      tokenUser: `user${users.rows[0]?.n ?? 1}@bench.example`,
    };
  } finally {
    await client.end();
  }
}
