/** The features listings carry, shared by the dev seed and the benchmark's dataset. */
export const LISTING_FEATURES = [
  'garage',
  'garden',
  'pool',
  'balcony',
  'fireplace',
  'air conditioning',
  'elevator',
  'parking',
  'solar panels',
  'home office',
  'pets allowed',
  'furnished',
  'terrace',
  'sea view',
  'storage',
  'gym',
];
