import { createRouter } from '../../lib/router';
import {
  createUserHandler,
  endUserSessionsHandler,
  listUsersHandler,
  unlockUserHandler,
  updateUserHandler,
} from './admin-users.handlers';
import { createUser, endUserSessions, listUsers, unlockUser, updateUser } from './admin-users.routes';

export const adminUsersRouter = createRouter()
  .openapi(listUsers, listUsersHandler)
  .openapi(createUser, createUserHandler)
  .openapi(updateUser, updateUserHandler)
  .openapi(unlockUser, unlockUserHandler)
  .openapi(endUserSessions, endUserSessionsHandler);
