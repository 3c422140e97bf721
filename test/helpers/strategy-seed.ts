/**
 * A small outcome history written straight into a test prefix's streams, in the fields the
 * collection service (audit, outcome stream) and the servicing feed (payment log, cure and promise
 * audit entries) write, with the figures it must give worked out by hand in the tests.
 *
 * Window: May 2026. Policy 2026.1, one assignment each on May 10 (bucket 31-60).
 * champion (queue call), 5 accounts:
 *   c1 no_answer, contacted, promise (kept), paid 100, cured
 *   c2 no_answer x2, re-assigned on May 20 in 61-90 (rolled)
 *   c3 wrong_number
 *   c4 promise (broken), paid 30
 *   c5 nothing in the window (a payment on May 5, before it entered, does not count)
 * challenger (queue digital), 4 accounts:
 *   h1 contacted, promise (kept), paid 200, cured
 *   h2 promise (kept), paid 50, cured
 *   h3 no_answer
 *   h4 contacted
 * Left out: x1 (assigned in April), an outcome for h3 on June 2 (after the window).
 */
import type { Redis } from 'ioredis';
import type { CollectionKeys } from '../../src/collection/keys.js';
import { paymentsKey } from '../../src/collection/strategy-results.js';

export const WINDOW = { since: '2026-05-01', until: '2026-06-01' };
export const POLICY = '2026.1';
const t = (iso: string) => Date.parse(iso);

function flat(o: Record<string, string | number>): string[] {
  return Object.entries(o).flatMap(([k, v]) => [k, String(v)]);
}

export async function seedHistory(redis: Redis, keys: CollectionKeys, opts: { feed: boolean }): Promise<void> {
  const pipe = redis.pipeline();
  const audit = (o: Record<string, string | number>) => pipe.xadd(keys.audit, '*', ...flat(o));
  const assign = (accountId: string, at: string, variant: string, queue: string, bucket: string, reasons: string[] = []) =>
    audit({
      at: t(at),
      event: 'assign',
      model: 'tiny/1',
      policy: POLICY,
      state: reasons.length ? 'blocked' : 'queued',
      accountId,
      asOf: at.slice(0, 10),
      variant,
      inputsHash: 'x',
      pd: 0.4,
      priority: 100,
      decision: JSON.stringify({
        plan: 'queued',
        queue,
        channel: queue === 'call' ? 'call' : 'sms',
        cadenceDays: 3,
        tier: 'medium',
        bucket,
      }),
      reasons: JSON.stringify(reasons),
    });
  const outcome = (accountId: string, at: string, o: string, variant: string, queue: string, collector: string) =>
    pipe.xadd(
      keys.outcomes,
      '*',
      ...flat({
        at: t(at),
        accountId,
        asOf: '2026-05-10',
        outcome: o,
        ...(o === 'promise_to_pay' ? { amount: 100, date: '2026-05-20' } : {}),
        collector,
        reportedBy: collector,
        agency: 'self',
        queue,
        channel: queue === 'call' ? 'call' : 'sms',
        variant,
        model: 'tiny/1',
        policy: POLICY,
        decisionPolicy: POLICY,
        pd: 0.4,
        dpd: 45,
        outstanding: 1000,
        tier: 'medium',
      }),
    );
  const payment = (accountId: string, paidAt: string, amount: number, variant: string) =>
    pipe.xadd(
      paymentsKey(keys),
      '*',
      ...flat({
        at: t(paidAt) + 3_600_000,
        eventId: `e-${accountId}-${paidAt}`,
        paymentId: `p-${accountId}-${paidAt}`,
        accountId,
        amount,
        currency: 'USD',
        paidAt,
        day: paidAt.slice(0, 10),
        channel: 'card',
        treatment: '',
        variant,
        policy: POLICY,
        model: 'tiny/1',
        lastContactAt: '',
        lastContactChannel: '',
        msBeforePayment: '',
      }),
    );
  const cure = (accountId: string, at: string) =>
    audit({ at: t(at), event: 'cure', cause: 'cured', accountId, asOf: at.slice(0, 10), balance: 0, arrears: 0, source: 'servicing_feed' });
  const judged = (accountId: string, at: string, status: string) =>
    audit({
      at: t(at),
      event: 'promise_judged',
      accountId,
      promiseId: `pr-${accountId}`,
      kind: 'promise',
      status,
      received: 0,
      next: 'resolved',
    });

  assign('x1', '2026-04-28T12:00:00Z', 'champion', 'call', '31-60');
  for (const id of ['c1', 'c2', 'c3', 'c4', 'c5']) assign(id, '2026-05-10T12:00:00Z', 'champion', 'call', '31-60');
  for (const id of ['h1', 'h2', 'h3', 'h4']) assign(id, '2026-05-10T12:00:00Z', 'challenger', 'digital', '31-60');
  assign('c2', '2026-05-20T12:00:00Z', 'champion', 'call', '61-90');
  // A blocked assignment and a refused claim, for the compliance panel (x2 enters the champion cohort in June: outside).
  assign('x2', '2026-06-03T12:00:00Z', 'champion', 'call', '31-60', ['DO_NOT_CONTACT']);
  audit({
    at: t('2026-05-11T03:00:00Z'),
    event: 'claim_blocked',
    accountId: 'c3',
    asOf: '2026-05-10',
    model: 'tiny/1',
    policy: POLICY,
    decisionPolicy: POLICY,
    variant: 'champion',
    decision: '{}',
    reasons: JSON.stringify(['INCONVENIENT_TIME']),
  });

  const c = (id: string, at: string, o: string, who = 'alice') => outcome(id, at, o, 'champion', 'call', who);
  const h = (id: string, at: string, o: string, who = 'bob') => outcome(id, at, o, 'challenger', 'digital', who);
  c('x1', '2026-05-11T15:00:00Z', 'contacted');
  c('c1', '2026-05-11T15:00:00Z', 'no_answer');
  c('c1', '2026-05-12T15:00:00Z', 'contacted');
  c('c1', '2026-05-13T15:00:00Z', 'promise_to_pay');
  c('c2', '2026-05-11T15:00:00Z', 'no_answer');
  c('c2', '2026-05-14T15:00:00Z', 'no_answer');
  c('c3', '2026-05-11T15:00:00Z', 'wrong_number', 'carol');
  c('c4', '2026-05-11T15:00:00Z', 'promise_to_pay', 'carol');
  h('h1', '2026-05-11T15:00:00Z', 'contacted');
  h('h1', '2026-05-12T15:00:00Z', 'promise_to_pay');
  h('h2', '2026-05-11T15:00:00Z', 'promise_to_pay');
  h('h3', '2026-05-11T15:00:00Z', 'no_answer');
  h('h3', '2026-06-02T15:00:00Z', 'contacted');
  h('h4', '2026-05-11T15:00:00Z', 'contacted');

  if (opts.feed) {
    payment('c5', '2026-05-05T10:00:00Z', 999, 'champion');
    payment('c1', '2026-05-18T10:00:00Z', 100, 'champion');
    payment('c4', '2026-05-19T10:00:00Z', 30, 'champion');
    payment('h1', '2026-05-18T10:00:00Z', 150, 'challenger');
    payment('h1', '2026-05-25T10:00:00Z', 50, 'challenger');
    payment('h2', '2026-05-18T10:00:00Z', 50, 'challenger');
    cure('c1', '2026-05-18T11:00:00Z');
    cure('h1', '2026-05-25T11:00:00Z');
    cure('h2', '2026-05-18T11:00:00Z');
    judged('c1', '2026-05-21T00:00:00Z', 'kept');
    judged('c4', '2026-05-21T00:00:00Z', 'broken');
    judged('h1', '2026-05-21T00:00:00Z', 'kept');
    judged('h2', '2026-05-21T00:00:00Z', 'kept');
  }

  // Current account hashes and worklist sets, for the dashboard's account panels.
  const acct = (id: string, f: Record<string, string | number>) => pipe.hset(keys.account(id), f);
  acct('c2', { state: 'queued', queue: 'call', bucket: '61-90', outstanding: 1200.5, updatedAt: t('2026-05-20T12:00:00Z') });
  acct('c3', { state: 'queued', queue: 'call', bucket: '31-60', outstanding: 800, updatedAt: t('2026-05-20T12:00:00Z') });
  acct('h3', { state: 'queued', queue: 'digital', bucket: '31-60', outstanding: 400.25, updatedAt: t('2026-05-20T12:00:00Z') });
  acct('c1', { state: 'resolved', queue: 'call', bucket: '31-60', outstanding: 0, updatedAt: t('2026-05-18T11:00:00Z') });
  acct('x2', {
    state: 'blocked',
    queue: 'call',
    bucket: '31-60',
    outstanding: 300,
    blockReasons: JSON.stringify([{ code: 'DO_NOT_CONTACT', message: 'do not contact', until: null }]),
    updatedAt: t('2026-06-03T12:00:00Z'),
  });
  pipe.zadd(keys.ready('call'), 10, 'c2', 5, 'c3');
  pipe.zadd(keys.waiting('digital'), t('2026-06-10T00:00:00Z'), 'h3');
  await pipe.exec();
}
