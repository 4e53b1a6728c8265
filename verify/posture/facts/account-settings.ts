// The account's own Block Public Access, which S3 applies over every bucket's (Security Hub S3.1),
// read through S3 Control. Never configured is an answer (null); a refusal (access denied, or a
// region closed to the caller) leaves it unread with the reason, which S3.1 reports as n/a; any
// other failure rejects as the other reads do.
import { GetPublicAccessBlockCommand, type PublicAccessBlockConfiguration, type S3ControlClient } from "@aws-sdk/client-s3-control";
import { awsErrorCode } from "../../../common/aws-error-code";
import { isRefusal, toVerifyError } from "../../aws-errors";

export type AccountBlock = { read: true; config: PublicAccessBlockConfiguration | null } | { read: false; reason: string };

export async function readAccountBlock(client: S3ControlClient, account: string, signal?: AbortSignal): Promise<AccountBlock> {
  try {
    const answer = await client.send(new GetPublicAccessBlockCommand({ AccountId: account }), { abortSignal: signal });
    return { read: true, config: answer.PublicAccessBlockConfiguration ?? null };
  } catch (err) {
    const code = awsErrorCode(err);
    if (code === "NoSuchPublicAccessBlockConfiguration") return { read: true, config: null };
    if (isRefusal(err)) {
      return {
        read: false,
        reason: `S3 Control refused GetPublicAccessBlock for account ${account} (${code}): grant the caller s3:GetAccountPublicAccessBlock`,
      };
    }
    throw toVerifyError("GetAccountPublicAccessBlock", `account ${account}`, err);
  }
}
