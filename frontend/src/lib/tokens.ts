// Personalisation tokens in email and message texts: {{contact.first_name | default "there"}}.
// The engine renders a token whose value is missing as nothing ("Hi ,"); the panel warns about
// tokens that could be missing and have no default.

export interface Token {
  /** The whole token as written. */
  raw: string;
  /** The value's path ("contact.first_name"). */
  path: string;
  /** The default after `| default "…"`, if any. */
  fallback?: string;
}

const TOKEN = /\{\{\s*([^}]*?)\s*\}\}/g;

/** Every token of a text, in order. */
export function tokensOf(text: string | undefined): Token[] {
  const out: Token[] = [];
  for (const m of (text ?? '').matchAll(TOKEN)) {
    const [path, ...filters] = m[1].split('|').map((x) => x.trim());
    const def = filters.map((f) => /^default\s+"((?:[^"\\]|\\.)*)"$/.exec(f)).find(Boolean);
    out.push({ raw: m[0], path, ...(def ? { fallback: def[1] } : {}) });
  }
  return out;
}

/** Paths whose value a record or event may not have (workflow.* is always there). */
function mayBeMissing(path: string): boolean {
  return /^(contact|record|event|owner)\./.test(path);
}

/** Tokens that render as nothing when the record lacks the value (no default), once each. */
export function tokensWithoutDefault(...texts: (string | undefined)[]): Token[] {
  const seen = new Set<string>();
  const out: Token[] = [];
  for (const t of texts.flatMap((x) => tokensOf(x))) {
    if (t.fallback !== undefined || !mayBeMissing(t.path) || seen.has(t.path)) continue;
    seen.add(t.path);
    out.push(t);
  }
  return out;
}

/** The text as a record without any of the values would get it ("Hi ,"). */
export function previewWithoutValues(text: string | undefined): string {
  return (text ?? '').replace(TOKEN, (_, inner: string) => {
    const t = tokensOf(`{{${inner}}}`)[0];
    if (t.fallback !== undefined) return t.fallback;
    return mayBeMissing(t.path) ? '' : `[${t.path}]`;
  });
}
