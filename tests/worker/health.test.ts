import { describe, expect, it } from 'vitest';
import { api, expectProblem, json } from '../helpers/api';

describe('health', () => {
  it('GET /health answers ok without touching the database', async () => {
    const res = await api('/health');
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ status: 'ok' });
    expect(res.headers.get('X-Request-Id')).toMatch(/^[\w-]+$/);
  });

  it('GET /health/ready reports the database latency', async () => {
    const res = await api('/health/ready');
    expect(res.status).toBe(200);
    const body = await json<{ status: string; db: { latencyMs: number } }>(res);
    expect(body.status).toBe('ok');
    expect(body.db.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('GET /nowhere is a 404 problem', async () => {
    await expectProblem(await api('/nowhere'), 404, 'NOT_FOUND');
  });

  it('DELETE /health is a 405 problem with Allow', async () => {
    const res = await api('/health', { method: 'DELETE' });
    expect(res.headers.get('Allow')).toContain('GET');
    await expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
  });
});
