// The HTML body's visual editor: TipTap (a maintained ProseMirror-based editor; see docs/ui.md)
// with StarterKit (paragraphs, headings, bold, italic, lists, links, quotes). The body is HTML
// in and out; tokens are plain text in it and survive as written.
import { EditorContent, useEditor, type Editor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { useEffect, useRef } from 'react';

interface Props {
  value: string;
  onChange(html: string): void;
  /** Receives a function that inserts text at the cursor (the token picker calls it). */
  onReady?(insert: (text: string) => void): void;
  onFocus?(): void;
  label: string;
}

export function RichTextEditor({ value, onChange, onReady, onFocus, label }: Props) {
  const last = useRef(value);
  const editor = useEditor({
    extensions: [StarterKit.configure({ link: { openOnClick: false, autolink: true } })],
    content: value,
    editorProps: { attributes: { 'aria-label': label, role: 'textbox', 'aria-multiline': 'true' } },
    onUpdate: ({ editor: ed }) => {
      const html = ed.isEmpty ? '' : ed.getHTML();
      last.current = html;
      onChange(html);
    },
    onFocus: () => onFocus?.(),
    immediatelyRender: true,
  });
  // A value changed from outside (the HTML tab, a reload) replaces the content.
  useEffect(() => {
    if (editor && value !== last.current) {
      last.current = value;
      editor.commands.setContent(value, { emitUpdate: false });
    }
  }, [editor, value]);
  useEffect(() => {
    if (editor && onReady) onReady((text) => editor.chain().focus().insertContent(text).run());
  }, [editor, onReady]);
  if (!editor) return null;
  return (
    <div className="rte">
      <Toolbar editor={editor} />
      <EditorContent editor={editor} className="rte-content" />
    </div>
  );
}

function Toolbar({ editor }: { editor: Editor }) {
  const b = (name: string, title: string, active: boolean, run: () => void) => (
    <button type="button" title={title} aria-label={title} aria-pressed={active} className={active ? 'on' : ''} onMouseDown={(e) => { e.preventDefault(); run(); }}>{name}</button>
  );
  const c = () => editor.chain().focus();
  return (
    <div className="rte-toolbar" role="toolbar" aria-label="Formatting">
      {b('B', 'Bold', editor.isActive('bold'), () => c().toggleBold().run())}
      {b('I', 'Italic', editor.isActive('italic'), () => c().toggleItalic().run())}
      {b('H1', 'Heading', editor.isActive('heading', { level: 1 }), () => c().toggleHeading({ level: 1 }).run())}
      {b('H2', 'Subheading', editor.isActive('heading', { level: 2 }), () => c().toggleHeading({ level: 2 }).run())}
      {b('•', 'Bulleted list', editor.isActive('bulletList'), () => c().toggleBulletList().run())}
      {b('1.', 'Numbered list', editor.isActive('orderedList'), () => c().toggleOrderedList().run())}
      {b('❝', 'Quote', editor.isActive('blockquote'), () => c().toggleBlockquote().run())}
      {b('Link', 'Link', editor.isActive('link'), () => {
        const prev = editor.getAttributes('link').href as string | undefined;
        const url = window.prompt('Link address (empty removes the link)', prev ?? 'https://');
        if (url === null) return;
        if (url === '') c().extendMarkRange('link').unsetLink().run();
        else c().extendMarkRange('link').setLink({ href: url }).run();
      })}
      {b('↶', 'Undo', false, () => c().undo().run())}
      {b('↷', 'Redo', false, () => c().redo().run())}
    </div>
  );
}
