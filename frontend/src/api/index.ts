export * from './types';
export { api, ApiError, setFetch } from './client';
export type { Api } from './client';
