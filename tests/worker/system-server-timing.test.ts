import { describe, expect, it } from 'vitest';
import { api } from '../helpers/api';

function parse(header: string | null) {
  expect(header).toBeTruthy();
  const db = /(?:^|, )db;dur=([\d.]+);desc="(\d+) database round trips"/.exec(header ?? '');
  const app = /(?:^|, )app;dur=([\d.]+)/.exec(header ?? '');
  expect(db).not.toBeNull();
  expect(app).not.toBeNull();
  return { dbMs: Number(db?.[1]), roundTrips: Number(db?.[2]), appMs: Number(app?.[1]) };
}

describe('Server-Timing', () => {
  it('GET /health/ready carries the database time of its one query', async () => {
    const res = await api('/health/ready');
    expect(res.status).toBe(200);
    const timing = parse(res.headers.get('Server-Timing'));
    expect(timing.roundTrips).toBe(1);
    expect(timing.dbMs).toBeGreaterThanOrEqual(0);
    expect(timing.appMs).toBeGreaterThanOrEqual(timing.dbMs);
  });

  it('GET /health carries no database time: it makes no query', async () => {
    const timing = parse((await api('/health')).headers.get('Server-Timing'));
    expect(timing).toMatchObject({ roundTrips: 0, dbMs: 0 });
  });

  it('GET /health/ready counts only its own queries when requests run concurrently', async () => {
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => api(i % 2 === 0 ? '/health/ready' : '/health')),
    );
    responses.forEach((res, i) => {
      expect(res.status).toBe(200);
      expect(parse(res.headers.get('Server-Timing')).roundTrips).toBe(i % 2 === 0 ? 1 : 0);
    });
  });

  it('GET /nowhere still carries Server-Timing on a problem response', async () => {
    const res = await api('/nowhere');
    expect(res.status).toBe(404);
    parse(res.headers.get('Server-Timing'));
  });

  it('POST /v1/auth/login carries no Server-Timing, so database time cannot tell accounts apart', async () => {
    const res = await api('/v1/auth/login', {
      json: { email: 'nobody@example.com', password: 'x' },
      ip: '203.0.113.77',
    });
    expect(res.headers.get('Server-Timing')).toBeNull();
  });
});
