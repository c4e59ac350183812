// The email template editor's logic: what the visual editor can keep, the draft and its
// changes, and the problems of a refused save by field. Pure.
import type { EmailTemplate, EmailTemplateInput, TemplateProblem, TemplateUser } from '../api/templates';

/**
 * Why the visual editor would lose part of an HTML body ("" when it keeps all of it): it keeps
 * paragraphs, headings, lists, quotes, links, bold and italic, but not a document's head,
 * tables, inline styles, images or comments (an email layout). Such a body is edited as HTML.
 */
export function visualEditorLoss(html: string): string {
  if (/<(html|head|body)\b/i.test(html)) return 'it is a whole HTML document (a layout)';
  if (/<table\b/i.test(html)) return 'it has tables';
  if (/\sstyle\s*=/i.test(html)) return 'it has inline styles';
  if (/<img\b/i.test(html)) return 'it has images';
  if (/<!--/.test(html)) return 'it has comments';
  if (/<(div|span|center|font|style|section)\b/i.test(html)) return 'it has layout elements';
  return '';
}

/** What a save sends for a draft: the hand-written text, or "" to have it generated. */
export function saveInput(d: TemplateDraft): EmailTemplateInput {
  return { name: d.name, subject: d.subject, preheader: d.preheader, body_html: d.body_html, body_text: d.textByHand ? d.body_text : '' };
}

export interface TemplateDraft {
  name: string;
  subject: string;
  preheader: string;
  body_html: string;
  body_text: string;
  /** The text part is written by hand (else generated from the HTML at save). */
  textByHand: boolean;
}

export function draftOf(t: EmailTemplate): TemplateDraft {
  return { name: t.name, subject: t.subject, preheader: t.preheader ?? '', body_html: t.body_html, body_text: t.body_text, textByHand: !t.text_generated && t.body_text !== '' };
}

/** Whether a draft differs from the stored template (what a save would change). */
export function isDirty(d: TemplateDraft, t: EmailTemplate): boolean {
  const a = saveInput(d);
  const b = saveInput(draftOf(t));
  return a.subject !== b.subject || a.preheader !== b.preheader || a.body_html !== b.body_html || a.body_text !== b.body_text;
}

/** The problems of a refused save, by field (name, subject, preheader, body_html, body_text). */
export function problemsByField(problems: TemplateProblem[]): Record<string, TemplateProblem[]> {
  const out: Record<string, TemplateProblem[]> = {};
  for (const p of problems) (out[p.field] ??= []).push(p);
  return out;
}

/** A problem as a line: the message, with where it is when it has a position. */
export function problemText(p: TemplateProblem): string {
  return p.line ? `${p.message} (line ${p.line}, column ${p.column})` : p.message;
}

/** A name for a new template from a title: "Webinar replay!" -> "webinar-replay". */
export function slug(title: string): string {
  return title.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
}

/** What saving changes for the live workflows that send the template: they read it at each
 * send, so a save changes their next emails at once (empty when no live workflow sends it). */
export function liveUseWarning(users: TemplateUser[] | undefined): string {
  const live = (users ?? []).filter((u) => u.live).map((u) => `“${u.name}”`);
  if (!live.length) return '';
  const names = live.length === 1 ? live[0] : `${live.slice(0, -1).join(', ')} and ${live[live.length - 1]}`;
  return `Saving changes the next emails ${live.length === 1 ? 'of the live workflow' : 'of the live workflows'} ${names} at once.`;
}
