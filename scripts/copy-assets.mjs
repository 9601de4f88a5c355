// Copies non-TypeScript assets (JSON schemas) next to the compiled code so dist/ is self-contained.
import { cpSync, existsSync } from 'node:fs';
for (const dir of ['core/playbook/schema']) {
  if (existsSync(dir)) cpSync(dir, `dist/${dir}`, { recursive: true });
}
