import { createRouter } from '../../lib/router';
import { adminImagesRouter } from '../admin-images/admin-images.index';
import { adminPropertiesRouter } from '../admin-properties/admin-properties.index';
import { imagesRouter } from '../images/images.index';
import { propertiesRouter } from './properties.index';

/** Listings and photos, public and admin: mounted with one line in routes/index.ts. */
export const listingsRouter = createRouter()
  .route('/', propertiesRouter)
  .route('/', imagesRouter)
  .route('/', adminPropertiesRouter)
  .route('/', adminImagesRouter);
