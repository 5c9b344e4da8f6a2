import { createRouter } from '../../lib/router';
import { noStore } from '../../middleware/no-store';
import {
  changePasswordHandler,
  endSessionHandler,
  getMeHandler,
  listSessionsHandler,
  patchMeHandler,
} from './me.handlers';
import { changePassword, endSession, getMe, listSessions, patchMe } from './me.routes';

export const meRouter = createRouter();
// Also matches /v1/me itself.
meRouter.use('/v1/me/*', noStore());
meRouter
  .openapi(getMe, getMeHandler)
  .openapi(patchMe, patchMeHandler)
  .openapi(changePassword, changePasswordHandler)
  .openapi(listSessions, listSessionsHandler)
  .openapi(endSession, endSessionHandler);
