import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { StepStats } from '../../api/types';
import type { StepNode } from '../../lib/graph';
import { stepById, stepIdSet } from '../../lib/lookup';
import { badgeOf } from '../../lib/problems';
import { retryingTitle } from '../../lib/outcome';
import { nodeConfig } from '../../nodes';
import { Glyph } from '../../nodes/glyphs';
import { HELD_STEP_TYPES, windowText } from '../../lib/window';
import { hrefOf, navigate } from '../../router';
import { useEditor, useEditorStore } from '../../store/context';
import { useWorkflowSummaries } from '../WorkflowPicker';
import { focusPanelSoon, nodeKey, useTabIndex } from './flow-focus';
import { useReveal } from './reveal';

/**
 * One step card. It gets only its id from the graph and reads everything else from the store
 * with narrow selectors, so typing in one step's field re-renders that card alone.
 */
function StepNodeViewInner({ id, selected }: NodeProps<StepNode>) {
  const step = useEditor((s) => stepById(s.definition.steps, id));
  const server = useEditor(useShallow((s) => badgeOf(s.problems.filter((p) => p.step === id))));
  const local = useEditor((s) => {
    const st = stepById(s.definition.steps, id);
    return st ? nodeConfig(st.type).checkValid(st, { stepIds: stepIdSet(s.definition.steps) }).join('\n') : '';
  });
  const stats = useEditor(useShallow((s) => (s.enabled ? s.stats?.steps[id] : undefined)));
  const workflowId = useEditor((s) => s.workflowId);
  const reached = useEditor((s) => s.simulated?.[id]);
  const mark = useEditor((s) => s.marks?.[id]);
  const untouched = useEditor((s) => !!s.untouched['step:' + id]);
  const gotoName = useEditor((s) => {
    const st = stepById(s.definition.steps, id);
    if (st?.type !== 'goto' || !st.target) return null;
    const t = stepById(s.definition.steps, st.target);
    return t ? t.name || nodeConfig(t.type).summary(t) : null;
  });
  // Business hours, when this step keeps to them (shown on the card).
  const hours = useEditor((s) => {
    const st = stepById(s.definition.steps, id);
    const w = s.definition.execution_window;
    return st && w && HELD_STEP_TYPES.includes(st.type) ? windowText(w, s.definition.timezone) : null;
  });
  const store = useEditorStore();
  const reveal = useReveal();
  const tabIndex = useTabIndex(nodeKey(id));
  if (!step) return null;
  const cfg = nodeConfig(step.type);
  // a card just added keeps its problems to itself, as its panel does, until the user leaves it
  // or tries to save (see `untouched` in the editor store)
  const count = untouched ? 0 : server.count || (local ? local.split('\n').length : 0);
  const warningsOnly = server.count > 0 && server.warningsOnly;
  const title = step.name || cfg.summary(step);
  const open = () => store.getState().select({ kind: 'step', id });
  const jump = (e: React.MouseEvent) => {
    e.stopPropagation();
    if (step.target) reveal(step.target, { select: true, focus: true });
  };
  return (
    <div className={`step-card${selected ? ' selected' : ''}${count ? (warningsOnly ? ' has-warnings' : ' has-problems') : ''}${step.type === 'goto' ? ' goto' : ''}${reached ? ' simulated' : ''}${hours ? ' held' : ''}${mark ? ' diff-' + mark : ''}`} style={{ ['--accent' as string]: cfg.colour }} data-step={id}
      data-focus-key={nodeKey(id)} tabIndex={tabIndex} role="group" aria-current={selected ? true : undefined} aria-label={`${cfg.label}: ${title}${mark ? `, ${mark}` : ''}${count ? `, ${count} problem${count > 1 ? 's' : ''}` : ''}`}
      onKeyDown={(e) => {
        if (e.target !== e.currentTarget) return;
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          open();
          focusPanelSoon();
        }
      }}>
      <Handle type="target" position={Position.Top} id="in" className="handle" isConnectable={false} />
      <div className="step-head">
        <span className="step-glyph"><Glyph name={cfg.glyph} size={15} colour={cfg.colour} /></span>
        <span className="step-type">{cfg.label}</span>
        {mark && <span className={`diff-badge ${mark}`} data-testid="diff-badge">{mark}</span>}
        {reached && <span className="sim-badge" data-testid="sim-badge" title="Reached in the test run">{reached}</span>}
        {stats && <Counters stats={stats} href={workflowId ? hrefOf({ name: 'workflow-enrollments', id: workflowId, step: id }) : undefined} />}
        {count > 0 && <span className={`problem-dot${warningsOnly ? ' warning' : ''}`} title={server.count ? server.title : local}>{count}</span>}
      </div>
      {step.type === 'enroll' && !step.name ? <EnrollTitle target={step.workflow} /> : <div className="step-title" title={title}>{title}</div>}
      {step.type === 'goto' ? (
        <button type="button" className="goto-marker nodrag" tabIndex={-1} onClick={jump} disabled={!gotoName} title={gotoName ? `Go to: ${gotoName} (click to show it)` : 'Go to: pick a step'}>
          {/* a flex box cuts its text without an ellipsis, so the words are their own box */}
          <span aria-hidden="true">↪</span><span className="goto-text">Go to: {gotoName ?? 'pick a step'}</span>
        </button>
      ) : step.name ? (
        <div className="step-summary" title={cfg.summary(step)}>{cfg.summary(step)}</div>
      ) : (
        <div className="step-summary id">{step.id}</div>
      )}
      {hours && <div className="hours-badge" data-testid="hours-badge" title={`Runs only in the business hours: ${hours}`}><Glyph name="clock" size={10} colour="#92400e" /> {hours.replace(/ \(.*\)$/, '')}</div>}
      <Handle type="source" position={Position.Bottom} id="out" className="handle" isConnectable={false} />
    </div>
  );
}

/**
 * An unnamed enroll step's title: the target workflow by its name, and said when no workflow has
 * that id any more (only enroll cards load the workflow list).
 */
function EnrollTitle({ target }: { target?: string }) {
  const rows = useWorkflowSummaries();
  const w = target ? rows?.find((r) => r.id === target) : undefined;
  let title = 'Enroll in …';
  if (target) title = w ? `Enroll in “${w.name}”` : rows ? `Enroll in ${target} (no such workflow)` : `Enroll in ${target}`;
  return <div className={`step-title${target && rows && !w ? ' missing' : ''}`} title={title} data-testid="enroll-title">{title}</div>;
}

function Counters({ stats, href }: { stats: StepStats; href?: string }) {
  const open = (e: React.MouseEvent) => {
    e.stopPropagation();
    if (href) navigate(href);
  };
  return (
    // the words before each number are for screen readers (the name comes from the content)
    <div className={`counters${href ? ' link nodrag' : ''}`} title={href ? 'Show the enrollments at this step' : undefined}
      role={href ? 'link' : undefined} onClick={open}>
      <span className="sr-only">Running now</span><span className="c active" title="Running now">{stats.active}</span>
      <span className="sr-only">, waiting here</span><span className="c waiting" title="Waiting here">{stats.waiting}</span>
      {(stats.retrying ?? 0) > 0 && (
        <><span className="sr-only">, retrying</span><span className="c retrying" title={retryingTitle(stats)} data-testid="step-retrying"><span aria-hidden="true">↻ </span>{stats.retrying}</span></>
      )}
      <span className="sr-only">, completed</span><span className="c completed" title="Completed this step">{stats.completed}</span>
      <span className="sr-only">, failed</span><span className={`c failed${stats.failed ? ' has' : ''}`} title={`Failed here ${stats.failed} time${stats.failed === 1 ? '' : 's'}`} data-testid="step-failed">{stats.failed}</span>
    </div>
  );
}

export const StepNodeView = memo(StepNodeViewInner);
