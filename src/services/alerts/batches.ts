export interface BatchLimits {
  /** Stop starting batches after this many milliseconds (the next run goes on). */
  budgetMs: number;
  maxBatches: number;
}

/**
 * Runs `batch` until one comes back short (`isLast`: it found fewer rows than it asked for), or
 * the time or batch budget is spent; returns `zero` plus the counts of every batch.
 */
export async function runBatches<T extends Record<string, number>>(
  zero: T,
  batch: () => Promise<T>,
  isLast: (outcome: T) => boolean,
  limits: BatchLimits,
): Promise<T & { batches: number }> {
  const started = Date.now();
  const total: Record<string, number> = { ...zero, batches: 0 };
  while ((total.batches ?? 0) < limits.maxBatches && Date.now() - started < limits.budgetMs) {
    const outcome = await batch();
    total.batches = (total.batches ?? 0) + 1;
    for (const key of Object.keys(zero)) total[key] = (total[key] ?? 0) + (outcome[key] ?? 0);
    if (isLast(outcome)) break;
  }
  return total as T & { batches: number };
}
