import { createRouter } from '../../lib/router';
import { noStore } from '../../middleware/no-store';
import {
  createUserHandler,
  endUserSessionsHandler,
  listUsersHandler,
  unlockUserHandler,
  updateUserHandler,
} from './admin-users.handlers';
import { createUser, endUserSessions, listUsers, unlockUser, updateUser } from './admin-users.routes';

const router = createRouter();
// Also matches /v1/admin/users itself.
router.use('/v1/admin/users/*', noStore());

export const adminUsersRouter = router
  .openapi(listUsers, listUsersHandler)
  .openapi(createUser, createUserHandler)
  .openapi(updateUser, updateUserHandler)
  .openapi(unlockUser, unlockUserHandler)
  .openapi(endUserSessions, endUserSessionsHandler);
