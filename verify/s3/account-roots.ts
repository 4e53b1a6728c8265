// Where a trail's log and digest folders start in its bucket: `AWSLogs/<account>/` and, for an
// organization trail, `AWSLogs/<o-id>/<account>/`. The event scan and integrity both start here.
import type { S3Client } from "@aws-sdk/client-s3";
import { listPages } from "./listing";
import { awsLogsPrefix, isOrganizationSegment } from "./log-keys";

/**
 * `AWSLogs/<account>/`, and `AWSLogs/<o-id>/<account>/` for each organization segment, found by
 * listing `AWSLogs/` with a delimiter; empty when neither is there (yet).
 */
export async function findAccountRoots(
  s3: S3Client,
  bucket: string,
  trailPrefix: string | null,
  account: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const logs = awsLogsPrefix(trailPrefix);
  const plain = `${logs}${account}/`;
  const found: string[] = [];
  for await (const page of listPages(s3, { Bucket: bucket, Prefix: logs, Delimiter: "/" }, { signal })) {
    for (const { Prefix: prefix } of page.CommonPrefixes ?? []) {
      if (!prefix) continue;
      const segment = prefix.slice(logs.length, -1);
      if (prefix === plain) found.push(plain);
      else if (isOrganizationSegment(segment)) found.push(`${prefix}${account}/`);
    }
  }
  return found;
}
