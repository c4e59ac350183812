// The event-type picker of event triggers and "wait for an event": the event catalogue grouped
// by source (WebinarGeek, systeme.io, surveys, types seen on this machine), searchable, with
// "did you mean" for a type that nothing sends.
import { useEffect, useState } from 'react';
import { templatesApi, type Catalogue } from '../api/templates';
import { groupEvents, suggestEvents } from '../lib/catalogue';
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
