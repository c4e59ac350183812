// Simple line glyphs (24x24, stroke) for node cards and the palette.
const PATHS: Record<string, string> = {
  clock: 'M12 7v5l3 2 M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18',
  branch: 'M6 3v6a4 4 0 0 0 4 4h4a4 4 0 0 1 4 4v4 M6 21V9 M18 3v4',
  jump: 'M5 19V9a4 4 0 0 1 4-4h9 M14 1l4 4-4 4',
  workflow: 'M4 4h6v6H4z M14 14h6v6h-6z M7 10v4a3 3 0 0 0 3 3h4',
  pencil: 'M4 20h4L19 9l-4-4L4 16z M13 7l4 4',
  copy: 'M8 8h12v12H8z M4 16V4h12',
  eraser: 'M7 20h13 M4 15l9-9 6 6-7 7H8z',
  plusminus: 'M12 4v8 M8 8h8 M8 18h8',
  listadd: 'M4 6h10 M4 12h10 M4 18h6 M17 15v6 M14 18h6',
  listremove: 'M4 6h10 M4 12h10 M4 18h6 M14 18h6',
  badge: 'M12 3l7 3v6c0 4-3 7-7 9-4-2-7-5-7-9V6z M9 12l2 2 4-4',
  webhook: 'M9 14a4 4 0 1 1 4-6 M15 10a4 4 0 1 1-1 7.5 M8 18a4 4 0 1 1 2-7.4 M9 14l3-6 M15 10l-3 6 M8 18h7',
  mail: 'M3 6h18v12H3z M3 6l9 7 9-7',
  inbox: 'M3 13l3-8h12l3 8v6H3z M3 13h5l1 2h6l1-2h5',
  sms: 'M4 5h16v11H9l-5 4z M8 10h8',
  bell: 'M6 16V11a6 6 0 1 1 12 0v5l2 2H4z M10 20h4',
  hash: 'M9 4L7 20 M17 4l-2 16 M4 9h16 M3 15h16',
  fileplus: 'M6 3h8l4 4v14H6z M12 10v6 M9 13h6',
  task: 'M4 5h16v14H4z M8 12l3 3 5-6',
  rotate: 'M4 12a8 8 0 0 1 14-5 M20 12a8 8 0 0 1-14 5 M18 3v4h-4 M6 21v-4h4',
  trigger: 'M13 2L4 14h7l-1 8 9-12h-7z',
  end: 'M6 6h12v12H6z',
};

/** A stroke glyph by name. */
export function Glyph({ name, size = 16, colour = 'currentColor' }: { name: string; size?: number; colour?: string }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke={colour} strokeWidth={1.8} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d={PATHS[name] ?? PATHS.end} />
    </svg>
  );
}
