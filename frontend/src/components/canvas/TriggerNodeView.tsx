import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Trigger } from '../../api/types';
import type { TriggerNode } from '../../lib/graph';
import { outcomeTotals } from '../../lib/outcome';
import { badgeOf } from '../../lib/problems';
import { Glyph } from '../../nodes/glyphs';
import { eventRules, TRIGGER_ID } from '../../lib/definition';
import { useEditor, useEditorStore } from '../../store/context';
import { focusPanelSoon, nodeKey, useTabIndex } from './flow-focus';
import { describeFilter } from '../filter/model';
import { useLists } from '../ListPicker';
import { useCatalogue } from '../EventPicker';
import type { Catalogue } from '../../api/templates';

/** Friendly names for what a trigger names by id: a catalogue event's label, a list's name. */
export interface TriggerNames {
  event?(type: string): string | undefined;
  list?(id: string): string | undefined;
}

/** What a marketer calls a catalogue event: its source and label ("WebinarGeek · Viewer"). */
export function eventNames(cat: Catalogue): (type: string) => string | undefined {
  const sources = new Map(cat.sources.map((s) => [s.id, s.label]));
  const byType = new Map(cat.events.filter((e) => e.source !== 'seen' && e.label).map((e) => [e.type, `${sources.get(e.source) ?? e.source} · ${e.label}`]));
  return (type) => byType.get(type);
}

/** One line per trigger for the trigger card, in the names a marketer picked from. */
export function describeTrigger(t: Trigger, names: TriggerNames = {}): string {
  switch (t.type) {
    case 'event': {
      const { scope, watch } = eventRules(t);
      const parts = [...scope, ...watch];
      const said = (t.event && names.event?.(t.event)) || `Event ${t.event || '…'}`;
      return `${said}${parts.length ? ' (' + parts.join(', ') + ')' : ''}`;
    }
    case 'filter':
      return `Meets: ${describeFilter(t.filter)}`;
    case 'schedule':
      if (t.cron) return `Schedule ${t.cron}`;
      if (t.at) return `Once at ${t.at}`;
      if (t.date_property) return `${t.offset || '0d'} from ${t.date_property} at ${t.time || '--:--'}`;
      return 'Schedule';
    case 'webhook':
      return `Webhook ${t.hook || '…'}`;
    case 'list':
      return `${t.on === 'leave' ? 'Leaves' : 'Joins'} list ${(t.list && names.list?.(t.list)) || t.list || '…'}`;
  }
  return t.type;
}

function TriggerNodeViewInner({ selected }: NodeProps<TriggerNode>) {
  const triggers = useEditor((s) => s.definition.triggers);
  const reenroll = useEditor((s) => s.definition.reenroll.enabled);
  const goal = useEditor((s) => s.definition.goal);
  const suppress = useEditor((s) => s.definition.suppress);
  const lists = useLists();
  const catalogue = useCatalogue();
  const names = useMemo<TriggerNames>(() => ({ event: eventNames(catalogue), list: (id) => lists.find((l) => l.id === id)?.name }), [catalogue, lists]);
  const conversion = useEditor(useShallow((s) => (s.enabled && s.stats && goal ? { reached: s.stats.enrollments.goal_reached ?? 0, rate: s.stats.goal_conversion ?? 0 } : null)));
  // a trigger just added keeps its problems to itself, as its panel does (see `untouched`)
  const badge = useEditor(useShallow((s) => badgeOf(s.problems.filter((p) => (p.trigger ? !s.untouched['trigger:' + p.trigger] : !p.step && /^(reenroll|goal|unenroll)/.test(p.field ?? ''))))));
  const problems = badge.count;
  const total = useEditor((s) => (s.enabled && s.stats ? s.stats.enrollments : null));
  // an enrollment that ended with a failed step is neither in the workflow nor completed: say so
  const totals = total ? outcomeTotals(total) : null;
  const mark = useEditor((s) => s.marks?.[TRIGGER_ID]);
  const store = useEditorStore();
  const tabIndex = useTabIndex(nodeKey(TRIGGER_ID));
  return (
    <div className={`trigger-card${selected ? ' selected' : ''}${problems ? (badge.warningsOnly ? ' has-warnings' : ' has-problems') : ''}${mark ? ' diff-' + mark : ''}`} data-focus-key={nodeKey(TRIGGER_ID)} tabIndex={tabIndex}
      role="group" aria-current={selected ? true : undefined} aria-label={`Enrollment triggers: ${triggers.length ? triggers.map((t) => describeTrigger(t, names)).join(', or ') : 'manual enrollment only'}`}
      onKeyDown={(e) => {
        if (e.target === e.currentTarget && (e.key === 'Enter' || e.key === ' ')) {
          e.preventDefault();
          store.getState().select({ kind: 'trigger' });
          focusPanelSoon();
        }
      }}>
      <div className="step-head">
        <span className="step-glyph"><Glyph name="trigger" size={15} colour="#b45309" /></span>
        <span className="step-type">Enrollment triggers</span>
        {mark && <span className={`diff-badge ${mark}`} data-testid="diff-badge">{mark}</span>}
        {problems > 0 && <span className={`problem-dot${badge.warningsOnly ? ' warning' : ''}`} title={badge.title}>{problems}</span>}
      </div>
      {triggers.length === 0 && <div className="trigger-line muted">Manual enrollment only. Click to add a trigger.</div>}
      {triggers.map((t, i) => (
        <div className="trigger-line" key={t.id ?? i} title={describeTrigger(t)}>
          {i > 0 && <span className="or">or</span>}
          {describeTrigger(t, names)}
        </div>
      ))}
      {goal && (
        <div className="trigger-line goal-line" data-testid="goal-line" title={`Goal: ${describeFilter(goal)}`}>
          <span className="or">goal</span>{describeFilter(goal)}
          {conversion && <span className="goal-rate" data-testid="goal-rate"> · {conversion.reached} reached ({Math.round(conversion.rate * 100)}%)</span>}
        </div>
      )}
      {suppress && suppress.length > 0 && (
        <div className="trigger-line suppress-line" data-testid="suppress-line" title="Members of these lists are never enrolled, and leave when they join one">
          <span className="or">never</span>members of {suppress.map((id) => lists.find((l) => l.id === id)?.name ?? id).join(', ')}
        </div>
      )}
      <div className="trigger-foot">
        <span>{reenroll ? 'Re-enrollment on' : 'Enrolls once'}</span>
        {totals && (
          <span data-testid="trigger-totals">
            {totals.active + totals.waiting} in workflow · {totals.done} done
            {totals.failed > 0 && <> · <span className="trigger-failed" title={totals.failedTitle}>{totals.failed} failed</span></>}
          </span>
        )}
      </div>
      <Handle type="source" position={Position.Bottom} id="out" className="handle" isConnectable={false} />
    </div>
  );
}

export const TriggerNodeView = memo(TriggerNodeViewInner);
