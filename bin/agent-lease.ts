#!/usr/bin/env node
// Entry point. `hook <event>` goes straight to the hook runner, which loads only what that event
// needs; everything else goes to the command line, which loads only the command it runs.
const [first, ...rest] = process.argv.slice(2);
if (first === 'hook') {
  (require('../hooks/run') as typeof import('../hooks/run')).runHook(rest);
} else {
  (require('../cli/main') as typeof import('../cli/main')).main(process.argv.slice(2));
}
