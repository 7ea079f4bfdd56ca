import type { Viewer } from '../auth/viewer.js';
import { storedCustomerFor } from '../resolvers/customers.js';
import { builder } from './builder.js';

export const ViewerRef = builder.objectRef<Viewer>('Viewer').implement({
  description: 'The caller, as the bearer token names them.',
  fields: (t) => ({
    signedIn: t.boolean({ resolve: (viewer) => viewer.kind === 'user' }),
    userId: t.string({ nullable: true, resolve: (viewer) => (viewer.kind === 'user' ? viewer.userId : null) }),
    email: t.string({ nullable: true, resolve: (viewer) => (viewer.kind === 'user' ? (viewer.email ?? null) : null) }),
    name: t.string({ nullable: true, resolve: (viewer) => (viewer.kind === 'user' ? (viewer.name ?? null) : null) }),
    stripeCustomerId: t.string({
      nullable: true,
      description: 'The stored Stripe customer, if any; reading it never creates one.',
      resolve: async (viewer, _args, { services }) => (await storedCustomerFor(services, viewer)) ?? null,
    }),
  }),
});

builder.queryField('viewer', (t) => t.field({ type: ViewerRef, resolve: (_root, _args, { caller }) => caller.viewer }));
