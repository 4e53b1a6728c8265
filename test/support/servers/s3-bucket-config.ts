// The bucket configuration reads s3rver does not implement (it answers NotImplemented), answered
// ahead of it from a per-bucket state the test sets: public access block, default encryption,
// policy and policy status, versioning (and MFA delete), ownership controls, the ACL, server access
// logging, lifecycle and location; and S3 Control's account-level GetPublicAccessBlock
// (GET /v20180820/configuration/publicAccessBlock, the account in x-amz-account-id: the path the
// SDK's S3 Control client uses with an overridden endpoint), from a per-account state. Bodies and
// error codes are S3's (and S3 Control's) own, so the real SDK clients parse them as in AWS.
import { existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";

export interface BucketConfig {
  publicAccessBlock?: { blockPublicAcls: boolean; ignorePublicAcls: boolean; blockPublicPolicy: boolean; restrictPublicBuckets: boolean };
  encryption?: { algorithm: "AES256" | "aws:kms" | "aws:kms:dsse"; kmsKeyId?: string; bucketKeyEnabled?: boolean };
  /** The policy document, served as S3 stores it (JSON text). */
  policy?: object | string;
  /** What GetBucketPolicyStatus says; S3 computes it from the policy, here the test states it. Default false. */
  policyIsPublic?: boolean;
  versioning?: "Enabled" | "Suspended";
  /** GetBucketVersioning's MFADelete; left out of the answer unless set, as S3 does for a bucket that never had it. */
  mfaDelete?: "Enabled" | "Disabled";
  /** GetBucketAcl's grants beyond the owner's FULL_CONTROL, which every bucket has; `owner` is its canonical id. */
  acl?: { owner?: string; grants: { group?: "AllUsers" | "AuthenticatedUsers" | "LogDelivery"; id?: string; permission: string }[] };
  ownership?: "BucketOwnerEnforced" | "BucketOwnerPreferred" | "ObjectWriter";
  logging?: { targetBucket: string; targetPrefix: string };
  lifecycle?: {
    id: string;
    status: "Enabled" | "Disabled";
    expirationDays?: number;
    noncurrentDays?: number;
    /** Filter on a key prefix; none filters every object. */
    prefix?: string;
    /** Filter on a tag (Key=Value). */
    tag?: { key: string; value: string };
    /** Expiration on a date (ISO-8601, midnight UTC). */
    expirationDate?: string;
  }[];
  /** The bucket's region; GetBucketLocation answers us-east-1 as S3 does, with an empty constraint. Default us-east-1. */
  region?: string;
  /** Operations (GetBucketPolicy, ...) refused with AccessDenied. */
  denied?: string[];
}

const NS = "http://s3.amazonaws.com/doc/2006-03-01/";
const CONTROL_NS = "http://awss3control.amazonaws.com/doc/2018-08-20/";

/** The canonical id of the local account's owner, as GetBucketAcl names it. */
export const OWNER_ID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a";

/** The account's own Block Public Access (S3 Control), per account id. */
export interface AccountConfig {
  publicAccessBlock?: { blockPublicAcls: boolean; ignorePublicAcls: boolean; blockPublicPolicy: boolean; restrictPublicBuckets: boolean };
  /** S3 Control refuses the read with AccessDenied. */
  denied?: boolean;
}

interface Reply {
  status: number;
  body: string;
  type?: string;
}

const xml = (body: string): Reply => ({ status: 200, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` });

function s3Error(status: number, code: string, message: string, bucket: string): Reply {
  return {
    status,
    body:
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
      `<BucketName>${bucket}</BucketName><RequestId>5E7B1C2D3F4A5B6C</RequestId><HostId>local</HostId></Error>`,
  };
}

type Read = (config: BucketConfig, bucket: string) => Reply;

/** Query sub-resource -> the operation it is, and its answer. */
const READS: Record<string, [operation: string, read: Read]> = {
  publicAccessBlock: [
    "GetPublicAccessBlock",
    ({ publicAccessBlock: p }, bucket) =>
      p
        ? xml(
            `<PublicAccessBlockConfiguration xmlns="${NS}"><BlockPublicAcls>${p.blockPublicAcls}</BlockPublicAcls>` +
              `<IgnorePublicAcls>${p.ignorePublicAcls}</IgnorePublicAcls><BlockPublicPolicy>${p.blockPublicPolicy}</BlockPublicPolicy>` +
              `<RestrictPublicBuckets>${p.restrictPublicBuckets}</RestrictPublicBuckets></PublicAccessBlockConfiguration>`,
          )
        : s3Error(404, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found", bucket),
  ],
  encryption: [
    "GetBucketEncryption",
    ({ encryption: e }, bucket) =>
      e
        ? xml(
            `<ServerSideEncryptionConfiguration xmlns="${NS}"><Rule><ApplyServerSideEncryptionByDefault>` +
              `<SSEAlgorithm>${e.algorithm}</SSEAlgorithm>${e.kmsKeyId ? `<KMSMasterKeyID>${e.kmsKeyId}</KMSMasterKeyID>` : ""}` +
              `</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>${e.bucketKeyEnabled ?? false}</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
          )
        : s3Error(404, "ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found", bucket),
  ],
  policy: [
    "GetBucketPolicy",
    ({ policy }, bucket) =>
      policy === undefined
        ? s3Error(404, "NoSuchBucketPolicy", "The bucket policy does not exist", bucket)
        : { status: 200, type: "application/json", body: typeof policy === "string" ? policy : JSON.stringify(policy) },
  ],
  policyStatus: [
    "GetBucketPolicyStatus",
    ({ policy, policyIsPublic }, bucket) =>
      policy === undefined
        ? s3Error(404, "NoSuchBucketPolicy", "The bucket policy does not exist", bucket)
        : xml(`<PolicyStatus xmlns="${NS}"><IsPublic>${policyIsPublic ?? false}</IsPublic></PolicyStatus>`),
  ],
  versioning: [
    "GetBucketVersioning",
    // A bucket that never had versioning answers an empty configuration, not an error.
    ({ versioning, mfaDelete }) =>
      xml(
        versioning || mfaDelete
          ? `<VersioningConfiguration xmlns="${NS}">${versioning ? `<Status>${versioning}</Status>` : ""}${mfaDelete ? `<MfaDelete>${mfaDelete}</MfaDelete>` : ""}</VersioningConfiguration>`
          : `<VersioningConfiguration xmlns="${NS}"/>`,
      ),
  ],
  acl: [
    "GetBucketAcl",
    ({ acl }) => {
      const owner = acl?.owner ?? OWNER_ID;
      const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
      const grant = (grantee: string, permission: string) => `<Grant>${grantee}<Permission>${permission}</Permission></Grant>`;
      const grants = [
        grant(`<Grantee ${XSI} xsi:type="CanonicalUser"><ID>${owner}</ID></Grantee>`, "FULL_CONTROL"),
        ...(acl?.grants ?? []).map((g) =>
          grant(
            g.group
              ? `<Grantee ${XSI} xsi:type="Group"><URI>http://acs.amazonaws.com/groups/${g.group === "LogDelivery" ? "s3/" : "global/"}${g.group}</URI></Grantee>`
              : `<Grantee ${XSI} xsi:type="CanonicalUser"><ID>${g.id}</ID></Grantee>`,
            g.permission,
          ),
        ),
      ];
      return xml(
        `<AccessControlPolicy xmlns="${NS}"><Owner><ID>${owner}</ID></Owner><AccessControlList>${grants.join("")}</AccessControlList></AccessControlPolicy>`,
      );
    },
  ],
  ownershipControls: [
    "GetBucketOwnershipControls",
    ({ ownership }, bucket) =>
      ownership
        ? xml(`<OwnershipControls xmlns="${NS}"><Rule><ObjectOwnership>${ownership}</ObjectOwnership></Rule></OwnershipControls>`)
        : s3Error(404, "OwnershipControlsNotFoundError", "The bucket ownership controls were not found", bucket),
  ],
  logging: [
    "GetBucketLogging",
    ({ logging }) =>
      xml(
        logging
          ? `<BucketLoggingStatus xmlns="${NS}"><LoggingEnabled><TargetBucket>${logging.targetBucket}</TargetBucket><TargetPrefix>${logging.targetPrefix}</TargetPrefix></LoggingEnabled></BucketLoggingStatus>`
          : `<BucketLoggingStatus xmlns="${NS}"/>`,
      ),
  ],
  lifecycle: [
    "GetBucketLifecycleConfiguration",
    ({ lifecycle }, bucket) =>
      lifecycle
        ? xml(
            `<LifecycleConfiguration xmlns="${NS}">` +
              lifecycle
                .map(
                  (r) =>
                    `<Rule><ID>${r.id}</ID>` +
                    (r.tag
                      ? `<Filter><Tag><Key>${r.tag.key}</Key><Value>${r.tag.value}</Value></Tag></Filter>`
                      : r.prefix !== undefined
                        ? `<Filter><Prefix>${r.prefix}</Prefix></Filter>`
                        : `<Filter></Filter>`) +
                    `<Status>${r.status}</Status>` +
                    (r.expirationDays !== undefined ? `<Expiration><Days>${r.expirationDays}</Days></Expiration>` : "") +
                    (r.expirationDate !== undefined ? `<Expiration><Date>${r.expirationDate}</Date></Expiration>` : "") +
                    (r.noncurrentDays !== undefined
                      ? `<NoncurrentVersionExpiration><NoncurrentDays>${r.noncurrentDays}</NoncurrentDays></NoncurrentVersionExpiration>`
                      : "") +
                    `</Rule>`,
                )
                .join("") +
              `</LifecycleConfiguration>`,
          )
        : s3Error(404, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", bucket),
  ],
  location: [
    "GetBucketLocation",
    ({ region }) =>
      xml(
        region && region !== "us-east-1"
          ? `<LocationConstraint xmlns="${NS}">${region}</LocationConstraint>`
          : `<LocationConstraint xmlns="${NS}"/>`,
      ),
  ],
};

/**
 * A request listener for the S3 server: answers a GET of one of the sub-resources above and returns
 * true, or returns false and leaves the request to s3rver. `directory` is s3rver's store, where a
 * bucket exists as a folder.
 */
function accountBlockReply(accounts: Map<string, AccountConfig>, account: string): Reply {
  const config = accounts.get(account) ?? {};
  const error = (status: number, code: string, message: string): Reply => ({
    status,
    body:
      `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Code>${code}</Code><Message>${message}</Message></Error>` +
      `<RequestId>5E7B1C2D3F4A5B6C</RequestId><HostId>local</HostId></ErrorResponse>`,
  });
  if (config.denied) return error(403, "AccessDenied", "Access Denied");
  const p = config.publicAccessBlock;
  if (!p) return error(404, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found");
  return xml(
    `<PublicAccessBlockConfiguration xmlns="${CONTROL_NS}"><BlockPublicAcls>${p.blockPublicAcls}</BlockPublicAcls>` +
      `<IgnorePublicAcls>${p.ignorePublicAcls}</IgnorePublicAcls><BlockPublicPolicy>${p.blockPublicPolicy}</BlockPublicPolicy>` +
      `<RestrictPublicBuckets>${p.restrictPublicBuckets}</RestrictPublicBuckets></PublicAccessBlockConfiguration>`,
  );
}

export function bucketConfigResponder(
  directory: string,
  configs: Map<string, BucketConfig>,
  accounts: Map<string, AccountConfig> = new Map(),
) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== "GET") return false;
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/v20180820/configuration/publicAccessBlock") {
      const reply = accountBlockReply(accounts, String(req.headers["x-amz-account-id"] ?? ""));
      res.writeHead(reply.status, { "content-type": "application/xml", "x-amz-request-id": "5E7B1C2D3F4A5B6C" });
      res.end(reply.body);
      return true;
    }
    const [, bucket = "", ...key] = url.pathname.split("/");
    const entry = Object.entries(READS).find(([query]) => url.searchParams.has(query));
    if (!entry || !bucket || key.join("/") !== "") return false;
    const [operation, read] = entry[1];
    const config = configs.get(bucket) ?? {};
    const reply = !existsSync(join(directory, bucket))
      ? s3Error(404, "NoSuchBucket", "The specified bucket does not exist", bucket)
      : config.denied?.includes(operation)
        ? s3Error(403, "AccessDenied", "Access Denied", bucket)
        : read(config, bucket);
    res.writeHead(reply.status, { "content-type": reply.type ?? "application/xml", "x-amz-request-id": "5E7B1C2D3F4A5B6C" });
    res.end(reply.body);
    return true;
  };
}
