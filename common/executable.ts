// Whether a path is a file this process may run: the one check behind finding the Pulumi CLI on
// PATH, and the tests' finding of a browser and of moto.
import * as fs from "node:fs";

/** True when `file` exists, is a regular file, and is executable by this process. No process is started. */
export function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    // Missing, unreadable or not executable: all mean "not this one".
    return false;
  }
}
