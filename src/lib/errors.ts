export interface FieldError {
  path: string;
  message: string;
}

export interface ApiErrorInit {
  status: number;
  code: string;
  title?: string;
  detail?: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
}

/** An error meant for the client: it becomes problem JSON with exactly these fields. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string | undefined;
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(init: ApiErrorInit) {
    super(init.detail ?? init.code);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail;
    this.errors = init.errors;
    this.headers = init.headers;
  }
}

export const badRequest = (code: string, detail?: string) => new ApiError({ status: 400, code, detail });
export const unauthorized = (code = 'UNAUTHORIZED', detail?: string) =>
  new ApiError({ status: 401, code, detail, headers: { 'WWW-Authenticate': 'Bearer' } });
export const forbidden = (code = 'FORBIDDEN', detail?: string) => new ApiError({ status: 403, code, detail });
export const notFound = (code = 'NOT_FOUND', detail?: string) => new ApiError({ status: 404, code, detail });
export const conflict = (code: string, detail?: string) => new ApiError({ status: 409, code, detail });
export const preconditionFailed = (code = 'PRECONDITION_FAILED', detail?: string) =>
  new ApiError({ status: 412, code, detail });
export const unprocessable = (errors: FieldError[], code = 'VALIDATION_FAILED', detail?: string) =>
  new ApiError({ status: 422, code, detail: detail ?? 'The request did not pass validation.', errors });
export const tooManyRequests = (retryAfterSeconds: number, detail?: string) =>
  new ApiError({
    status: 429,
    code: 'RATE_LIMITED',
    detail: detail ?? 'Too many requests; retry later.',
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
export const serviceUnavailable = (code = 'DB_UNAVAILABLE', retryAfterSeconds = 5, detail?: string) =>
  new ApiError({
    status: 503,
    code,
    detail: detail ?? 'The database is unavailable; retry shortly.',
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
