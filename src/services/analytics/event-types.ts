/** What POST /v1/events accepts from browsers; server-side events (inquiry_submitted, auth) are not on it. */
export const CLIENT_EVENT_TYPES = [
  'property_view',
  'search',
  'listing_share',
  'contact_click',
  'photo_view',
  'map_open',
] as const;

export type ClientEventType = (typeof CLIENT_EVENT_TYPES)[number];
