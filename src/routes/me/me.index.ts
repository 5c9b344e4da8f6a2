import { createRouter } from '../../lib/router';
import {
  changePasswordHandler,
  endSessionHandler,
  getMeHandler,
  listSessionsHandler,
  patchMeHandler,
} from './me.handlers';
import { changePassword, endSession, getMe, listSessions, patchMe } from './me.routes';

export const meRouter = createRouter()
  .openapi(getMe, getMeHandler)
  .openapi(patchMe, patchMeHandler)
  .openapi(changePassword, changePasswordHandler)
  .openapi(listSessions, listSessionsHandler)
  .openapi(endSession, endSessionHandler);
