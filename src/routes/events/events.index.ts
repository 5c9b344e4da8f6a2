import { createRouter } from '../../lib/router';
import { recordEventsHandler } from './events.handlers';
import { recordEventsRoute } from './events.routes';

export const eventsRouter = createRouter().openapi(recordEventsRoute, recordEventsHandler);
