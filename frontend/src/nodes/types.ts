import type { ComponentType } from 'react';
import type { Step, StepType } from '../api/types';

/** Palette groups, in display order. */
export const GROUPS = ['Flow', 'Properties', 'Lists and subscriptions', 'Communication', 'Records and tasks', 'Integrations'] as const;
export type NodeGroup = (typeof GROUPS)[number];

/** Context a pure checkValid may use. */
export interface CheckContext {
  /** Ids of every step of the workflow. */
  stepIds: Set<string>;
}

/** What the canvas, the palette and the side panel know about one step type. */
export interface NodeConfig {
  type: StepType;
  label: string;
  group: NodeGroup;
  /** Accent colour of the card. */
  colour: string;
  /** Glyph name (see glyphs.tsx). */
  glyph: string;
  description: string;
  /** The fields of a new step of this type (without id and links). */
  create(): Omit<Step, 'id'>;
  /** Local problems of a step, as sentences; pure. The server's validation is the authority. */
  checkValid(step: Step, ctx: CheckContext): string[];
  /** One line for the card body ("Wait 2 hours"). */
  summary(step: Step): string;
}

/** Props of a side-panel form. */
export interface PanelProps {
  step: Step;
  update(patch: Partial<Step>): void;
}

export type PanelComponent = ComponentType<PanelProps>;
