// The email template routes and the event catalogue (docs/api.md, "Email templates" and
// "Event catalogue"), kept apart from client.ts so the screens that use them own them.
import { request } from './client';

export interface TemplateUser {
  id: string;
  name: string;
  steps: string[];
  live: boolean;
}

export interface EmailTemplate {
  name: string;
  subject: string;
  preheader: string;
  body_html: string;
  body_text: string;
  /** body_text was generated from body_html (and is made again at every save). */
  text_generated: boolean;
  created_at: string;
  updated_at: string;
  used_by?: TemplateUser[];
}

/** What a save sends: body_text "" has the text part generated. */
export interface EmailTemplateInput {
  name: string;
  subject: string;
  preheader: string;
  body_html: string;
  body_text: string;
}

/** One problem of a refused template save (details.problems of invalid_template). */
export interface TemplateProblem {
  field: string;
  message: string;
  token?: string;
  line?: number;
  column?: number;
}

export interface EmailContent {
  subject: string;
  preheader?: string;
  body_html?: string;
  body_text?: string;
}

/** What a preview or test send renders and for whom. */
export interface EmailSample {
  template?: string;
  content?: EmailContent;
  record_id?: number;
  event_type?: string;
  workflow_id?: string;
}

export interface MissingToken {
  token: string;
  ref: string;
  part: string;
}

export interface EmailPreview {
  subject: string;
  html: string;
  text: string;
  marked: { subject: string; preheader: string; html: string; text: string };
  missing: MissingToken[];
}

export interface TestSendResult {
  delivery: 'sent' | 'outbox';
  to: string;
  outbox_id?: number;
  message_id?: string;
  response?: string;
}

export interface CatalogueField {
  path: string;
  type: string;
  description: string;
  /** Found in a stored payload rather than documented. */
  seen?: boolean;
}

export interface CatalogueEntry {
  type: string;
  source: string;
  label: string;
  description: string;
  properties: CatalogueField[];
  last_seen?: string;
}

export interface CatalogueSource {
  id: string;
  label: string;
}

/** A scope value the latest events of a type carried: GET /api/events/scopes. */
export interface SeenScope {
  key: string;
  value: string;
  /** from the payload (a webinar's title, a funnel's name) or the endpoint's name */
  name?: string;
  count: number;
  last_seen: string;
}

export interface Catalogue {
  events: CatalogueEntry[];
  sources: CatalogueSource[];
}

const tp = (name: string) => '/api/email-templates/' + encodeURIComponent(name);

export const templatesApi = {
  list: async () => (await request<{ templates: EmailTemplate[] }>('GET', '/api/email-templates')).data.templates,
  get: async (name: string) => (await request<EmailTemplate>('GET', tp(name))).data,
  create: async (t: EmailTemplateInput) => (await request<EmailTemplate>('POST', '/api/email-templates', { body: t })).data,
  update: async (t: EmailTemplateInput) => (await request<EmailTemplate>('PUT', tp(t.name), { body: t })).data,
  remove: async (name: string) => {
    await request<null>('DELETE', tp(name));
  },
  duplicate: async (name: string, copy?: string) => (await request<EmailTemplate>('POST', tp(name) + '/duplicate', { body: copy ? { name: copy } : {} })).data,
  preview: async (s: EmailSample, signal?: AbortSignal) => (await request<EmailPreview>('POST', '/api/email-templates/preview', { body: s, signal })).data,
  testSend: async (s: EmailSample & { to: string }) => (await request<TestSendResult>('POST', '/api/email-templates/test-send', { body: s })).data,
  catalogue: async () => (await request<Catalogue>('GET', '/api/events/catalogue')).data,
  scopes: async (type: string) => (await request<{ scopes: SeenScope[] }>('GET', '/api/events/scopes?type=' + encodeURIComponent(type))).data.scopes,
};
