import { ExposureGate } from './components/Exposure';
import { NotificationBell } from './components/NotificationBell';
import { useRoute } from './router';
import { ActivityScreen } from './screens/Activity';
import { EnrollmentDetailScreen } from './screens/EnrollmentDetail';
import { RecordDetailScreen } from './screens/RecordDetail';
import { RecordsScreen } from './screens/Records';
import { WorkflowEditorScreen } from './screens/WorkflowEditor';
import { WorkflowEnrollmentsScreen } from './screens/WorkflowEnrollments';
import { WorkflowListScreen } from './screens/WorkflowList';
import { WorkflowPerformanceScreen } from './screens/WorkflowPerformance';
import { WorkflowVersionsScreen } from './screens/WorkflowVersions';
import { OutboxScreen } from './screens/Outbox';
import { PropertiesScreen } from './screens/Properties';
import { ListDetailScreen, ListsScreen } from './screens/Lists';
import { SettingsScreen } from './screens/Settings';
import { TasksScreen } from './screens/Tasks';
import { TrashScreen } from './screens/Trash';
import { TemplateEditScreen, TemplatesScreen } from './screens/Templates';
import { WebhookDetailScreen, WebhooksScreen } from './screens/Webhooks';

export function App() {
  return (
    <ExposureGate>
      <Shell />
    </ExposureGate>
  );
}

function Shell() {
  const route = useRoute();
  const section = route.name === 'records' || route.name === 'record' ? 'records'
    : route.name === 'lists' || route.name === 'list' ? 'lists'
    : route.name === 'activity' || route.name === 'enrollment' ? 'activity'
    : route.name === 'webhooks' || route.name === 'webhook' ? 'webhooks'
      : route.name === 'templates' || route.name === 'template' ? 'templates'
      : route.name === 'settings' || route.name === 'outbox' || route.name === 'tasks' || route.name === 'trash' || route.name === 'properties' ? route.name : 'workflows';
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/workflows">
          <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" aria-hidden="true"><path d="M5 4v6a4 4 0 0 0 4 4h6 M15 10l4 4-4 4" /></svg>
          Flowdesk
        </a>
        <nav>
          <a className={section === 'workflows' ? 'on' : ''} href="#/workflows">Workflows</a>
          <a className={section === 'activity' ? 'on' : ''} href="#/activity">Activity</a>
          <a className={section === 'records' ? 'on' : ''} href="#/records">Records</a>
          <a className={section === 'lists' ? 'on' : ''} href="#/lists">Lists</a>
          <a className={section === 'properties' ? 'on' : ''} href="#/properties">Properties</a>
          <a className={section === 'templates' ? 'on' : ''} href="#/templates">Templates</a>
          <a className={section === 'webhooks' ? 'on' : ''} href="#/webhooks">Webhooks</a>
          <a className={section === 'tasks' ? 'on' : ''} href="#/tasks">Tasks</a>
          <a className={section === 'outbox' ? 'on' : ''} href="#/outbox">Outbox</a>
          <a className={section === 'trash' ? 'on' : ''} href="#/trash">Trash</a>
        </nav>
        <span className="grow" />
        <a className={'topbar-link' + (section === 'settings' ? ' on' : '')} href="#/settings">Settings</a>
        <NotificationBell />
      </header>
      <main className="main">
        {route.name === 'workflows' && <WorkflowListScreen />}
        {/* no key: a new workflow's first save changes the id, not the editor */}
        {route.name === 'workflow' && <WorkflowEditorScreen id={route.id} at={route.at} />}
        {route.name === 'workflow-enrollments' && <WorkflowEnrollmentsScreen id={route.id} status={route.status} step={route.step} key={route.id} />}
        {route.name === 'workflow-versions' && <WorkflowVersionsScreen id={route.id} version={route.version} against={route.against} key={route.id} />}
        {route.name === 'workflow-performance' && <WorkflowPerformanceScreen id={route.id} key={route.id} />}
        {route.name === 'activity' && <ActivityScreen />}
        {route.name === 'records' && <RecordsScreen />}
        {route.name === 'record' && <RecordDetailScreen id={route.id} />}
        {route.name === 'enrollment' && <EnrollmentDetailScreen id={route.id} />}
        {route.name === 'webhooks' && <WebhooksScreen />}
        {route.name === 'webhook' && <WebhookDetailScreen id={route.id} key={route.id} />}
        {route.name === 'settings' && <SettingsScreen />}
        {route.name === 'outbox' && <OutboxScreen />}
        {route.name === 'tasks' && <TasksScreen />}
        {route.name === 'trash' && <TrashScreen />}
        {route.name === 'lists' && <ListsScreen />}
        {route.name === 'list' && <ListDetailScreen id={route.id} key={route.id} />}
        {route.name === 'properties' && <PropertiesScreen object={route.object ?? 'contact'} key={route.object ?? 'contact'} />}
        {route.name === 'templates' && <TemplatesScreen />}
        {route.name === 'template' && <TemplateEditScreen name={route.template} key={route.template} />}
        {route.name === 'not-found' && <div className="screen-message">Nothing at "{route.path}". <a href="#/workflows">Go to workflows</a></div>}
      </main>
    </div>
  );
}
