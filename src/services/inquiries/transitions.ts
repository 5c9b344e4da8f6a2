import type { InquiryStatus } from '../../db/enums';

/** The contract's state machine; spam and closed are final. */
const NEXT: Record<InquiryStatus, readonly InquiryStatus[]> = {
  new: ['contacted', 'spam', 'closed'],
  contacted: ['qualified', 'closed'],
  qualified: ['closed'],
  spam: [],
  closed: [],
};

export function canTransition(from: InquiryStatus, to: InquiryStatus): boolean {
  return NEXT[from].includes(to);
}

export function allowedNext(from: InquiryStatus): readonly InquiryStatus[] {
  return NEXT[from];
}
