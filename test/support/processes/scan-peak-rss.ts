// Log objects decoded and matched in a fresh process (scanLogObject, on its main thread), one
// after another; it prints each outcome and its peak RSS before the first and after the last, so
// that a test can hold the memory the objects cost to a bound (the peak is a high-water mark:
// after the last, it is the largest any of them reached). Usage:
//   scan-peak-rss.ts <eventName> <resource> <file.json.gz>...
import { readFileSync } from "node:fs";
import { compileCriteria, scanLogObject } from "../../../verify/event/match";

const [eventName, resource, ...files] = process.argv.slice(2);
const criteria = compileCriteria({ eventName, resource, since: new Date(0) });
const objects = files.map((file) => readFileSync(file));
// The code loaded and run once first, so that "before" holds it and not only the runtime.
scanLogObject(Buffer.alloc(0), criteria);
const before = process.resourceUsage().maxRSS * 1024;
const outcomes = objects.map((gz) => {
  const { bytesScanned, matches, skippedReason } = scanLogObject(gz, criteria);
  return { bytesScanned, matches: matches.length, skippedReason };
});
const after = process.resourceUsage().maxRSS * 1024;
process.stdout.write(`${JSON.stringify({ before, after, outcomes })}\n`);
