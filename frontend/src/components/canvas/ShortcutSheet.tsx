import { useState } from 'react';
import { Dialog } from '../common';
import { useKeyOutsideFields } from './keys';

/** Every keyboard shortcut of the editor, in the order the sheet lists them. */
export const SHORTCUTS: { keys: string[]; what: string }[] = [
  { keys: ['Tab', 'Shift+Tab'], what: 'Move through the flow: the trigger, then each step followed by the "+" of each of its paths' },
  { keys: ['↑ ↓ ← →'], what: 'Move to the card above, below or beside the focused one' },
  { keys: ['Enter', 'Space'], what: 'Open the focused card in the side panel, or the step picker of the focused "+"' },
  { keys: ['Escape'], what: 'Close the step picker or the side panel' },
  { keys: ['Delete', 'Backspace'], what: 'Delete the selected step' },
  { keys: ['Ctrl+Z'], what: 'Undo (inside a text field: undo typing in that field)' },
  { keys: ['Ctrl+Shift+Z', 'Ctrl+Y'], what: 'Redo' },
  { keys: ['Ctrl+C', 'Ctrl+V'], what: 'Copy the selected step; paste it after the selected step or into the open picker' },
  { keys: ['Ctrl+S'], what: 'Save' },
  { keys: ['/'], what: 'Find a step by its name, kind or id, and open it' },
  { keys: ['Scroll', 'drag'], what: 'Move the canvas (Shift+scroll: sideways)' },
  { keys: ['Ctrl+scroll', 'pinch'], what: 'Zoom in and out' },
  { keys: ['?'], what: 'Show this list' },
];

/** The shortcut sheet: "?" outside a text field opens it. */
export function ShortcutSheet() {
  const [open, setOpen] = useState(false);
  useKeyOutsideFields('?', () => setOpen(true));
  if (!open) return null;
  return (
    <Dialog title="Keyboard shortcuts" onClose={() => setOpen(false)}>
      <table className="shortcuts">
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.what}>
              <th scope="row">{s.keys.map((k, i) => <span key={k}>{i > 0 && ' or '}<kbd>{k}</kbd></span>)}</th>
              <td>{s.what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">On a Mac, Cmd works wherever Ctrl is listed.</p>
    </Dialog>
  );
}
