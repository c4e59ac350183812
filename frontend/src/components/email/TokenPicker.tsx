// The token picker: the object's properties and an event's fields, each with a default value
// used when a record has none, inserted where the cursor was (subject, preheader or body).
import { useMemo, useState } from 'react';
import type { CatalogueEntry } from '../../api/templates';
import type { Property } from '../../api/types';
import { eventFields, tokenChoices, tokenText } from '../../lib/catalogue';

interface Props {
  object: string;
  properties: Property[];
  events: CatalogueEntry[];
  /** The event whose fields are offered ("" for none). */
  eventType: string;
  onEventType(t: string): void;
  onInsert(token: string): void;
  /** Where an insert goes, for the hint ("the subject"). */
  target: string;
}

export function TokenPicker({ object, properties, events, eventType, onEventType, onInsert, target }: Props) {
  const [q, setQ] = useState('');
  const [defaults, setDefaults] = useState<Record<string, string>>({});
  const choices = useMemo(() => tokenChoices(object, properties, eventFields(events, eventType)), [object, properties, events, eventType]);
  const shown = choices.filter((c) => !q || `${c.ref} ${c.label}`.toLowerCase().includes(q.toLowerCase()));
  return (
    <div className="token-picker" role="region" aria-label="Tokens">
      <div className="record-pick">
        <strong>Insert a token</strong>
        <span className="hint">into {target}</span>
      </div>
      <div className="record-pick">
        <input type="search" aria-label="Search tokens" placeholder="Search: name, city, webinar…" value={q} onChange={(e) => setQ(e.target.value)} />
        <select aria-label="Event fields from" value={eventType} onChange={(e) => onEventType(e.target.value)}>
          <option value="">No event fields</option>
          {events.map((e) => <option key={e.type} value={e.type}>{e.label} ({e.type})</option>)}
        </select>
      </div>
      <div className="token-list">
        {shown.map((c, i) => {
          const head = i === 0 || shown[i - 1].group !== c.group ? <div className="token-group">{c.group}</div> : null;
          const def = defaults[c.ref] ?? c.suggestedDefault;
          return (
            <div key={c.ref}>
              {head}
              <div className="token-row" data-token={c.ref}>
                <span title={c.label}><code>{c.ref}</code> <span className="hint">{c.type}</span></span>
                <input aria-label={`Default for ${c.ref}`} placeholder="default" value={def} onChange={(e) => setDefaults({ ...defaults, [c.ref]: e.target.value })} />
                <button type="button" className="btn small" aria-label={`Insert ${c.ref}`} onClick={() => onInsert(tokenText(c.ref, def))}>Insert</button>
              </div>
            </div>
          );
        })}
        {shown.length === 0 && <div className="hint">No token matches “{q}”.</div>}
      </div>
      <div className="hint">The default is what a record without the value gets, instead of an empty gap (“Hi ,”).</div>
    </div>
  );
}
