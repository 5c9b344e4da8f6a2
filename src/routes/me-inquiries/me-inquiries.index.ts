import { createRouter } from '../../lib/router';
import { noStore } from '../../middleware/no-store';
import { listMyInquiriesHandler } from './me-inquiries.handlers';
import { listMyInquiriesRoute } from './me-inquiries.routes';

const router = createRouter();
router.use('/v1/me/inquiries', noStore());

export const meInquiriesRouter = router.openapi(listMyInquiriesRoute, listMyInquiriesHandler);
