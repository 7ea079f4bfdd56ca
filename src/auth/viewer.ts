/** Who is calling: a user named by a verified bearer token, or a guest. */
export type Viewer =
  | { kind: 'user'; userId: string; email: string | undefined; name: string | undefined }
  | { kind: 'guest' };

export const GUEST: Viewer = { kind: 'guest' };

/** A caller named by a verified bearer token. */
export type SignedIn = Extract<Viewer, { kind: 'user' }>;
