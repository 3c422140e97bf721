/**
 * Mounts the BullMQ dashboard (@bull-board) at /admin/queues, admin role only. bull-board and
 * @fastify/static declare their routes without our `config.role`, which the auth plugin refuses,
 * so they are registered in a context whose `route` adds it: every route under the board needs an
 * admin key. (A browser cannot send x-api-key by itself: open the board through a proxy that adds
 * it, or with ARREARS_AUTH_DISABLED=true on a laptop.)
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance, RouteOptions } from 'fastify';

export async function registerQueueBoard(app: FastifyInstance, queues: readonly Queue[], basePath = '/admin/queues'): Promise<void> {
  const adapter = new FastifyAdapter();
  adapter.setBasePath(basePath);
  // package.json pins @bull-board/api 9.10.2 but @bull-board/fastify 9.10.1 nests its own 9.10.1:
  // the same shapes with separate private declarations, so only the types disagree.
  type ServerAdapter = Parameters<typeof createBullBoard>[0]['serverAdapter'];
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter as unknown as ServerAdapter });
  await app.register(async (scope) => {
    const route = scope.route;
    // Child contexts inherit this through their prototype, so @fastify/static's routes get it too.
    scope.route = function (this: FastifyInstance, o: RouteOptions) {
      return route.call(this, { ...o, config: { ...(o.config as object), role: 'admin' } });
    } as typeof scope.route;
    await scope.register(adapter.registerPlugin(), { prefix: basePath });
  });
}
