// OS features: in the Wails window the Go App methods (app/app.go) open native file dialogs;
// in a browser a file input and a Blob download stand in.

interface DesktopApp {
  OpenWorkflowFile(): Promise<string>;
  SaveWorkflowFile(name: string, content: string): Promise<string>;
}

declare global {
  interface Window {
    go?: { app?: { App?: Partial<DesktopApp> } };
  }
}

function desktop(): Partial<DesktopApp> | undefined {
  return typeof window !== 'undefined' ? window.go?.app?.App : undefined;
}

/** Asks for a workflow file and returns its text ("" when cancelled). */
export async function openWorkflowFile(): Promise<string> {
  const d = desktop();
  if (d?.OpenWorkflowFile) return (await d.OpenWorkflowFile()) ?? '';
  return new Promise((resolve, reject) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = '.json,application/json';
    input.style.display = 'none';
    input.dataset.testid = 'import-input';
    const done = () => input.remove();
    input.addEventListener('change', () => {
      const f = input.files?.[0];
      done();
      if (!f) return resolve('');
      f.text().then(resolve, reject);
    });
    input.addEventListener('cancel', () => {
      done();
      resolve('');
    });
    document.body.appendChild(input);
    input.click();
  });
}

/** Saves a workflow file; returns where it went (a path on desktop, the file name in a browser, "" when cancelled). */
export async function saveWorkflowFile(name: string, content: string): Promise<string> {
  const d = desktop();
  if (d?.SaveWorkflowFile) return (await d.SaveWorkflowFile(name, content)) ?? '';
  const url = URL.createObjectURL(new Blob([content], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  return name;
}
