import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { Property } from '../api/types';
import { createGraphSelector, type EditorState, type EditorStore } from './editor-store';

const EditorContext = createContext<EditorStore | null>(null);

/** Provides one editor store to the canvas and panels below. */
export function EditorProvider({ store, children }: { store: EditorStore; children: ReactNode }) {
  return <EditorContext.Provider value={store}>{children}</EditorContext.Provider>;
}

/** The editor store of the surrounding provider. */
export function useEditorStore(): EditorStore {
  const s = useContext(EditorContext);
  if (!s) throw new Error('useEditor must be used inside <EditorProvider>');
  return s;
}

/** Selects from the editor store. */
export function useEditor<T>(selector: (s: EditorState) => T): T {
  return useStore(useEditorStore(), selector);
}

/** The canvas graph, derived from the definition and memoised per store. */
export function useFlowGraph() {
  const store = useEditorStore();
  const select = useMemo(() => createGraphSelector(), []);
  return useStore(store, (s) => select(s));
}

const NO_PROPS: Property[] = [];

/** Declared properties of the workflow's object type. */
export function useObjectProperties(object?: string): Property[] {
  const schema = useEditor((s) => s.schema);
  const obj = useEditor((s) => s.definition.object);
  const want = object ?? obj;
  return useMemo(() => schema?.properties.filter((p) => p.object === want) ?? NO_PROPS, [schema, want]);
}
