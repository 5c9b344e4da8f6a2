import type { FieldError } from './errors';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
  requestId?: string;
  errors?: FieldError[];
}

export function buildProblem(input: {
  status: number;
  code: string;
  title?: string;
  detail?: string;
  requestId?: string;
  errors?: FieldError[];
}): Problem {
  return {
    // One stable documentation anchor per code: clients branch on `code`, people read `type`.
    type: `https://docs.gentlespacerealty.com/problems/${input.code.toLowerCase().replaceAll('_', '-')}`,
    title: input.title ?? TITLES[input.status] ?? 'Error',
    status: input.status,
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
