import { z } from '@hono/zod-openapi';
import { ALL_PROBLEM_CODES } from '../../lib/problem-codes';
import { defineRoute, jsonContent } from '../shared/openapi';

export const ProblemTypeSchema = z
  .object({
    code: z.enum(ALL_PROBLEM_CODES),
    status: z.int().min(400).max(599).openapi({ format: 'int32' }),
    title: z.string().max(100),
    description: z.string().max(1000),
    type: z
      .string()
      .max(300)
      .openapi({ format: 'uri', description: 'This page: the `type` of problems with this code.' }),
  })
  .openapi('ProblemType');

export const listProblemTypes = defineRoute({
  operationId: 'listProblemTypes',
  method: 'get',
  path: '/problems',
  tags: ['Problems'],
  summary: 'Every problem code the API answers with',
  description: 'The closed list of `code`s of problem responses, each with its status, title and explanation.',
  responses: {
    200: jsonContent(
      z.object({ data: z.array(ProblemTypeSchema).max(ALL_PROBLEM_CODES.length) }).openapi('ProblemTypeList'),
      'Every problem type',
    ),
  },
});

export const getProblemType = defineRoute(
  {
    operationId: 'getProblemType',
    method: 'get',
    path: '/problems/{code}',
    tags: ['Problems'],
    summary: 'What a problem code means',
    description: 'The `type` URL of every problem response points here: its status, title and what to do about it.',
    request: {
      params: z.object({
        code: z
          .string()
          .max(64)
          .regex(/^[A-Z][A-Z0-9_]*$/),
      }),
    },
    responses: { 200: jsonContent(ProblemTypeSchema, 'The problem type') },
  },
  ['NOT_FOUND'],
);
