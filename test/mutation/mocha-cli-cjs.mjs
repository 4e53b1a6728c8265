// Preloaded (NODE_OPTIONS=--import) into Stryker's processes by `npm run mutation` only.
// @stryker-mutator/mocha-runner 10.1.1 requires Mocha's cli internals without an extension
// (`mocha/lib/cli/run-helpers`), and Mocha 12 ships them as `.cjs`, so the plugin fails to load
// ("no TestRunner plugins were loaded"). Letting CommonJS resolution also probe `.cjs` finds them.
// Upstream: stryker-mutator/stryker-js#6205 (open); drop this file once a release carries it.
import Module from "node:module";

if (!Module._extensions[".cjs"]) Module._extensions[".cjs"] = Module._extensions[".js"];
