// AthenaSearch (optional, config athena): a Glue table over the trail's own log folder, read with
// CloudTrail's input format and partition projection (no crawler, no partition upkeep), and an
// Athena workgroup with enforced settings, a per-query scan cutoff and its results in a bucket of
// their own, outside the log path.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { CLOUDTRAIL_COLUMNS } from "./cloudtrail-columns";
import { hardenBucket } from "./bucket-hardening";
import { tlsOnlyBucketPolicy } from "./bucket-policy";

export interface AthenaSearchArgs {
  bucketName: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  logPrefix?: string;
  /** Organization trails write under AWSLogs/<o-id>/<account>/. */
  orgId?: string;
  /** Regions the region partition projects (an enum). */
  regions: pulumi.Input<string[]>;
  /** First day the date partition projects, yyyy/MM/dd. */
  startDate: string;
  /** Athena refuses a query that would scan more than this. */
  bytesScannedCutoffPerQuery: number;
  /** Days query results are kept. */
  resultRetentionDays: number;
  tags: Record<string, string>;
}

/** `s3://bucket/[prefix/]AWSLogs/[o-id/]<account>/CloudTrail/`: the table's location. */
export function cloudTrailTableLocation(bucket: string, accountId: string, logPrefix?: string, orgId?: string): string {
  return `s3://${bucket}/${logPrefix ? `${logPrefix}/` : ""}AWSLogs/${orgId ? `${orgId}/` : ""}${accountId}/CloudTrail/`;
}

/** Partition projection: region from a list, date from startDate to NOW; Glue must get `${...}` literally. */
export function projectionParameters(location: string, regions: string[], startDate: string): Record<string, string> {
  return {
    EXTERNAL: "TRUE",
    classification: "cloudtrail",
    "projection.enabled": "true",
    "projection.region.type": "enum",
    "projection.region.values": regions.join(","),
    "projection.timestamp.type": "date",
    "projection.timestamp.format": "yyyy/MM/dd",
    "projection.timestamp.range": `${startDate},NOW`,
    "projection.timestamp.interval": "1",
    "projection.timestamp.interval.unit": "DAYS",
    "storage.location.template": location + "${region}/${timestamp}",
  };
}

export class AthenaSearch extends pulumi.ComponentResource {
  readonly database: aws.glue.CatalogDatabase;
  readonly table: aws.glue.CatalogTable;
  readonly workgroup: aws.athena.Workgroup;
  readonly resultsBucket: aws.s3.Bucket;

  constructor(name: string, args: AthenaSearchArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trail-lab:index:AthenaSearch", name, {}, opts);
    const parent = { parent: this };

    // Glue names: lowercase letters, digits and underscores.
    this.database = new aws.glue.CatalogDatabase(
      `${name}-database`,
      {
        name: `trail_lab_${pulumi
          .getStack()
          .toLowerCase()
          .replace(/[^a-z0-9_]/g, "_")}`,
        tags: args.tags,
      },
      parent,
    );
    const location = pulumi
      .all([args.bucketName, args.accountId])
      .apply(([bucket, account]) => cloudTrailTableLocation(bucket, account, args.logPrefix, args.orgId));

    this.table = new aws.glue.CatalogTable(
      `${name}-table`,
      {
        databaseName: this.database.name,
        name: "cloudtrail_logs",
        tableType: "EXTERNAL_TABLE",
        parameters: pulumi.all([location, args.regions]).apply(([loc, regions]) => projectionParameters(loc, regions, args.startDate)),
        partitionKeys: [
          { name: "region", type: "string" },
          { name: "timestamp", type: "string" },
        ],
        storageDescriptor: {
          location,
          inputFormat: "com.amazon.emr.cloudtrail.CloudTrailInputFormat",
          outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
          serDeInfo: { serializationLibrary: "org.apache.hive.hcatalog.data.JsonSerDe" },
          columns: CLOUDTRAIL_COLUMNS.map((c) => ({ ...c })),
        },
      },
      parent,
    );

    this.resultsBucket = new aws.s3.Bucket(`${name}-results-bucket`, { forceDestroy: true, tags: args.tags }, parent);
    const resultsReady = hardenBucket(
      `${name}-results`,
      {
        bucket: this.resultsBucket,
        retentionDays: args.resultRetentionDays,
        policy: (bucketName) => pulumi.all([args.partition, bucketName]).apply(([p, b]) => JSON.stringify(tlsOnlyBucketPolicy(p, b))),
      },
      this,
    );
    this.workgroup = new aws.athena.Workgroup(
      `${name}-workgroup`,
      {
        name: `trail-lab-${pulumi.getStack()}`,
        forceDestroy: true,
        configuration: {
          enforceWorkgroupConfiguration: true,
          publishCloudwatchMetricsEnabled: true,
          bytesScannedCutoffPerQuery: args.bytesScannedCutoffPerQuery,
          resultConfiguration: {
            outputLocation: pulumi.interpolate`s3://${this.resultsBucket.bucket}/results/`,
            encryptionConfiguration: { encryptionOption: "SSE_S3" },
          },
        },
        tags: args.tags,
      },
      { parent: this, dependsOn: [resultsReady] },
    );
    this.registerOutputs({
      athenaDatabase: this.database.name,
      athenaTable: this.table.name,
      athenaWorkgroup: this.workgroup.name,
    });
  }
}
