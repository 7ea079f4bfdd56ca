import type { Viewer } from '../auth/viewer.js';

import type { Surface } from '../core/surface.js';


/** Who is calling, from where, through which surface: what the resolver needs of a request. */
export interface Caller {
  viewer: Viewer;
  /** The client's address as the HTTP layer sees it (honouring TRUST_PROXY). */
  clientAddress: string;
  surface: Surface;
  /**
   * When the request arrived (`performance.now()`): the call's deadline counts from here, so the
   * time spent asking an identity provider who the token names comes out of it. Unset: from now.
   */
  receivedAt?: number;
}
