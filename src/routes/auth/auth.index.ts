import { createRouter } from '../../lib/router';
import { noStore } from '../../middleware/no-store';
import { loginHandler, logoutHandler, refreshHandler, registerHandler } from './auth.handlers';
import { login, logout, refresh, register } from './auth.routes';

const router = createRouter();
router.use('/v1/auth/*', noStore());

export const authRouter = router
  .openapi(register, registerHandler)
  .openapi(login, loginHandler)
  .openapi(refresh, refreshHandler)
  .openapi(logout, logoutHandler);
