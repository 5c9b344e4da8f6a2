import { createRouter } from '../../lib/router';
import { getProblemTypeHandler, listProblemTypesHandler } from './problems.handlers';
import { getProblemType, listProblemTypes } from './problems.routes';

export const problemsRouter = createRouter()
  .openapi(listProblemTypes, listProblemTypesHandler)
  .openapi(getProblemType, getProblemTypeHandler);
