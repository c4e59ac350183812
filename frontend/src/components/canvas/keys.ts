// Keyboard helpers shared by the editor's shortcuts.
import { useEffect, useRef } from 'react';

/** True when a key event's target takes text (a field's own keys, Ctrl+Z included, stay its own). */
export function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName !== 'INPUT') return false;
  // buttons-like inputs do not take text
  const type = (el as HTMLInputElement).type;
  return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file', 'image'].includes(type);
}

/**
 * Calls fn when key (a printed character like "?" or "/") is pressed outside a text field and
 * without Ctrl, Cmd or Alt: the editor's one-key shortcuts.
 */
export function useKeyOutsideFields(key: string, fn: () => void) {
  const latest = useRef(fn);
  useEffect(() => {
    latest.current = fn;
  });
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      if (e.key === key && !e.ctrlKey && !e.metaKey && !e.altKey && !isTyping(e.target)) {
        e.preventDefault();
        latest.current();
      }
    };
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, [key]);
}
