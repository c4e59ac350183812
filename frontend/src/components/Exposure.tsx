import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, setApiToken } from '../api';

type State = { kind: 'checking' } | { kind: 'ok'; exposed: boolean } | { kind: 'token'; message: string } | { kind: 'error'; message: string };

/**
 * Gates the app on the server's health: a Flowdesk reachable from the network needs an API token
 * (asked for here and kept for the browser session) and shows a warning banner the whole time.
 */
export function ExposureGate({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ kind: 'checking' });
  const [token, setToken] = useState('');
  const check = useCallback(async () => {
    try {
      const h = await api.health();
      setState({ kind: 'ok', exposed: !!h.exposed });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setState({ kind: 'token', message: e.message });
      else setState({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  }, []);
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- the health check starts on mount
    void check();
  }, [check]);

  if (state.kind === 'checking') return <div className="screen-message">Connecting to Flowdesk…</div>;
  if (state.kind === 'error') {
    return (
      <div className="screen-message" role="alert">
        {state.message} <button className="btn" onClick={() => void check()}>Try again</button>
      </div>
    );
  }
  if (state.kind === 'token') {
    return (
      <form
        className="token-form"
        onSubmit={(ev) => {
          ev.preventDefault();
          setApiToken(token.trim());
          void check();
        }}
      >
        <h2>This Flowdesk needs an API token</h2>
        <p>It is reachable from your network, so every request must carry a token. Create one on the machine that runs it with <code>flowdesk token create</code>.</p>
        <p className="sub">{state.message}</p>
        <input aria-label="API token" type="password" autoFocus value={token} onChange={(ev) => setToken(ev.target.value)} placeholder="fdt_…" />
        <button className="btn primary" type="submit" disabled={!token.trim()}>Continue</button>
      </form>
    );
  }
  return (
    <>
      {state.exposed && (
        <div className="exposed-banner" role="alert">
          This Flowdesk is reachable from your network. Anyone with an API token can read and change your contacts and workflows; keep tokens secret, or serve on 127.0.0.1.
        </div>
      )}
      {children}
    </>
  );
}
