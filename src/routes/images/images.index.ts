import { createRouter } from '../../lib/router';
import { getImageHandler } from './images.handlers';
import { getImage } from './images.routes';

export const imagesRouter = createRouter().openapi(getImage, getImageHandler);
