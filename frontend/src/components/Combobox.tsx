// The one picker of the authoring panels: a text input whose value is what it shows, with a
// grouped, searchable list under it (arrow keys, Enter, Escape, click). Typing sets the value as
// typed, so a value the list does not know stays possible (and the caller says so).
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import '../authoring.css';

export interface ComboOption {
  value: string;
  label: string;
  detail?: string;
  badge?: string;
  badgeTitle?: string;
}

export interface ComboGroup {
  label: string;
  options: ComboOption[];
}

interface Props {
  label: string;
  value: string | undefined;
  onChange(v: string): void;
  /** The groups to show for what was typed since the list opened ("" right after opening). */
  groups(query: string): ComboGroup[];
  placeholder?: string;
  /** Shown when nothing matches the query. */
  empty?(query: string, choose: (v: string) => void): ReactNode;
  hint?: ReactNode;
  listLabel: string;
}

export function Combobox({ label, value, onChange, groups: groupsFor, placeholder, empty, hint, listLabel }: Props) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const box = useRef<HTMLDivElement>(null);
  const groups = open ? groupsFor(query) : [];
  const flat = groups.flatMap((g) => g.options);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);
  const choose = (v: string) => {
    onChange(v);
    setOpen(false);
    setQuery('');
  };
  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, Math.max(flat.length - 1, 0)));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter' && open) {
      e.preventDefault();
      if (flat[active]) choose(flat[active].value);
      else setOpen(false);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault(); // closes the list only, not the panel around it
      setOpen(false);
    }
  };
  let n = -1;
  return (
    <div className="field event-picker" ref={box}>
      <label htmlFor={id}>{label}</label>
      <input id={id} role="combobox" aria-expanded={open} aria-controls={id + '-list'} aria-autocomplete="list" autoComplete="off"
        value={value ?? ''} placeholder={placeholder}
        onFocus={() => { setOpen(true); setQuery(''); setActive(0); }} onKeyDown={onKey}
        onChange={(e) => { setQuery(e.target.value); onChange(e.target.value); setActive(0); setOpen(true); }} />
      {open && (
        <div className="picker-list" id={id + '-list'} role="listbox" aria-label={listLabel}>
          {groups.map((g) => (
            <div key={g.label} role="group" aria-label={g.label}>
              <div className="picker-group">{g.label}</div>
              {g.options.map((o) => {
                n++;
                const i = n;
                return (
                  <div key={o.value} role="option" aria-selected={o.value === value} className={'picker-option' + (i === active ? ' active' : '')}
                    onMouseDown={(e) => { e.preventDefault(); choose(o.value); }} onMouseEnter={() => setActive(i)}>
                    <span className="picker-label">{o.label}</span> {o.detail && <code>{o.detail}</code>}
                    {o.badge && <span className="picker-seen" title={o.badgeTitle}>{o.badge}</span>}
                  </div>
                );
              })}
            </div>
          ))}
          {flat.length === 0 && <div className="picker-empty">{empty ? empty(query, choose) : `Nothing matches “${query}”.`}</div>}
        </div>
      )}
      {hint && <div className="hint">{hint}</div>}
    </div>
  );
}
