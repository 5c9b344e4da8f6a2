import { createRouter } from '../../lib/router';
import { noStore } from '../../middleware/no-store';
import {
  confirmPasswordResetHandler,
  loginHandler,
  logoutHandler,
  refreshHandler,
  registerHandler,
  requestPasswordResetHandler,
  verifyEmailHandler,
} from './auth.handlers';
import {
  confirmPasswordReset,
  login,
  logout,
  refresh,
  register,
  requestPasswordReset,
  verifyEmail,
} from './auth.routes';

const router = createRouter();
router.use('/v1/auth/*', noStore());

export const authRouter = router
  .openapi(register, registerHandler)
  .openapi(login, loginHandler)
  .openapi(refresh, refreshHandler)
  .openapi(logout, logoutHandler)
  .openapi(requestPasswordReset, requestPasswordResetHandler)
  .openapi(confirmPasswordReset, confirmPasswordResetHandler)
  .openapi(verifyEmail, verifyEmailHandler);
