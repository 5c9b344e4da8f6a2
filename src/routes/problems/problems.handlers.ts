import { notFound } from '../../lib/errors';
import {
  ALL_PROBLEM_CODES,
  isProblemCode,
  PROBLEM_CODES,
  type ProblemCode,
  problemTypePath,
} from '../../lib/problem-codes';
import type { AppRouteHandler, RequestContext } from '../shared/request-context';
import type { getProblemType, listProblemTypes } from './problems.routes';

// The list is part of the deployment: it changes only with a release.
const CACHE_CONTROL = 'public, max-age=3600';

function problemType(c: RequestContext, code: ProblemCode) {
  const { status, title, description } = PROBLEM_CODES[code];
  return { code, status, title, description, type: `${new URL(c.req.url).origin}${problemTypePath(code)}` };
}

export const listProblemTypesHandler: AppRouteHandler<typeof listProblemTypes> = (c) => {
  c.header('Cache-Control', CACHE_CONTROL);
  return c.json({ data: ALL_PROBLEM_CODES.map((code) => problemType(c, code)) }, 200);
};

export const getProblemTypeHandler: AppRouteHandler<typeof getProblemType> = (c) => {
  const { code } = c.req.valid('param');
  if (!isProblemCode(code)) throw notFound('NOT_FOUND', `There is no problem code ${code}.`);
  c.header('Cache-Control', CACHE_CONTROL);
  return c.json(problemType(c, code), 200);
};
