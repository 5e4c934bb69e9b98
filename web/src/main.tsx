// The medfw dashboard: one page app under /ui/, talking only to this medfwd's /api/v1.
import { render } from 'preact';
import { LocationProvider, Route, Router } from 'preact-iso';
import './styles.css';
import { Layout, PageTitle } from './components/layout';
import { Empty, Loading } from './components/status';
import { Device } from './pages/Device';
import { Devices } from './pages/Devices';
import { Overview } from './pages/Overview';
import { Release, Releases } from './pages/Releases';
import { Vulnerabilities } from './pages/Vulnerabilities';
import { NewRollout } from './pages/NewRollout';
import { Admin } from './pages/Admin';
import { Audit } from './pages/Audit';
import { RolloutView, Rollouts } from './pages/Rollouts';
import { EnrolTotp, SignIn } from './pages/SignIn';
import { SessionProvider, useSession, useSessionState } from './session';

function NotFound() {
  return (
    <>
      <PageTitle title="Not found" />
      <Empty title="There is no such page.">
        <a href="/ui">Go to the overview</a>
      </Empty>
    </>
  );
}

/** A page the user's role may not read: said plainly (medfwd would refuse its data anyway). */
function guarded(permission: string, Page: (props: any) => preact.JSX.Element) {
  return function Guarded(props: Record<string, unknown>) {
    const s = useSession();
    if (!s.can(permission))
      return (
        <>
          <PageTitle title="Not available" />
          <Empty title={`Your role (${s.me.user.role.replace(/_/g, ' ')}) cannot see this page.`}>
            <a href="/ui">Go to the overview</a> or ask an administrator for a role that includes {permission}.
          </Empty>
        </>
      );
    return <Page {...props} />;
  };
}

const AuditPage = guarded('audit.read', Audit);
const NewRolloutPage = guarded('rollouts.write', NewRollout);

function App() {
  const st = useSessionState();
  if (st.loading) return <Loading what="medfw" />;
  if (st.enrolment) return <EnrolTotp />;
  if (!st.session) return <SignIn />;
  return (
    <Layout>
      <Router>
        <Route path="/" component={Overview} />
        <Route path="/ui" component={Overview} />
        <Route path="/ui/devices" component={Devices} />
        <Route path="/ui/devices/:id" component={Device} />
        <Route path="/ui/releases" component={Releases} />
        <Route path="/ui/releases/:target+" component={Release} />
        <Route path="/ui/vulnerabilities" component={Vulnerabilities} />
        <Route path="/ui/rollouts" component={Rollouts} />
        <Route path="/ui/rollouts/new" component={NewRolloutPage} />
        <Route path="/ui/rollouts/:id" component={RolloutView} />
        <Route path="/ui/audit" component={AuditPage} />
        <Route path="/ui/admin" component={Admin} />
        <Route default component={NotFound} />
      </Router>
    </Layout>
  );
}

render(
  <LocationProvider>
    <SessionProvider>
      <App />
    </SessionProvider>
  </LocationProvider>,
  document.getElementById('app')!,
);
