/** Schemas of the strategy results and dashboard routes: the query, and the documented shape of the answers. */
import { z } from 'zod';

const Instant = z.string().describe('ISO 8601 date (YYYY-MM-DD, midnight UTC) or date-time');

export const StrategyQuery = z.object({
  since: Instant.optional().describe('start of the window, inclusive; default 30 days before until'),
  until: Instant.optional().describe('end of the window, exclusive; default now'),
  champion: z
    .string()
    .regex(/^[a-z0-9_-]{1,40}$/, 'a variant name: lowercase letters, digits, _ and -')
    .optional()
    .describe('the champion variant (default "champion")'),
});

const num = z.number().nullable();
const Estimate = z.object({ value: num, lower: num, upper: num });
const Rate = Estimate.extend({ successes: z.number().int(), trials: z.number().int() });
const Metrics = z.object({
  accounts: z.number().int(),
  contactRate: Rate,
  rightPartyContactRate: Rate,
  promiseRate: Rate,
  keptRate: Rate.describe('kept of those promised'),
  cureRate: Rate,
  rollRate: Rate,
  recoveredPerAccount: Estimate.extend({ n: z.number().int(), sd: num, se: num }),
  recoveredPerContact: Estimate.extend({ numerator: z.number(), denominator: z.number(), n: z.number().int(), se: num }),
});
const Key = z.object({
  policyVersion: z.string(),
  variant: z.string().optional(),
  queue: z.string().optional(),
  bucket: z.string().optional(),
});
const Slice = z.object({
  groups: z.array(z.object({ key: Key, metrics: Metrics })),
  comparisons: z.array(z.object({ key: Key, champion: z.string(), challenger: z.string(), differences: z.record(z.string(), Estimate) })),
});

export const StrategyReportSchema = z.object({
  window: z.object({ since: z.string(), until: z.string() }),
  champion: z.string(),
  sources: z.object({
    assignments: z.number().int(),
    outcomes: z.number().int(),
    payments: z.number().int().nullable().describe('null: no servicing feed payment log'),
    cures: z.number().int().nullable(),
    judgements: z.number().int().nullable(),
  }),
  notes: z.array(z.string()),
  accounts: z.number().int(),
  overall: Slice,
  byBucket: Slice,
  byQueue: Slice,
  byQueueAndBucket: Slice,
});

export const DashboardSchema = z
  .object({
    generatedAt: z.string(),
    window: z.object({ since: z.string(), until: z.string() }),
    serving: z.object({
      champion: z.string().nullable(),
      challenger: z.string().nullable(),
      policyVersion: z.string(),
      drift: z
        .object({ model: z.string(), psi: num, scores: z.number().int(), minScores: z.number().int(), status: z.string() })
        .nullable(),
    }),
    worklists: z.record(z.string(), z.object({ ready: z.number().int(), waiting: z.number().int(), leased: z.number().int() })),
    accounts: z.object({
      accounts: z.number().int(),
      states: z.record(z.string(), z.record(z.string(), z.number().int())),
      blocked: z.object({
        accounts: z.number().int(),
        byReason: z.array(z.object({ reason: z.string(), accounts: z.number().int() })),
        sample: z.array(z.object({ accountId: z.string(), queue: z.string(), reasons: z.array(z.string()), updatedAt: num })),
      }),
      balances: z.array(z.object({ bucket: z.string(), accounts: z.number().int(), outstanding: z.number() })),
    }),
    strategy: StrategyReportSchema,
    ratesByDay: z.array(z.object({ day: z.string(), accounts: z.number().int(), rollRate: Rate, cureRate: Rate })),
    complianceBlocks: z.array(
      z.object({ reason: z.string(), assignments: z.number().int(), claims: z.number().int(), accounts: z.number().int() }),
    ),
    agents: z.array(
      z.object({
        collector: z.string(),
        worked: z.number().int(),
        contacts: z.number().int(),
        rightPartyContacts: z.number().int(),
        promises: z.number().int(),
        kept: z.number().int().nullable(),
      }),
    ),
  })
  .describe('every figure of the /dashboard page');
