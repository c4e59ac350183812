import { BaseEdge, type EdgeProps } from '@xyflow/react';
import { memo, useMemo } from 'react';
import { TRIGGER_ID } from '../../lib/definition';
import { portLabel, routeEdge, type FlowEdge } from '../../lib/graph';
import { stepById } from '../../lib/lookup';
import { pathCount } from '../../lib/performance';
import { nodeConfig } from '../../nodes';
import { describeFilter } from '../filter/model';
import { useEditor, useEditorStore } from '../../store/context';
import { plusKey, useTabIndex } from './flow-focus';
import { EdgeLabels } from './label-layer';

/** A path edge with its label (branch name, Else, Event happened, Timed out) and a "+" button. */
function InsertEdgeInner(props: EdgeProps<FlowEdge>) {
  const { id, sourceX, sourceY, targetX, targetY, data, markerEnd } = props;
  const store = useEditorStore();
  const route = useMemo(() => routeEdge(sourceX, sourceY, targetX, targetY, data?.via, data?.merge), [sourceX, sourceY, targetX, targetY, data?.via, data?.merge]);
  // the label is the step's content (a branch's name), read here so renaming never re-lays out
  const label = useEditor((s) => (data ? portLabel(stepById(s.definition.steps, data.source), data.port) : undefined));
  // the whole label and, for a branch, its condition in words: the label is cut at 200 px
  const fullLabel = useEditor((s) => {
    if (!data || !label) return undefined;
    if (!data.port.startsWith('branch:')) return label;
    const b = stepById(s.definition.steps, data.source)?.branches?.[Number(data.port.slice(7))];
    return b?.filter ? `${label}: ${describeFilter(b.filter)}` : label;
  });
  // the records a branch or split path took so far, while the workflow is on (a dry run's counts replace them)
  const taken = useEditor((s) => (data && s.enabled && !s.dryRun ? pathCount(stepById(s.definition.steps, data.source), data.port, s.stats) : undefined));
  // the records a dry run sent down this edge (click: the Test panel lists them)
  const dry = useEditor((s) => (data && s.dryRun ? s.dryRun.edges[`${data.source}:${data.port}`] ?? 0 : undefined));
  const after = useEditor((s) => {
    if (!data) return '';
    if (data.source === TRIGGER_ID) return 'the trigger';
    const st = stepById(s.definition.steps, data.source);
    return st ? `"${st.name || nodeConfig(st.type).summary(st)}"` : '';
  });
  const tabIndex = useTabIndex(plusKey(id));
  const readOnly = useEditor((s) => s.readOnly);
  const open = (e: React.MouseEvent) => {
    e.stopPropagation();
    if (data) store.getState().openPalette({ source: data.source, port: data.port });
  };
  const what = `Add a step after ${after}${label ? ` on the ${label} path` : ''}`;
  return (
    <>
      <BaseEdge path={route.path} markerEnd={markerEnd} style={{ stroke: '#94a3b8', strokeWidth: 1.5 }} />
      <EdgeLabels>
        {label && (
          <div className="edge-label nodrag nopan" title={fullLabel} data-edge={data ? `${data.source}:${data.port}` : undefined} style={{ transform: `translate(-50%, -50%) translate(${route.label.x}px, ${route.label.y}px)` }}>
            {label}
            {taken !== undefined && <span className="edge-count" title={`${taken} record${taken === 1 ? '' : 's'} took this path`} data-testid="path-count"> · {taken.toLocaleString()}</span>}
          </div>
        )}
        {dry !== undefined && data && (
          <button type="button" className="dry-count nodrag nopan" data-testid="dry-count" data-edge={`${data.source}:${data.port}`}
            title={`${dry.toLocaleString()} record${dry === 1 ? '' : 's'} of the dry run took this path: show them`}
            style={{ transform: `translate(0, -50%) translate(${route.plus.x + 14}px, ${route.plus.y}px)` }}
            onClick={(e) => {
              e.stopPropagation();
              store.setState({ dryRunPick: `edge:${data.source}:${data.port}` });
            }}>
            {dry.toLocaleString()}
          </button>
        )}
        {!readOnly && <button type="button" className="edge-plus nodrag nopan" aria-label={what} title={what} data-slot={data ? `${data.source}:${data.port}` : undefined}
          data-focus-key={plusKey(id)} tabIndex={tabIndex}
          style={{ transform: `translate(-50%, -50%) translate(${route.plus.x}px, ${route.plus.y}px)` }} onClick={open}>
          +
        </button>}
      </EdgeLabels>
    </>
  );
}

export const InsertEdge = memo(InsertEdgeInner);
