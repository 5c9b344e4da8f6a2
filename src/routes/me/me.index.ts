import { createRouter } from '../../lib/router';
import { noStore } from '../../middleware/no-store';
import {
  changePasswordHandler,
  endSessionHandler,
  getMeHandler,
  listSessionsHandler,
  patchMeHandler,
  requestEmailVerificationHandler,
} from './me.handlers';
import { changePassword, endSession, getMe, listSessions, patchMe, requestEmailVerification } from './me.routes';

const router = createRouter();
// Also matches /v1/me itself.
router.use('/v1/me/*', noStore());

export const meRouter = router
  .openapi(getMe, getMeHandler)
  .openapi(patchMe, patchMeHandler)
  .openapi(changePassword, changePasswordHandler)
  .openapi(listSessions, listSessionsHandler)
  .openapi(endSession, endSessionHandler)
  .openapi(requestEmailVerification, requestEmailVerificationHandler);
