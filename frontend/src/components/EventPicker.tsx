// The event-type picker of event triggers and "wait for an event": the event catalogue grouped
// by source (WebinarGeek, systeme.io, surveys, types seen on this machine), searchable, with
// "did you mean" for a type that nothing sends.
import { useEffect, useState } from 'react';
import { templatesApi, type Catalogue } from '../api/templates';
import { groupEvents, scopeOptions, suggestEvents } from '../lib/catalogue';
import type { KeyValueSuggest } from './panel/fields';
import { Combobox } from './Combobox';

const EMPTY: Catalogue = { events: [], sources: [] };
let cached: { at: number; p: Promise<Catalogue> } | null = null;

/** The catalogue, fetched once a minute at most (seen types and fields change as events arrive). */
export function useCatalogue(): Catalogue {
  const [cat, setCat] = useState<Catalogue>(EMPTY);
  useEffect(() => {
    let live = true;
    if (!cached || Date.now() - cached.at > 60_000) {
      const p = templatesApi.catalogue().catch(() => {
        cached = null;
        return EMPTY;
      });
      cached = { at: Date.now(), p };
    }
    cached.p.then((c) => live && setCat(c));
    return () => {
      live = false;
    };
  }, []);
  return cat;
}

/** The scope keys and values seen in stored events of the type, for the "only in scope" fields. */
export function useEventScopes(type: string | undefined): KeyValueSuggest {
  // The answer remembers its type, so a changed type shows nothing stale while it loads.
  const [seen, setSeen] = useState<{ type: string; options: KeyValueSuggest } | null>(null);
  useEffect(() => {
    if (!type) return;
    let live = true;
    // After a short pause: the event type field may be typed one key at a time.
    const timer = setTimeout(() => {
      templatesApi.scopes(type)
        .then((s) => live && setSeen({ type, options: scopeOptions(s) }))
        .catch(() => live && setSeen({ type, options: NO_SCOPES }));
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [type]);
  return type && seen?.type === type ? seen.options : NO_SCOPES;
}

const NO_SCOPES = scopeOptions([]);

export function EventPicker({ label, value, onChange }: { label: string; value: string | undefined; onChange(v: string): void }) {
  const cat = useCatalogue();
  const current = cat.events.find((e) => e.type === value);
  const typo = value && cat.events.length > 0 && !current ? suggestEvents(value, cat.events) : [];
  return (
    <Combobox label={label} value={value} onChange={onChange} listLabel="Events" placeholder="Search or type: viewer, tag, survey, sale…"
      groups={(q) => groupEvents(cat.events, cat.sources, q).map((g) => ({
        label: g.label,
        options: g.events.map((ev) => ({ value: ev.type, label: ev.label, detail: ev.type, badge: ev.last_seen ? 'seen here' : undefined,
          badgeTitle: ev.last_seen ? 'Latest: ' + new Date(ev.last_seen).toLocaleString() : undefined })),
      }))}
      empty={(q, choose) => (
        <>
          No event matches “{q}”.
          {suggestEvents(q, cat.events).map((s) => (
            <button type="button" key={s.type} className="link-btn" onMouseDown={(e) => { e.preventDefault(); choose(s.type); }}>Did you mean {s.type}?</button>
          ))}
        </>
      )}
      hint={
        <>
          {current?.description}
          {typo.length > 0 && (
            <span className="warn-text" role="status">Nothing here sends “{value}”. {typo.map((s) => (
              <button type="button" key={s.type} className="link-btn" onClick={() => onChange(s.type)}>Did you mean {s.type}?</button>
            ))}</span>
          )}
        </>
      } />
  );
}
