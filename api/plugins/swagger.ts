// OpenAPI document generated from the route schemas, served at /docs.
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';

export default fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Tarkhees API',
        description: 'Business-license applications of the municipality: submit, follow, correct and review.',
        version: '0.1.0',
      },
      tags: [
        { name: 'applications', description: 'Submitting and following license applications' },
        { name: 'reviews', description: 'Health and technical review decisions' },
        { name: 'licenses', description: 'Public license verification' },
        { name: 'offices', description: 'Service offices, their accreditation and rounds' },
        { name: 'api keys', description: "Keys for an office's own software" },
        { name: 'tasks', description: "The reviewer workbench: the inbox, claiming, deciding; comments on a case" },
        { name: 'reports', description: "The municipality's figures and the offices' performance, as JSON or CSV" },
        { name: 'audit', description: 'Who did what; who am I' },
        { name: 'operations', description: 'Health of the service' },
        { name: 'agencies', description: "The Labor Office's and Zakat & Income's reports against an establishment, signed by the agency" },
        { name: 'fees', description: 'The fee schedule: what a license and its renewal cost' },
        { name: 'payments', description: "The payment gateway's signed notifications, mismatches held for an administrator, the days reconciled" },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A token from the configured issuer (AUTH_ISSUER)' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: "An office's API key" },
          agencySignature: {
            type: 'apiKey',
            in: 'header',
            name: 'X-Signature',
            description: "An agency's HMAC-SHA256 (hex) with its own secret over `<X-Timestamp>.<raw body>`, with X-Agency and X-Timestamp (Unix seconds)",
          },
          gatewaySignature: {
            type: 'apiKey',
            in: 'header',
            name: 'X-Signature',
            description: "The payment gateway's HMAC-SHA256 (hex) with the shared secret over `<X-Timestamp>.<raw body>`, with X-Timestamp (Unix seconds)",
          },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
});
