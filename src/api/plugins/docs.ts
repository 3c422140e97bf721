/**
 * OpenAPI at /docs (UI) and /docs/json, generated from the routes' zod schemas. The scoring bodies
 * are documented with the feature schema of the champion serving when the document is first
 * requested, so the docs list the bundle's real feature names and types. Every documented route
 * must carry a unique `schema.operationId` (generated clients name their methods after it): the
 * app refuses to start otherwise, as it does for a route without a role.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { createJsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scoreRequestSchema } from '../schemas.js';

export default fp(
  async (app, opts: { batchMax: number }) => {
    const operationIds = new Map<string, string>();
    app.addHook('onRoute', (route) => {
      // HEAD routes are Fastify's copies of GET routes, and undocumented.
      if (route.schema?.hide || route.method === 'HEAD') return;
      const id = route.schema?.operationId;
      const where = `${String(route.method)} ${route.url}`;
      if (typeof id !== 'string' || !id) throw new Error(`route ${where} declares no schema.operationId`);
      const taken = operationIds.get(id);
      if (taken && taken !== where) throw new Error(`route ${where} reuses the operationId "${id}" of ${taken}`);
      operationIds.set(id, where);
    });
    const base = createJsonSchemaTransform({ skipList: [] });
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'arrears scoring API',
          version: '1',
          description:
            'Probability of default, points, risk tier and reason codes for overdue borrowers. Send an API key in `x-api-key` (or `Authorization: Bearer`). Errors: `{ error: { code, message, details: [{ path, issue }] } }` with the codes listed in docs/api.md ("Errors").',
        },
        components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } } },
        security: [{ apiKey: [] }],
      },
      transform: (doc) => {
        const slot = app.models.champion;
        const url = doc.url;
        if (slot && doc.schema && (url === '/v1/scores' || url === '/v1/_bench/noop' || url === '/v1/scores/batch')) {
          const one = scoreRequestSchema(slot.features);
          const body = url === '/v1/scores/batch' ? z.object({ items: z.array(one).min(1).max(opts.batchMax) }) : one;
          return base({ ...doc, schema: { ...doc.schema, body } });
        }
        return base(doc);
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'arrears-docs', dependencies: ['arrears-auth', 'arrears-models'] },
);
