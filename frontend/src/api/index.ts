export * from './types';
export { api, ApiError, apiToken, setApiToken, setFetch } from './client';
export type { Api } from './client';
