import type { Viewer } from '../auth/viewer.js';
import type { GatewayServices } from '../resolvers/services.js';

export interface GraphQLContext {
  viewer: Viewer;
  services: GatewayServices;
}
