import { ExposureGate } from './components/Exposure';
import { useRoute } from './router';
import { EnrollmentDetailScreen } from './screens/EnrollmentDetail';
import { RecordDetailScreen } from './screens/RecordDetail';
import { RecordsScreen } from './screens/Records';
import { WorkflowEditorScreen } from './screens/WorkflowEditor';
import { WorkflowEnrollmentsScreen } from './screens/WorkflowEnrollments';
import { WorkflowListScreen } from './screens/WorkflowList';

export function App() {
  return (
    <ExposureGate>
      <Shell />
    </ExposureGate>
  );
}

function Shell() {
  const route = useRoute();
  const section = route.name === 'records' || route.name === 'record' ? 'records' : 'workflows';
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/workflows">
          <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" aria-hidden="true"><path d="M5 4v6a4 4 0 0 0 4 4h6 M15 10l4 4-4 4" /></svg>
          Flowdesk
        </a>
        <nav>
          <a className={section === 'workflows' ? 'on' : ''} href="#/workflows">Workflows</a>
          <a className={section === 'records' ? 'on' : ''} href="#/records">Records</a>
        </nav>
      </header>
      <main className="main">
        {route.name === 'workflows' && <WorkflowListScreen />}
        {route.name === 'workflow' && <WorkflowEditorScreen id={route.id} key={route.id} />}
        {route.name === 'workflow-enrollments' && <WorkflowEnrollmentsScreen id={route.id} status={route.status} step={route.step} key={route.id} />}
        {route.name === 'records' && <RecordsScreen />}
        {route.name === 'record' && <RecordDetailScreen id={route.id} />}
        {route.name === 'enrollment' && <EnrollmentDetailScreen id={route.id} />}
        {route.name === 'not-found' && <div className="screen-message">Nothing at "{route.path}". <a href="#/workflows">Go to workflows</a></div>}
      </main>
    </div>
  );
}
