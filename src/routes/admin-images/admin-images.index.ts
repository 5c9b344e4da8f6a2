import { createRouter } from '../../lib/router';
import { deleteHandler, reorderHandler, updateHandler, uploadHandler } from './admin-images.handlers';
import { deleteImage, reorderImages, updateImage, uploadImage } from './admin-images.routes';

export const adminImagesRouter = createRouter()
  .openapi(uploadImage, uploadHandler)
  .openapi(reorderImages, reorderHandler)
  .openapi(updateImage, updateHandler)
  .openapi(deleteImage, deleteHandler);
