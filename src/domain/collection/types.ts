/** Vocabulary shared by the collection policy, the compliance gate and the worklists. */

export const CHANNELS = ['sms', 'app', 'email', 'call', 'field', 'legal_review'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Treatments a hardship account may receive: written or in-app, never a call or a visit. */
export const SOFT_CHANNELS: readonly Channel[] = ['sms', 'app', 'email'];

export const QUEUES = ['digital', 'call', 'field', 'legal'] as const;
export type Queue = (typeof QUEUES)[number];

/** Account-level flags. Any source may set them: the lender's snapshot or an outcome (cease, dispute). */
export interface AccountFlags {
  doNotContact?: boolean;
  dispute?: boolean;
  bankruptcy?: boolean;
  deceased?: boolean;
  hardship?: boolean;
  cease?: boolean;
}

export const DAY_MS = 86_400_000;
