export * from './types';
export { api, ApiError, apiToken, download, importErrorsURL, listExportURL, recordsExportURL, setApiToken, setFetch } from './client';
export type { Api } from './client';
