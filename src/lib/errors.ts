import { PROBLEM_CODES, type ProblemCode, type ProblemCodeOf } from './problem-codes';

export interface FieldError {
  path: string;
  message: string;
}

export interface ApiErrorInit {
  /** The status comes with the code (src/lib/problem-codes.ts). */
  code: ProblemCode;
  title?: string;
  detail?: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
}

/** An error meant for the client: it becomes problem JSON with exactly these fields. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ProblemCode;
  readonly title: string | undefined;
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(init: ApiErrorInit) {
    super(init.detail ?? init.code);
    this.name = 'ApiError';
    this.status = PROBLEM_CODES[init.code].status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail;
    this.errors = init.errors;
    this.headers = init.headers;
  }
}

export const badRequest = (code: ProblemCodeOf<400>, detail?: string) => new ApiError({ code, detail });
export const unauthorized = (code: ProblemCodeOf<401> = 'UNAUTHORIZED', detail?: string) =>
  new ApiError({ code, detail, headers: { 'WWW-Authenticate': 'Bearer' } });
export const forbidden = (code: ProblemCodeOf<403> = 'FORBIDDEN', detail?: string) => new ApiError({ code, detail });
export const notFound = (code: ProblemCodeOf<404> = 'NOT_FOUND', detail?: string) => new ApiError({ code, detail });
export const conflict = (code: ProblemCodeOf<409>, detail?: string) => new ApiError({ code, detail });
export const preconditionFailed = (code: ProblemCodeOf<412> = 'PRECONDITION_FAILED', detail?: string) =>
  new ApiError({ code, detail });
export const unprocessable = (errors: FieldError[], code: ProblemCodeOf<422> = 'VALIDATION_FAILED', detail?: string) =>
  new ApiError({ code, detail: detail ?? 'The request did not pass validation.', errors });
export const tooManyRequests = (retryAfterSeconds: number, detail?: string) =>
  new ApiError({
    code: 'RATE_LIMITED',
    detail: detail ?? 'Too many requests; retry later.',
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
export const serviceUnavailable = (
  code: ProblemCodeOf<503> = 'DB_UNAVAILABLE',
  retryAfterSeconds = 5,
  detail?: string,
) =>
  new ApiError({
    code,
    detail: detail ?? 'The database is unavailable; retry shortly.',
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
