// The README stays short enough to read (12 KB at most) and states what the suite costs, with the
// figures docs/reliability.md measured.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..');

test('the README is at most 12 KB and gives the measured running time of npm ci, the suite and npm test', () => {
  const readme = readFileSync(join(ROOT, 'README.md'));
  assert.ok(readme.length <= 12 * 1024, `README.md is ${readme.length} bytes`);
  const text = readme.toString('utf8');
  const reliability = readFileSync(join(ROOT, 'docs', 'reliability.md'), 'utf8');
  const measured = /`npm ci` (\d+) s .*?the suite's \d+ tests (\d+) s/s.exec(reliability);
  assert.ok(measured, 'docs/reliability.md gives the figures');
  assert.match(text, new RegExp(`\`npm ci\` ${measured[1]} s, the suite\\s+${measured[2]} s, the whole \`npm test\` about \\d+ minutes`));
});
