// What a test run left on the record and on its linked records: each property with its value
// after the run, and whether the run changed it (the value before it, when there was one).

export interface AfterProperty {
  key: string;
  value: unknown;
  /** The value before the run (absent: the property is new). */
  before?: unknown;
  changed: boolean;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Every property after the run, the changed ones first (each group by name). */
export function afterProperties(before: Record<string, unknown> | undefined, after: Record<string, unknown>): AfterProperty[] {
  const rows = Object.keys(after).sort().map((key): AfterProperty => {
    const had = before !== undefined && Object.prototype.hasOwnProperty.call(before, key);
    return { key, value: after[key], ...(had ? { before: before![key] } : {}), changed: before !== undefined && (!had || !same(before![key], after[key])) };
  });
  return [...rows.filter((r) => r.changed), ...rows.filter((r) => !r.changed)];
}

/** How a linked record is named: its name, domain or email, else "#id". */
export function recordName(id: number, props: Record<string, unknown>): string {
  for (const k of ['name', 'domain', 'email']) {
    if (typeof props[k] === 'string' && props[k]) return props[k] as string;
  }
  const full = [props.first_name, props.last_name].filter((x) => typeof x === 'string' && x).join(' ');
  return full || `#${id}`;
}

/** A property's value in a line. */
export function showValue(v: unknown): string {
  if (v === null || v === undefined) return '(empty)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}
