import type { Viewer } from '../auth/viewer.js';

export type Surface = 'rest' | 'graphql';

/** Who is calling, from where, through which surface: what the resolver needs of a request. */
export interface Caller {
  viewer: Viewer;
  /** The client's address as the HTTP layer sees it (honouring TRUST_PROXY). */
  clientAddress: string;
  surface: Surface;
}
