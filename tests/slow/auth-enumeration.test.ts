import bcrypt from 'bcryptjs';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '../../src/db/schema';
import { api, expectProblem } from '../helpers/api';
import { testConfig, testDb } from '../helpers/db';
import { randomIp, signIn, strongPassword, uniqueEmail } from '../helpers/users';

const ROUNDS = 30;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Registers through the API, so the stored hash has the cost the Worker is configured with. */
async function registered(label: string) {
  const email = uniqueEmail(label);
  const password = strongPassword();
  const res = await api('/v1/auth/register', {
    method: 'POST',
    ip: randomIp(),
    json: { email, password, name: label },
  });
  expect(res.status).toBe(201);
  const id = ((await res.json()) as { user: { id: string } }).user.id;
  return { id, email, password };
}

describe('login enumeration resistance', () => {
  // A statistical check on a machine shared with the other test files: a burst of their load
  // can skew one run, so it gets two more tries. A real leak (a path that skips the bcrypt
  // compare, or does extra round trips) shifts every run and still fails all three.
  it('POST /v1/auth/login gives unknown email, wrong password, locked and disabled the same body and the same time', {
    retry: 2,
    timeout: 180_000,
  }, async () => {
    const db = testDb();
    const cost = testConfig().BCRYPT_COST;
    // The production cost: at the tests' cost 4 a compare is too short to tell paths apart.
    expect(cost).toBe(10);
    const wrong = await registered('enum-wrong');
    const locked = await registered('enum-locked');
    const disabled = await registered('enum-disabled');
    await db.update(users).set({ lockedAt: new Date(), failedLoginCount: 100 }).where(eq(users.id, locked.id));
    await db.update(users).set({ isActive: false }).where(eq(users.id, disabled.id));

    const cases = {
      unknown: () => signIn(uniqueEmail('enum-nobody'), wrong.password),
      wrongPassword: () => signIn(wrong.email, strongPassword()),
      locked: () => signIn(locked.email, locked.password),
      disabled: () => signIn(disabled.email, disabled.password),
    } as const;
    type Case = keyof typeof cases;
    const names = Object.keys(cases) as Case[];
    const times: Record<Case, number[]> = { unknown: [], wrongPassword: [], locked: [], disabled: [] };
    const bodies = new Map<Case, string>();

    // One bcrypt compare at the cost in use is the yardstick. It is measured here, once per
    // round, so that it sees the same machine load as the sign-ins it is compared with.
    const hash = bcrypt.hashSync('yardstick password', cost);
    const compares: number[] = [];

    for (let round = -1; round < ROUNDS; round++) {
      // A different order each round spreads any drift of the machine over all four cases.
      const order = [...names].sort(() => Math.random() - 0.5);
      for (const name of order) {
        const started = performance.now();
        const res = await cases[name]();
        const elapsed = performance.now() - started;
        const problem = await expectProblem(res, 401, 'INVALID_CREDENTIALS');
        const { requestId: _id, ...rest } = problem;
        bodies.set(name, JSON.stringify(rest));
        if (round >= 0) times[name].push(elapsed); // round -1 warms every path up
        // Keep the wrong-password account below the lockout, outside the timed part.
        if (name === 'wrongPassword') await db.update(users).set({ failedLoginCount: 0 }).where(eq(users.id, wrong.id));
      }
      const started = performance.now();
      bcrypt.compareSync('not the yardstick', hash);
      if (round >= 0) compares.push(performance.now() - started);
    }

    expect(new Set(bodies.values()).size).toBe(1);

    const compare = median(compares);
    const medians = Object.fromEntries(names.map((n) => [n, median(times[n])])) as Record<Case, number>;
    const spread = Math.max(...Object.values(medians)) - Math.min(...Object.values(medians));
    const report = `cost ${cost}, compare ${compare.toFixed(1)} ms, medians ${JSON.stringify(
      Object.fromEntries(names.map((n) => [n, Number(medians[n].toFixed(1))])),
    )}, spread ${spread.toFixed(1)} ms`;
    console.info(report);
    // Every case must actually have run a compare (none is a fast path)…
    for (const n of names) expect(medians[n], report).toBeGreaterThan(compare * 0.75);
    // …and their medians differ by less than a quarter of one compare.
    expect(spread / compare, report).toBeLessThan(0.25);
  });
});
