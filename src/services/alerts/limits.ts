/** The most listings one digest email names; the rest are counted and linked to. */
export const DIGEST_MAX_LISTINGS = 20;
