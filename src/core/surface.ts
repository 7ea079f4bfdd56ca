/** The two ways in: Spree's REST path and the GraphQL mutation (a metrics label too). */
export type Surface = 'rest' | 'graphql';
