// Rewrites the generated documents: docs/configuration.md and env.example.list.
import { writeFileSync } from 'node:fs';
import { configurationMarkdown, envExampleList } from '../src/settings/docs.js';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), configurationMarkdown());
writeFileSync(new URL('../env.example.list', import.meta.url), envExampleList());
console.log('wrote docs/configuration.md and env.example.list');
