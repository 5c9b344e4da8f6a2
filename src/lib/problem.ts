import type { FieldError } from './errors';
import { PROBLEM_CODES, type ProblemCode, problemTypePath } from './problem-codes';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: ProblemCode;
  requestId?: string;
  errors?: FieldError[];
}

export function buildProblem(input: {
  code: ProblemCode;
  /** The request's origin: `type` is the page that explains the code, served by this API. */
  origin: string;
  title?: string;
  detail?: string;
  requestId?: string;
  errors?: FieldError[];
}): Problem {
  const known = PROBLEM_CODES[input.code];
  return {
    type: `${input.origin}${problemTypePath(input.code)}`,
    title: input.title ?? known.title,
    status: known.status,
    ...(input.detail ? { detail: input.detail } : {}),
    code: input.code,
    ...(input.requestId ? { requestId: input.requestId } : {}),
    ...(input.errors ? { errors: input.errors } : {}),
  };
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  });
}
