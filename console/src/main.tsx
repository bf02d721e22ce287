import { render } from 'preact';
import { App } from './app';
import { loadConfig } from './config';
import './styles.css';

const root = document.getElementById('app')!;
loadConfig().then(
  (config) => render(<App config={config} />, root),
  (err: unknown) => {
    root.textContent = `The console could not start: ${err instanceof Error ? err.message : String(err)}`;
  },
);
