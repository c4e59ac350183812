import { useState } from 'react';
import { RouterProvider } from 'react-router';
import { ExposureGate } from './components/Exposure';
import { createAppRouter } from './routes';

export function App() {
  const [router] = useState(createAppRouter);
  return (
    <ExposureGate>
      <RouterProvider router={router} />
    </ExposureGate>
  );
}
